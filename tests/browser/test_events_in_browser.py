"""A coordinator opens a matchmaking event, proposes its schedule and sees the tables filled from the
strongest matches, in English and in Japanese; the interest matrix reads on a 360 px phone."""
from datetime import datetime

from playwright.sync_api import expect
from sqlalchemy import select

from matchapp import demo
from matchapp.events import services
from matchapp.models import City, Company, Event, EventParticipant, User
from tests.browser.test_listings_in_browser import log_in, switch_language

COMPANIES = ("j-fils", "daiseki", "nippon-steel-engineering", "hitachi", "kanmon-solar", "ihi", "kobe-leak",
             "ev-motors-japan")
CITIES = ("hai-phong", "da-nang", "ho-chi-minh-city")


def viet_nam_session(db) -> Event:
    """The demo, and a session of 8 slots (2 tables x 4 times) with eight firms and three Vietnamese cities;
    the only wish: Hai Phong asks to meet Kanmon Solar."""
    demo.load()
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.matchapp.example"))
    event = Event(title="Viet Nam business-matching session", held_on=datetime(2031, 6, 1).date(),
                  timezone="Asia/Ho_Chi_Minh", mode="on_site", place="Hai Phong", created_by_id=coordinator.id)
    event.participants = [EventParticipant(company=db.session.scalar(select(Company).where(Company.ref == ref)))
                          for ref in COMPANIES]
    event.participants += [EventParticipant(city=db.session.scalar(select(City).where(City.ref == ref)))
                           for ref in CITIES]
    services.make_slots(event, datetime(2031, 6, 1, 9, 0), 30, 4, 2)
    db.session.add(event)
    db.session.flush()
    by_ref = {p.organisation.ref: p for p in event.participants}
    services.set_interests(by_ref["hai-phong"], {by_ref["kanmon-solar"].id})
    db.session.commit()
    return event


def test_a_coordinator_fills_an_event_schedule_from_matches_in_english_and_japanese(live_server, page, browser,
                                                                                    screenshot, db):
    event = viet_nam_session(db)
    best = max(services.best_matches(event).values(), key=lambda m: m.score)
    strongest = f"match {round(best.score)}"

    log_in(page, live_server, "coordinator@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(page, "English")  # the demo coordinator reads Japanese by default
    page.goto(f"{live_server}/events/{event.id}")
    expect(page.locator("#slots-filled")).to_have_text("Slots filled: 0 of 8")
    page.get_by_role("button", name="Propose a schedule from interests and match scores").click()
    expect(page.get_by_text("8 of 8 slots filled: 1 from interests, 7 from matches")).to_be_visible()
    expect(page.locator("#slots-filled")).to_have_text("Slots filled: 8 of 8")
    rows = page.locator("#schedule tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.filter(has_text="Hai Phong asked to meet")).to_have_count(1)
    expect(rows.filter(has_text=strongest)).to_have_count(1)
    expect(rows.filter(has_text="match ")).to_have_count(8)  # every meeting says which match it is for
    organisations = page.locator("#schedule tbody td:nth-child(3)")
    hai_phong_meetings = organisations.filter(has_text="Hai Phong").count()
    assert hai_phong_meetings >= 2
    screenshot(page, "1-schedule-en")

    switch_language(page, "日本語")
    expect(page.get_by_role("heading", name="スケジュール")).to_be_visible()
    page.get_by_role("button", name="希望とマッチングスコアからスケジュールを提案").click()
    expect(page.locator("#schedule tbody tr")).to_have_count(8)
    expect(page.locator("#schedule thead")).to_contain_text("時刻")
    expect(organisations.filter(has_text="ハイフォン市")).to_have_count(hai_phong_meetings)
    expect(page.locator("#schedule td.reason strong").filter(has_text=str(round(best.score)))).to_have_count(1)
    screenshot(page, "2-schedule-ja")

    # The interest matrix on a 360 px phone: the table scrolls inside its container, the page does not.
    # The coordinator's profile now says Japanese: the phone opens in Japanese.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{live_server}/account/login")
    phone.get_by_label("E-mail").fill("coordinator@demo.matchapp.example")
    phone.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.goto(f"{live_server}/events/{event.id}/matrix")
    matrix = phone.locator("#interest-matrix")
    expect(matrix.locator("tbody tr")).to_have_count(3)
    expect(matrix.locator("tbody tr", has_text="ハイフォン市")).to_contain_text(str(round(best.score)))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "3-matrix-phone-ja")
    choose_language(phone, "English")
    expect(matrix.locator("tbody tr", has_text="Hai Phong")).to_contain_text(str(round(best.score)))
    expect(matrix.locator("thead")).to_contain_text("Kanmon Solar Engineering")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "4-matrix-phone-en")
    phone.goto(f"{live_server}/events/{event.id}")  # the schedule with its outcome and adjust columns, too
    expect(phone.locator("#schedule tbody tr")).to_have_count(8)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.context.close()


def choose_language(page, name):
    """The language buttons; on a phone they are inside the folded menu."""
    menu = page.locator(".menu > summary")
    if menu.count() and menu.is_visible():
        menu.click()
    switch_language(page, name)
