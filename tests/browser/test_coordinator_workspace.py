"""A coordinator turns an accepted introduction into a project, advances it, and sees the figures change."""
from playwright.sync_api import expect

from matchapp import demo
from matchapp.introductions import services
from matchapp.models import Need, Technology, User
from tests.browser.test_listings_in_browser import log_in, switch_language


def accepted_introduction(db):
    """The demo with the Hai Phong city's request to Kanmon Solar, accepted by the company."""
    demo.load()
    city = db.session.query(User).filter_by(email="city@demo.matchapp.example").one()
    firm = db.session.query(User).filter_by(email="company@demo.matchapp.example").one()
    introduction = services.request_introduction(city, db.session.query(Need).filter_by(ref="hp-ip-waste-liquid").one(),
                                                 db.session.query(Technology).filter_by(ref="kanmon-rooftop-solar").one())
    db.session.commit()
    services.act(firm, introduction, "accept")
    db.session.commit()
    return introduction


def test_introduction_to_feasibility_study_changes_the_figures(live_server, page, screenshot, db):
    introduction = accepted_introduction(db)

    log_in(page, live_server, "coordinator@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(page, "English")
    page.goto(f"{live_server}/workspace/dashboard")
    expect(page.locator("#project-total")).to_have_text("0")
    page.goto(f"{live_server}/introductions/{introduction.id}")
    page.get_by_role("button", name="Make it a project").click()
    expect(page.locator("#project-stage")).to_have_text("Discovery / matching")
    page.get_by_label("Move to stage").select_option("feasibility")
    page.get_by_role("button", name="Save stage").click()
    expect(page.locator("#project-stage")).to_have_text("Feasibility study")
    expect(page.get_by_text("Stage Discovery / matching → Feasibility study")).to_be_visible()
    page.get_by_role("link", name="Figures").click()
    expect(page.locator("#project-total")).to_have_text("1")
    funnel = page.locator("figure").filter(has_text="Funnel by stage")
    expect(funnel.locator("tr", has_text="Feasibility study").locator("td").nth(1)).to_have_text("1")
    screenshot(page, "figures-en")
    switch_language(page, "日本語")
    expect(page.get_by_role("heading", name="実績")).to_be_visible()
    screenshot(page, "figures-ja")
