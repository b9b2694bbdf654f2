"""A company and a city list their offers and needs and find each other, in both languages."""
from playwright.sync_api import expect

from matchapp import demo
from tests import factories


def log_in(page, live_server, email, password=factories.PASSWORD):
    """Log in from the English login page (the language switch outlives a logout)."""
    page.goto(live_server + "/account/login")
    switch_language(page, "English")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def switch_language(page, name):
    page.get_by_role("button", name=name).click()


def test_company_and_city_list_and_find_each_other(live_server, page, screenshot, db, users):
    # The company lists a technology in Japanese, with an English version, and publishes it.
    log_in(page, live_server, "firm@example.com")
    page.goto(live_server + "/technologies/new")
    page.get_by_label("Language of the main text").select_option("ja")
    page.get_by_label("Title", exact=True).fill("汚泥の減量化と乾燥")
    page.get_by_label("Summary (one or two sentences)").fill("下水処理場の汚泥を減量化し、乾燥して燃料にします。")
    page.get_by_label("Description", exact=True).fill("浄水場・下水処理場向け。省エネ型の乾燥機を使います。")
    page.get_by_text("Add a version in the other language").click()
    page.get_by_label("Title in the other language").fill("Sludge reduction and drying")
    page.get_by_label("Water and sanitation").check()
    page.get_by_label("Target countries (none chosen: any country)").select_option(["VN", "PH"])
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("heading", name="Sludge reduction and drying")).to_be_visible()
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    screenshot(page, "1-technology-en")
    switch_language(page, "日本語")
    expect(page.get_by_role("heading", name="汚泥の減量化と乾燥")).to_be_visible()
    screenshot(page, "2-technology-ja")
    page.get_by_role("button", name="ログアウト").click()

    # The city posts a need in English.
    log_in(page, live_server, "city@example.com")
    switch_language(page, "English")
    page.goto(live_server + "/needs/new")
    page.get_by_label("Language of the main text").select_option("en")
    page.get_by_label("Title", exact=True).fill("Sewage sludge piling up at the treatment plant")
    page.get_by_label("Description", exact=True).fill("We need to reduce and reuse sludge from the Vinh Niem plant.")
    page.get_by_label("Water and sanitation").check()
    page.get_by_label("City-to-City feasibility study").check()
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("heading", name="Sewage sludge piling up at the treatment plant")).to_be_visible()

    # The city finds the company's technology by a Japanese word ...
    page.goto(live_server + "/technologies")
    page.get_by_label("Search words (Japanese or English)").fill("汚泥")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Sludge reduction and drying")).to_be_visible()
    expect(page.get_by_text("1 result")).to_be_visible()
    # ... and by an English filter.
    page.goto(live_server + "/technologies")
    page.get_by_label("Sector").select_option("water")
    page.get_by_label("Country").select_option("VN")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name="Sludge reduction and drying")).to_be_visible()
    screenshot(page, "3-city-finds-technology")
    page.get_by_role("button", name="Log out").click()

    # The company finds the city's need by a Japanese filter and an English word.
    log_in(page, live_server, "firm@example.com")
    switch_language(page, "日本語")
    page.goto(live_server + "/needs")
    page.get_by_label("分野").select_option("water")
    page.get_by_label("検索語（日本語または英語）").fill("sludge")
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page.get_by_role("link", name="Sewage sludge piling up at the treatment plant")).to_be_visible()
    screenshot(page, "4-company-finds-need-ja")


def test_browsing_works_on_a_phone(live_server, phone, screenshot, db, users):
    demo.load()
    log_in(phone, live_server, "city@example.com")
    phone.goto(live_server + "/technologies?sector=renewable_energy")
    expect(phone.get_by_role("heading", name="Technologies")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "browse-phone-en")
    switch_language(phone, "日本語")
    phone.goto(live_server + "/technologies/kanmon-floating-solar")
    expect(phone.get_by_role("heading", name="水上太陽光発電")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "detail-phone-ja")
