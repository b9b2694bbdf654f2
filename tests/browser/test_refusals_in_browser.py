"""A refused action shows why, on a phone and a desktop, instead of a bare "Redirecting..." page."""
from playwright.sync_api import expect

from matchapp import demo
from matchapp.models import User
from matchapp.workspace import projects
from tests.browser.test_coordinator_workspace import accepted_introduction
from tests.browser.test_listings_in_browser import log_in, switch_language


def test_a_refused_meeting_proposal_says_why_and_leads_back(live_server, phone, screenshot, db):
    introduction = accepted_introduction(db)
    log_in(phone, live_server, "company@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(phone, "English")
    phone.goto(f"{live_server}/introductions/{introduction.id}")
    phone.get_by_label("Time 1").fill("2001-03-04T10:00")
    phone.get_by_label("Meeting link").fill("https://meet.example/x")
    phone.get_by_role("button", name="Propose these times").click()
    expect(phone.get_by_role("heading", name="That could not be done")).to_be_visible()
    expect(phone.get_by_text("must be in the future")).to_be_visible()
    assert "Redirecting" not in phone.content()
    screenshot(phone, "meeting-refused-phone")
    phone.get_by_role("link", name="Back to the introduction").click()
    expect(phone.locator("#intro-state")).to_have_text("Accepted")


def test_refused_project_changes_say_why_in_japanese(live_server, page, screenshot, db):
    introduction = accepted_introduction(db)
    coordinator = db.session.query(User).filter_by(email="coordinator@demo.matchapp.example").one()
    project = projects.from_introduction(coordinator, introduction)
    log_in(page, live_server, "coordinator@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(page, "日本語")
    page.goto(f"{live_server}/workspace/projects/{project.id}")
    page.locator("#stage").select_option("dropped")  # dropping needs a reason: none given
    page.locator("#stage").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.get_by_role("heading", name="実行できませんでした")).to_be_visible()
    expect(page.locator(".flash")).to_be_visible()
    assert "Redirecting" not in page.content()
    screenshot(page, "project-drop-refused-ja")
    page.get_by_role("link", name="案件に戻る").click()
    expect(page.locator("#project-stage")).to_be_visible()
