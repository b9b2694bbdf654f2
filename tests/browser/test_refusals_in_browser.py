"""A refused action shows why, on a phone and a desktop, instead of a bare "Redirecting..." page."""
from playwright.sync_api import expect

from matchapp import demo
from matchapp.models import User
from matchapp.workspace import projects
from tests.browser.test_coordinator_workspace import accepted_introduction
from tests.browser.test_listings_in_browser import log_in, switch_language


def expect_refusal(page, reason=None) -> None:
    """The refusal page itself: its heading, the reason (a given text, or the flashed error), no bare redirect."""
    expect(page.get_by_role("heading", name="That could not be done")).to_be_visible()
    expect(page.get_by_text(reason) if reason else page.locator(".flash.error")).to_be_visible()
    assert "Redirecting" not in page.content()


def test_a_refused_meeting_proposal_says_why_and_leads_back(live_server, phone, screenshot, db):
    introduction = accepted_introduction(db)
    log_in(phone, live_server, "company@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(phone, "English")
    phone.goto(f"{live_server}/introductions/{introduction.id}")
    phone.get_by_label("Time 1").fill("2001-03-04T10:00")
    phone.get_by_label("Meeting link").fill("https://meet.example/x")
    phone.get_by_role("button", name="Propose these times").click()
    expect_refusal(phone, "must be in the future")
    screenshot(phone, "meeting-refused-phone")
    phone.get_by_role("link", name="Back to the introduction").click()
    expect(phone.locator("#intro-state")).to_have_text("Accepted")


def test_refused_project_changes_say_why_in_japanese(live_server, page, screenshot, db):
    introduction = accepted_introduction(db)
    coordinator = db.session.query(User).filter_by(email="coordinator@demo.matchapp.example").one()
    project = projects.from_introduction(coordinator, introduction)
    db.session.commit()
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


def test_a_refused_event_adjustment_says_why_and_leads_back(client, auth, live_server, phone, screenshot, db, users):
    """Moving a meeting to a time when one of its organisations is already busy, on a phone."""
    from tests.factories import PASSWORD
    from tests.test_events import event as make_event, schedule_with_a_busy_slot

    event = make_event.__wrapped__(client, auth, db, users)
    _first, second, target = schedule_with_a_busy_slot(client, auth, db, event)

    log_in(phone, live_server, "coordinator@example.com", PASSWORD)
    phone.goto(f"{live_server}/events/{event.id}")
    phone.locator(f"#slot-{second.id}").select_option(str(target.id))
    phone.locator(f"#slot-{second.id}").locator("xpath=ancestor::form").get_by_role("button", name="Move").click()
    expect_refusal(phone)
    screenshot(phone, "event-move-refused-phone")
    phone.get_by_role("link", name="Back to the event").click()
    expect(phone.get_by_role("heading", name="Da Nang business-matching session")).to_be_visible()


def test_an_introduction_answered_in_another_tab_cannot_be_answered_again(live_server, browser, screenshot, db):
    """Declined in one tab, then "Accept" in a tab opened before: the reason, not "Redirecting..."."""
    from matchapp.introductions import services
    from matchapp.models import Need, Technology
    demo.load()
    city = db.session.query(User).filter_by(email="city@demo.matchapp.example").one()
    introduction = services.request_introduction(
        city, db.session.query(Need).filter_by(ref="hp-ip-waste-liquid").one(),
        db.session.query(Technology).filter_by(ref="kanmon-rooftop-solar").one())
    db.session.commit()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    first, second = context.new_page(), context.new_page()
    log_in(first, live_server, "company@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(first, "English")
    for page in (first, second):
        page.goto(f"{live_server}/introductions/{introduction.id}")
    first.get_by_role("button", name="Decline").click()
    expect(first.locator("#intro-state")).to_have_text("Declined")
    second.get_by_role("button", name="Accept").click()
    expect_refusal(second)
    screenshot(second, "introduction-answered-twice")
    second.get_by_role("link", name="Back to the introduction").click()
    expect(second.locator("#intro-state")).to_have_text("Declined")
    context.close()
