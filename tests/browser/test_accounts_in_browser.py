"""A newcomer registers, confirms the address from the mail, logs out, logs back in and sees the dashboard."""
import re
from email import message_from_bytes, policy

from playwright.sync_api import expect

from matchapp import demo

from ..mailserver import start_server, wait_for

PASSWORD = "a long enough password"


def test_register_confirm_log_out_log_in_and_see_the_dashboard(app_config_with_mail, smtp_port, live_server, page,
                                                                screenshot, db):
    demo.load()
    controller, inbox = start_server(smtp_port)
    page.goto(live_server + "/")
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("a Japanese company offering technologies").check()
    page.get_by_label("E-mail").fill("info@hibiki-energy.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Organisation name (English)").fill("Hibiki Energy")
    page.get_by_label("Organisation name (Japanese, optional)").fill("響エネルギー")
    page.get_by_label("Home city in Japan").fill("Kitakyushu")
    page.get_by_label("Preferred language").select_option("en")
    screenshot(page, "1-register")
    try:
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
        expect(page.get_by_text("We sent an e-mail to info@hibiki-energy.example.")).to_be_visible()
        messages = wait_for(inbox)
    finally:
        controller.stop()
    body = message_from_bytes(messages[0].content, policy=policy.default).get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+(/account/confirm/\S+)", body).group(1)
    page.goto(live_server + link)
    page.get_by_role("button", name="Confirm my e-mail address").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Thank you: your e-mail address is confirmed.")).to_be_visible()
    expect(page.get_by_text("You have not listed a technology yet.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("E-mail").fill("info@hibiki-energy.example")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The e-mail address or password is not correct.")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Hibiki Energy", exact=True)).to_be_visible()
    screenshot(page, "2-dashboard")

    # The language switch turns the whole interface into Japanese.
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    expect(page.get_by_text("響エネルギー", exact=True)).to_be_visible()
    screenshot(page, "3-dashboard-ja")


def test_demo_coordinator_sees_organisations_on_a_phone(live_server, phone, screenshot, db):
    demo.load()
    phone.goto(live_server + "/account/login")
    phone.get_by_label("E-mail").fill("coordinator@demo.matchapp.example")
    phone.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    phone.keyboard.press("Enter")  # the form works from the keyboard
    expect(phone.get_by_role("heading", name="ダッシュボード")).to_be_visible()
    expect(phone.get_by_role("link", name="組織一覧").first).to_be_hidden()  # the menu is folded on a phone
    phone.locator(".menu > summary").click()
    phone.get_by_role("link", name="組織一覧").first.click()
    expect(phone.get_by_role("heading", name="組織一覧")).to_be_visible()
    expect(phone.get_by_text("ハイフォン市")).to_be_visible()
    # Nothing overflows the phone's width.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(phone, "organisations-phone-ja")


def test_the_new_account_and_service_pages_fit_a_360_px_screen(app_config_with_mail, smtp_port, live_server, browser,
                                                              db, users):
    """Sign-up's "check your inbox", the confirmation page and an import's progress: nothing scrolls sideways."""
    from matchapp.accounts import signup
    from matchapp.models import PendingUpload, User
    from tests.factories import PASSWORD as USER_PASSWORD
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()

    def fits(path_or_none=None):
        if path_or_none:
            phone.goto(live_server + path_or_none)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, phone.url

    controller, inbox = start_server(smtp_port)
    try:
        phone.goto(live_server + "/account/register")
        phone.get_by_label("E-mail").fill("someone.with.a.rather.long.address@a-long-company-name.example")
        phone.get_by_label("Password", exact=True).fill(PASSWORD)
        phone.get_by_label("Repeat the password").fill(PASSWORD)
        phone.get_by_label("Organisation name (English)").fill("Hibiki Energy")
        phone.get_by_role("button", name="Create account").click()
        expect(phone.get_by_role("heading", name="Check your inbox")).to_be_visible()
        fits()
        wait_for(inbox)
    finally:
        controller.stop()
    newcomer = db.session.query(User).filter_by(email="someone.with.a.rather.long.address@a-long-company-name.example").one()
    fits(f"/account/confirm/{signup.make_token(newcomer)}")
    expect(phone.get_by_role("button", name="Confirm my e-mail address")).to_be_visible()
    coordinator = db.session.query(User).filter_by(email="coordinator@example.com").one()
    upload = PendingUpload(user_id=coordinator.id, kind="bundle", filename="a-file-with-a-long-name.json", payload="",
                           state="failed", result="technologies[0] ref=x: unknown sector 'solr'\n" * 3)
    db.session.add(upload)
    db.session.commit()
    phone.goto(live_server + "/account/login")
    phone.get_by_label("E-mail").fill("coordinator@example.com")
    phone.get_by_label("Password").fill(USER_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    fits(f"/listings/import/{upload.id}/progress")
    expect(phone.get_by_text("Nothing was imported")).to_be_visible()
    context.close()

