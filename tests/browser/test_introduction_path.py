"""The whole path in a browser: need → match → introduction → acceptance → meeting → calendar, in two languages."""
from playwright.sync_api import expect

from matchapp import demo
from tests.browser.test_listings_in_browser import log_in, switch_language
from tests import factories


def test_from_a_need_to_a_meeting_in_both_time_zones(live_server, browser, screenshot, db):
    demo.load()
    factories.rematch()
    city = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    firm = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()

    # The Hai Phong city user (English, Asia/Ho_Chi_Minh) posts a need and opens its matches.
    log_in(city, live_server, "city@demo.matchapp.example", demo.DEMO_PASSWORD)
    city.goto(live_server + "/needs/new")
    city.get_by_label("Language of the main text").select_option("en")
    city.get_by_label("Title", exact=True).fill("Rooftop solar for the seafood market")
    city.get_by_label("Description", exact=True).fill("Cold storage at the market needs cheaper power: rooftop solar PV.")
    city.get_by_label("Renewable energy").check()
    city.get_by_role("button", name="Save and publish").click()
    city.get_by_role("link", name="See matching technologies").click()
    card = city.locator(".result.match").filter(has=city.get_by_role("link", name="Rooftop solar PV for factories"))
    expect(card).to_have_count(1)
    card.get_by_text("Request an introduction").click()
    card.get_by_label("Message to the other side").fill("Could you visit the market in March?")
    card.get_by_role("button", name="Send the request").click()
    expect(city.locator("#intro-state")).to_have_text("Requested")
    screenshot(city, "1-city-requested")

    # The company user (Japanese, Asia/Tokyo) sees it in the inbox, accepts and proposes a time.
    log_in(firm, live_server, "company@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(firm, "日本語")
    firm.get_by_role("link", name="受信箱").click()
    firm.get_by_role("link", name="紹介の依頼").first.click()
    firm.get_by_role("button", name="承諾する").click()
    expect(firm.locator("#intro-state")).to_have_text("承諾済み")
    firm.get_by_label("候補1").fill("2031-03-04T10:00")
    firm.get_by_label("打ち合わせのリンク").fill("https://meet.example/seafood-market")
    firm.get_by_role("button", name="この日時で提案する").click()
    expect(firm.get_by_text("2031/03/04 10:00 (Asia/Tokyo) / 2031/03/04 8:00 (Asia/Ho_Chi_Minh)")).to_be_visible()
    screenshot(firm, "2-company-proposed-ja")

    # The city picks the time and sees it in its own zone first.
    city.reload()
    city.get_by_role("button", name="Confirm this time").click()
    expect(city.locator("#intro-state")).to_have_text("Meeting scheduled")
    expect(city.get_by_text("Confirmed: Mar 4, 2031, 8:00\u202fAM (Asia/Ho_Chi_Minh) / Mar 4, 2031, 10:00\u202fAM (Asia/Tokyo)")).to_be_visible()
    screenshot(city, "3-city-confirmed")

    firm.reload()
    expect(firm.get_by_text("確定： 2031/03/04 10:00 (Asia/Tokyo) / 2031/03/04 8:00 (Asia/Ho_Chi_Minh)")).to_be_visible()
    with firm.expect_download() as download_info:
        firm.get_by_role("link", name="カレンダーに追加（.ics）").click()
    path = download_info.value.path()
    content = open(path, encoding="utf-8", newline="").read().replace("\r\n ", "")  # unfolded (RFC 5545 3.1)
    assert "DTSTART:20310304T010000Z" in content and "https://meet.example/seafood-market" in content
    screenshot(firm, "4-company-confirmed-ja")
