"""An administrator invites a colleague of a demo firm; the invitee opens the mailed link, chooses a
password and lands logged in on the dashboard. The administration pages fit a phone."""
import re
from email import message_from_bytes, policy

from playwright.sync_api import expect

from sqlalchemy import select

from matchapp import demo
from matchapp.models import OutboxEmail

from ..mailserver import start_server, wait_for

PASSWORD = "the ferry to Moji leaves at nine"


def log_in(page, live_server, email, password=demo.DEMO_PASSWORD):
    page.goto(live_server + "/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_an_invitee_opens_the_mailed_link_sets_a_password_and_lands_on_the_dashboard(
        app_config_with_mail, smtp_port, live_server, browser, page, screenshot, db):
    demo.load()
    controller, inbox = start_server(smtp_port)  # up before anything can be mailed, as in the other mail tests
    log_in(page, live_server, "admin@demo.matchapp.example")
    page.get_by_role("link", name="Users", exact=True).first.click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("link", name="company@demo.matchapp.example")).to_be_visible()
    page.get_by_role("link", name="Invite a user").first.click()
    page.get_by_label("E-mail").fill("yamada@kanmon-solar.example")
    page.get_by_label("Name (optional)").fill("Yamada Emi")
    page.get_by_label("Role").select_option("company")
    page.get_by_label("Organisation (required for company and city users)").select_option("company:kanmon-solar")
    page.get_by_label("Language of the invitation").select_option("en")
    screenshot(page, "1-invite")
    try:
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_text("We sent an invitation to yamada@kanmon-solar.example.")).to_be_visible()
        expect(page.get_by_text("Invited, not yet accepted")).to_be_visible()
        messages = wait_for(inbox, seconds=5)
    finally:
        controller.stop()
    db.session.expire_all()
    assert messages, [(e.to, e.attempts, e.last_error) for e in db.session.scalars(select(OutboxEmail))]
    screenshot(page, "2-invited")
    body = message_from_bytes(messages[0].content, policy=policy.default).get_body(("plain",)).get_content()
    assert messages[0].rcpt_tos == ["yamada@kanmon-solar.example"]
    link = re.search(r"https?://\S+(/account/invitation/\S+)", body).group(1)

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    invitee = context.new_page()
    invitee.goto(live_server + link)
    expect(invitee.get_by_role("heading", name="Choose your password")).to_be_visible()
    invitee.get_by_label("Password", exact=True).fill(PASSWORD)
    invitee.get_by_label("Repeat the password").fill(PASSWORD)
    invitee.get_by_role("button", name="Set my password and log in").click()
    expect(invitee.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(invitee.get_by_text("Welcome to MatchApp: your password is set and you are logged in.")).to_be_visible()
    expect(invitee.get_by_text("yamada@kanmon-solar.example · Company")).to_be_visible()
    screenshot(invitee, "3-invitee-dashboard")

    invitee.goto(live_server + link)  # the link worked once
    expect(invitee.get_by_text("This invitation link is not valid or was already used.")).to_be_visible()
    context.close()

    page.reload()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Invitation accepted")).to_be_visible()


def test_the_administration_pages_fit_a_360_px_phone(live_server, browser, db, screenshot):
    demo.load()
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(live_server + "/account/login")
    phone.get_by_label("E-mail").fill("admin@demo.matchapp.example")
    phone.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/dashboard")
    for path in ("/admin/users", "/admin/users/invite", "/admin/organisations", "/admin/companies/kanmon-solar",
                 "/admin/cities/hai-phong", "/admin/audit-log"):
        response = phone.goto(live_server + path)
        assert response.status == 200, path
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
        screenshot(phone, path.strip("/").replace("/", "-"))
    phone.get_by_role("link", name="Users", exact=True).first.click()
    phone.get_by_role("link", name="admin@demo.matchapp.example").click()
    phone.wait_for_url("**/admin/users/*")
    phone.wait_for_load_state()  # measured before its style sheet applies, the page is wider
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, phone.url
    context.close()
