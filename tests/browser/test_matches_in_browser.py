"""A city sees explained matches for its need in English and Japanese; a company sees them the other way."""
from playwright.sync_api import expect

from matchapp import demo
from tests.browser.test_listings_in_browser import log_in, switch_language
from tests import factories


def test_matches_are_explained_both_ways_in_both_languages(live_server, page, phone, screenshot, db):
    demo.load()
    factories.rematch()
    log_in(page, live_server, "city@demo.matchapp.example", demo.DEMO_PASSWORD)
    page.goto(live_server + "/needs/hp-ip-waste-liquid")
    page.get_by_role("link", name="See matching technologies").click()
    expect(page.get_by_role("heading", name="Technologies for this need")).to_be_visible()
    top_two = page.locator(".result.match").filter(has=page.get_by_role("link", name="廃液からのエネルギー回収"))
    expect(top_two).to_have_count(1)  # a technology described only in Japanese is proposed
    expect(page.locator(".result.match").first.get_by_text("Shared terms:")).to_be_visible()
    # the aligned sentences of the Japanese-only technology, marked as such for an English reader
    japanese_card = page.locator(".result.match").filter(has=page.get_by_role("link", name="廃液からのエネルギー回収"))
    expect(japanese_card.get_by_text("Closest passages:")).to_be_visible()
    expect(japanese_card.get_by_text("(Japanese only)")).to_be_visible()
    screenshot(page, "1-need-matches-en")
    switch_language(page, "日本語")
    expect(page.get_by_role("heading", name="このニーズに合う技術")).to_be_visible()
    expect(page.locator(".result.match").first.get_by_text("共通する用語：")).to_be_visible()
    japanese_card = page.locator(".result.match").filter(has=page.get_by_role("link", name="廃液からのエネルギー回収"))
    expect(japanese_card.get_by_text("最も近い文:")).to_be_visible()
    expect(japanese_card.get_by_text("（英語のみ）").or_(japanese_card.get_by_text("(英語のみ)"))).to_be_visible()
    screenshot(page, "2-need-matches-ja")

    log_in(phone, live_server, "company@demo.matchapp.example", demo.DEMO_PASSWORD)
    phone.goto(live_server + "/technologies/kanmon-rooftop-solar/matches")
    expect(phone.get_by_role("heading", name="この技術に合うニーズ")).to_be_visible()
    expect(phone.get_by_role("link", name="Rooftop solar for industrial zone factories")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "3-technology-matches-phone-ja")


def test_search_finds_listings_by_meaning_in_the_other_language(live_server, page, screenshot, db):
    demo.load()
    factories.rematch()
    log_in(page, live_server, "city@demo.matchapp.example", demo.DEMO_PASSWORD)
    page.goto(live_server + "/technologies")
    page.get_by_label("Search words (Japanese or English)").fill("太陽光")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Rooftop solar PV for factories")).to_be_visible()  # English only
    expect(page.get_by_role("link", name="Electric three-wheelers (e-trikes)")).to_have_count(0)
    expect(page.get_by_label("Sort by")).to_have_value("relevance")
    screenshot(page, "search-solar-ja")
    page.get_by_label("Search words (Japanese or English)").fill("waste-to-energy")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="埋立地ガス回収・発電")).to_be_visible()  # Japanese only
    first = page.locator(".result").first
    expect(first.get_by_role("link", name="Waste-to-energy plant (stoker incinerator)")).to_be_visible()
