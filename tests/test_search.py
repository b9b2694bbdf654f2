"""Finding listings by filters and by words in Japanese or English."""
import re

import pytest

from matchapp import demo
from matchapp.models import Need

from . import factories


@pytest.fixture
def demo_data(db, users):
    demo.load()


def refs(client, url):
    return re.findall(r'href="/(?:technologies|needs)/([a-z0-9.-]+)"', client.get(url).get_data(as_text=True))


def test_japanese_words_find_japanese_listings(client, auth, demo_data):
    auth.login("city@example.com")
    found = refs(client, "/technologies?q=太陽光")
    assert "kanmon-floating-solar" in found and "ihi-smart-power" in found
    assert "terra-e-trike" not in found


def test_full_width_and_case_do_not_matter(client, auth, demo_data):
    auth.login("city@example.com")
    assert "azbil-building-hvac" in refs(client, "/technologies?q=ＨＶＡＣ")
    assert "kanmon-rooftop-solar" in refs(client, "/technologies?q=ROOFTOP solar")


def test_a_listing_with_every_word_comes_first(client, auth, demo_data):
    auth.login("city@example.com")
    found = refs(client, "/technologies?q=solar factories")
    assert found[0] == "kanmon-rooftop-solar"
    assert "terra-e-trike" not in found and "sakai-fgas-recovery" not in found
    # ordered by date instead, only what matched is listed
    by_date = refs(client, "/technologies?q=solar factories&sort=newest")
    assert set(by_date) == set(found)


def test_search_finds_listings_by_meaning_across_languages(client, auth, demo_data):
    auth.login("city@example.com")
    japanese = refs(client, "/technologies?q=太陽光")
    assert "kanmon-rooftop-solar" in japanese[:3]  # "Rooftop solar PV for factories": English only
    english = refs(client, "/technologies?q=waste-to-energy")
    assert "nse-landfill-gas" in english  # 埋立地ガス回収・発電: Japanese only
    assert english[0] == "nse-waste-to-energy"
    assert "evmj-ev-bus" in refs(client, "/technologies?q=electric bus")  # EVバス・EVごみ収集車
    assert "rokko-leak-detection" in refs(client, "/technologies?q=leaking water pipes")  # 漏水検知と無収水対策
    assert "terra-e-trike" not in english


def test_search_covers_the_organisation_name_in_both_languages(client, auth, demo_data):
    auth.login("city@example.com")
    assert set(refs(client, "/technologies?q=ダイセキ")) >= {"daiseki-liquid-energy", "daiseki-hazardous-waste"}
    assert "daiseki-liquid-energy" in refs(client, "/technologies?q=daiseki")


def test_country_filter_keeps_technologies_open_to_any_country(client, auth, demo_data):
    auth.login("city@example.com")
    found = refs(client, "/technologies?country=PW&per_page=100")
    assert "amita-woody-biomass" in found        # targets Palau
    assert "seto-hydrogen-fuelcell" in found     # open to any country
    assert "hokusan-cng-retrofit" not in found   # Indonesia only


def test_sector_filter_and_counts(client, auth, demo_data):
    auth.login("firm@example.com")
    page = client.get("/needs?sector=transport").get_data(as_text=True)
    assert "5 results" in page
    assert set(refs(client, "/needs?sector=transport")) == {"hp-catba-ev-bus", "bkk-port-cargo", "pp-e-trikes",
                                                             "smg-bus-fuel", "koror-ev"}


def test_jcm_only_leaves_out_malaysia(client, auth, demo_data):
    auth.login("company@demo.matchapp.example", demo.DEMO_PASSWORD)
    assert "sel-cement-fuel" in refs(client, "/needs?per_page=100")
    assert "sel-cement-fuel" not in refs(client, "/needs?jcm=1&per_page=100")


def test_language_filter_counts_a_translation(client, auth, db, users):
    firm = users["company"].company
    factories.technology(firm, ref="en-only", language="en")
    bilingual = factories.technology(firm, ref="bilingual", language="en")
    bilingual.title_alt = "屋根置き太陽光"
    factories.technology(firm, ref="ja-only", language="ja")
    db.session.commit()
    auth.login("city@example.com")
    assert sorted(refs(client, "/technologies?language=ja")) == ["bilingual", "ja-only"]


