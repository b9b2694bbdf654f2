"""Forgotten password, end to end on a phone in Japanese: the link arrives by real SMTP on loopback."""
import re
from email import message_from_bytes, policy

from playwright.sync_api import expect

from matchapp import demo

from ..mailserver import start_server, wait_for

NEW_PASSWORD = "新しい長いパスワード 2026"


def test_a_forgotten_password_is_reset_from_the_mailed_link(app_config_with_mail, smtp_port, live_server, phone,
                                                            screenshot, db):
    demo.load()
    phone.goto(live_server + "/account/login")
    phone.get_by_role("button", name="日本語").click()
    phone.get_by_role("link", name="パスワードをお忘れですか？").click()
    expect(phone.get_by_role("heading", name="パスワードをお忘れですか？")).to_be_visible()
    phone.get_by_label("メールアドレス").fill("company@demo.matchapp.example")
    screenshot(phone, "1-request-ja")
    controller, inbox = start_server(smtp_port)
    try:
        phone.get_by_role("button", name="再設定用リンクを送る").click()
        expect(phone.get_by_text("新しいパスワードを設定するリンクを送信しました", exact=False)).to_be_visible()
        messages = wait_for(inbox)
    finally:
        controller.stop()
    mail = message_from_bytes(messages[0].content, policy=policy.default)
    assert "パスワードの再設定" in mail["Subject"]
    path = re.search(r"https?://[^/\s]+(/account/password-reset/\S+)", mail.get_body(("plain",)).get_content()).group(1)

    phone.goto(live_server + path)
    expect(phone.get_by_role("heading", name="新しいパスワードの設定")).to_be_visible()
    phone.get_by_label("パスワード", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("パスワード（確認）").fill(NEW_PASSWORD)
    screenshot(phone, "2-new-password-ja")
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("パスワードを変更しました。新しいパスワードでログインしてください。")).to_be_visible()

    phone.get_by_label("メールアドレス").fill("company@demo.matchapp.example")
    phone.get_by_label("パスワード").fill(NEW_PASSWORD)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "3-dashboard")

    phone.goto(live_server + path)  # the link worked once
    expect(phone.get_by_text("無効か、すでに使用されています", exact=False)).to_be_visible()
