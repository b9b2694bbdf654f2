"""The dashboard lists what waits for an answer; answering from there makes the entry go away."""
from playwright.sync_api import expect

from matchapp.extensions import db
from matchapp.introductions import services
from tests import factories
from tests.browser.test_listings_in_browser import log_in, switch_language


def test_a_pending_answer_is_listed_until_it_is_given_in_japanese_and_english(live_server, browser, screenshot,
                                                                              users):
    need = factories.need(users["city"].city, title="Solar for the industrial park")
    technology = factories.technology(users["company"].company, title="Rooftop solar PV")
    services.request_introduction(users["company"], need, technology, "Shall we talk?")
    other_need = factories.need(users["city"].city, ref="ip-storage", title="Batteries for the port cranes")
    services.request_introduction(users["coordinator"], other_need, technology, "You two should meet.")
    db.session.commit()

    # The city user answers in Japanese.
    city = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    log_in(city, live_server, "city@example.com")
    switch_language(city, "日本語")
    city.goto(live_server + "/dashboard")
    waiting = city.locator("section.next-steps")
    expect(waiting.get_by_role("heading", name="あなたの回答を待っている紹介依頼")).to_be_visible()
    expect(waiting.get_by_role("link", name="Solar for the industrial park ↔ Rooftop solar PV")).to_be_visible()
    expect(waiting.get_by_text("コーディネーターからの提案")).to_be_visible()
    screenshot(city, "1-city-waiting-ja")
    waiting.get_by_role("link", name="Solar for the industrial park ↔ Rooftop solar PV").click()
    city.get_by_role("button", name="承諾する").click()
    expect(city.locator("#intro-state")).to_have_text("承諾済み")
    city.goto(live_server + "/dashboard")
    expect(waiting.get_by_role("link", name="Solar for the industrial park ↔ Rooftop solar PV")).to_have_count(0)
    expect(waiting.get_by_role("link", name="Batteries for the port cranes ↔ Rooftop solar PV")).to_be_visible()

    # The company user answers the coordinator's proposal in English.
    firm = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    log_in(firm, live_server, "firm@example.com")
    firm.goto(live_server + "/dashboard")
    steps = firm.locator("section.next-steps")
    expect(steps.get_by_role("heading", name="Introductions waiting for your answer")).to_be_visible()
    steps.get_by_role("link", name="Batteries for the port cranes ↔ Rooftop solar PV").click()
    firm.get_by_role("button", name="Accept").click()
    firm.goto(live_server + "/dashboard")
    expect(steps.get_by_role("heading", name="Introductions waiting for your answer")).to_have_count(0)
    expect(steps.get_by_text("Nothing is waiting for you.")).to_be_visible()
    screenshot(firm, "2-company-nothing-waiting")

    # The coordinator still sees the proposal, now waiting for the city alone.
    coordinator = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    log_in(coordinator, live_server, "coordinator@example.com")
    coordinator.goto(live_server + "/dashboard")
    row = coordinator.locator("section.next-steps li").filter(
        has=coordinator.get_by_role("link", name="Batteries for the port cranes ↔ Rooftop solar PV"))
    expect(row).to_contain_text("waiting for the city")
    expect(row).not_to_contain_text("the company")