def test_pagination_and_sorting(client, auth, demo_data):
    auth.login("city@example.com")
    first = refs(client, "/technologies?sort=title&per_page=5")
    second = refs(client, "/technologies?sort=title&per_page=5&page=2")
    assert len(first) == 5 and len(second) == 5 and not set(first) & set(second)
    page = client.get("/technologies?sort=title&per_page=5").get_data(as_text=True)
    assert "Page 1 of 9" in page and 'rel="next"' in page


@pytest.mark.parametrize("query", ["sector=solr", "country=XX", "page=0", "per_page=1000", "sort=random", "status=lost"])
def test_unknown_filter_values_get_a_message_not_an_error_page(client, auth, demo_data, query):
    auth.login("city@example.com")
    response = client.get(f"/technologies?{query}")
    assert response.status_code == 400
    assert "That filter could not be used" in response.get_data(as_text=True)


def test_an_empty_result_says_what_to_do(client, auth, demo_data):
    auth.login("city@example.com")
    page = client.get("/technologies?q=zzzzqqq").get_data(as_text=True)
    assert "0 results" in page and "Nothing matches these filters yet." in page


def test_closed_needs_only_with_status_filter(client, auth, db, demo_data):
    need = db.session.query(Need).filter_by(ref="koror-ev").one()
    need.status = "closed"
    db.session.commit()
    auth.login("company@demo.matchapp.example", demo.DEMO_PASSWORD)
    assert "koror-ev" not in refs(client, "/needs?per_page=100")
    assert "koror-ev" in refs(client, "/needs?status=closed")


def test_the_filter_form_keeps_the_chosen_sector_and_country_in_the_readers_language(client, auth, demo_data):
    auth.login("city@example.com")
    page = client.get("/technologies?sector=transport&country=VN").get_data(as_text=True)
    assert '<option value="VN" selected>Viet Nam</option>' in page
    # the default order is relevance: a query typed next ranks by it (without one it is newest first)
    assert re.findall(r'<option value="([^"]*)" ?selected>', page) == ["transport", "VN", "relevance"]
    page = client.get("/technologies?sector=transport&country=VN&sort=title").get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)" ?selected>', page) == ["transport", "VN", "title"]
    client.post("/language", data={"language": "ja"})
    page = client.get("/technologies?country=VN").get_data(as_text=True)
    assert '<option value="VN" selected>ベトナム</option>' in page and '<option value="">すべての国</option>' in page


def results(client, url) -> list[str]:
    """The refs of the result cards on a browse page, in order."""
    return re.findall(r'<li class="result">\s*<h3><a href="/technologies/([a-z0-9.-]+)"', client.get(url).get_data(as_text=True))


def test_a_query_answered_before_sees_every_change_and_only_what_the_reader_may_see(client, auth, db, users):
    """A technology query's ranked results are kept between requests: each reader still sees only
    what they may, and a publication, an archive or an edit shows at once."""
    firm = users["company"].company
    factories.technology(firm, ref="solar-one", title="Solar carport and canopy")
    factories.technology(firm, ref="solar-draft", title="Solar canopy over a carport", status="draft")
    auth.login("city@example.com")
    assert results(client, "/technologies?q=canopy carport&status=any") == ["solar-one"]
    auth.logout()
    auth.login("firm@example.com")
    assert set(results(client, "/technologies?q=canopy carport&status=any")) == {"solar-one", "solar-draft"}
    auth.logout()
    auth.login("city@example.com")
    assert results(client, "/technologies?q=canopy carport&status=any") == ["solar-one"]  # not someone's draft
    auth.logout()
    auth.login("firm@example.com")
    client.post("/technologies/solar-draft/publish")
    client.post("/technologies/solar-one/archive")
    auth.logout()
    auth.login("city@example.com")
    assert set(results(client, "/technologies?q=canopy carport")) == {"solar-draft"}
    auth.logout()
    auth.login("firm@example.com")
    response = client.post("/technologies/solar-draft/edit", data={
        "language": "en", "title": "Rainwater harvesting", "description": "Tanks for rain.", "sectors": ["water"],
        "save_draft": "1", "version": "2"})
    assert response.status_code == 302
    auth.logout()
    auth.login("city@example.com")
    assert "solar-draft" not in results(client, "/technologies?q=canopy carport")
    assert "solar-draft" in results(client, "/technologies?q=rainwater")
