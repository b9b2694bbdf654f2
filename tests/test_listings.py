"""Creating, editing, publishing and archiving listings, and who may see or change them."""
import re

import pytest
from sqlalchemy import select

from matchapp.models import Country, Need, SearchHit, Technology

from . import factories
from .factories import PASSWORD


def technology_form(**overrides):
    data = {"language": "ja", "title": "屋根置き太陽光発電", "summary": "工場の屋根に太陽光発電を設置します。",
            "description": "EMSで自家消費を最適化します。", "title_alt": "Rooftop solar PV",
            "description_alt": "Rooftop PV with an energy management system.", "sectors": ["renewable_energy"],
            "countries": ["VN", "TH"], "deliveries-0-country": "VN", "deliveries-0-city": "Hai Phong",
            "deliveries-0-year": "2019", "co2_reduction_t": "1200.5", "co2_basis": "1 MW, grid factor 0.8",
            "cost_min": "10000000", "cost_max": "50000000", "cost_currency": "JPY", "jcm_experience": "y",
            "contact_name": "Sato", "contact_email": "sato@kanmon.example", "save_publish": "1"}
    data.update(overrides)
    return data


def need_form(**overrides):
    data = {"language": "en", "title": "Rooftop solar for the industrial park",
            "description": "Tenants want to cut power bills.", "sectors": ["renewable_energy", "energy_efficiency"],
            "site": "Nam Cau Kien", "scale": "263 ha", "budget_min": "100000", "budget_max": "2000000",
            "budget_currency": "USD", "timeline": "study in 2027", "funding": ["city_to_city", "jcm_subsidy"],
            "contact_name": "Nguyen", "contact_email": "nguyen@haiphong.example", "save_draft": "1"}
    data.update(overrides)
    return data


def test_company_lists_and_publishes_a_technology(client, auth, db, users):
    auth.login("firm@example.com")
    response = client.post("/technologies/new", data=technology_form())
    assert response.status_code == 302
    technology = db.session.scalar(select(Technology))
    assert technology.ref == "rooftop-solar-pv" and technology.status == "published"
    assert technology.company.ref == "kanmon"
    assert [c.code for c in technology.countries] == ["TH", "VN"]
    assert [(d.country_code, d.city, d.year) for d in technology.deliveries] == [("VN", "Hai Phong", 2019)]
    assert technology.co2_reduction_t == 1200.5 and technology.jcm_experience is True
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "屋根置き太陽光発電" in page or "Rooftop solar PV" in page
    assert "Viet Nam (Hai Phong) 2019" in page and "1,200.5 t/year" in page


def test_reader_sees_the_version_in_their_language(client, auth, db, users):
    auth.login("firm@example.com")
    client.post("/technologies/new", data=technology_form())
    client.post("/language", data={"language": "en"})
    english = client.get("/technologies/rooftop-solar-pv").get_data(as_text=True)
    assert "<h1>Rooftop solar PV</h1>" in english
    client.post("/language", data={"language": "ja"})
    japanese = client.get("/technologies/rooftop-solar-pv").get_data(as_text=True)
    assert "<h1>屋根置き太陽光発電</h1>" in japanese


def test_city_posts_a_draft_need_and_publishes_it_later(client, auth, db, users):
    auth.login("city@example.com")
    response = client.post("/needs/new", data=need_form())
    need = db.session.scalar(select(Need))
    assert need.status == "draft" and need.funding == ["city_to_city", "jcm_subsidy"]
    assert need.city.ref == "hai-phong" and need.budget_max == 2000000
    response = client.post(f"/needs/{need.ref}/publish")
    assert response.status_code == 303
    assert db.session.get(Need, need.id).status == "open"


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "This field is required."),
    ({"sectors": []}, "Choose at least one sector."),
    ({"sectors": ["solr"]}, "&#39;solr&#39; is not a valid choice for this field."),
    ({"cost_min": "500", "cost_max": "100"}, "The upper bound must not be lower than the lower bound."),
    ({"co2_reduction_t": "-4"}, "Number must be between"),
    ({"contact_email": "nope"}, "Enter a valid e-mail address."),
    ({"deliveries-0-year": "19"}, "Number must be between 1950 and 2100."),
    ({"title": "Rooftop solar\r\nBcc: everyone@example.com"}, "Write this on one line"),
    ({"contact_name": "Tanaka\x1b[31m"}, "Write this on one line"),
    ({"deliveries-0-city": "Hai\nPhong"}, "Write this on one line"),
])
def test_bad_technology_input_is_explained_and_nothing_is_saved(client, auth, db, users, overrides, message):
    auth.login("firm@example.com")
    response = client.post("/technologies/new", data=technology_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Technology)) is None


def test_coordinator_lists_on_behalf_of_a_company(client, auth, db, users):
    auth.login("coordinator@example.com")
    response = client.post("/technologies/new", data=technology_form())
    assert response.status_code == 400
    assert "Choose the organisation this listing belongs to." in response.get_data(as_text=True)
    response = client.post("/technologies/new", data=technology_form(owner="kanmon"))
    assert response.status_code == 302
    assert db.session.scalar(select(Technology)).company.ref == "kanmon"


def test_a_city_cannot_list_technologies_nor_a_company_post_needs(client, auth, users):
    auth.login("city@example.com")
    assert client.get("/technologies/new").status_code == 403
    auth.logout()
    auth.login("firm@example.com")
    assert client.post("/needs/new", data=need_form()).status_code == 403


def test_extra_fields_cannot_move_a_listing_to_another_owner(client, auth, db, users):
    other = factories.company(ref="rival", name="Rival")
    auth.login("firm@example.com")
    client.post("/technologies/new", data=technology_form(owner="rival", company="rival", status="archived"))
    technology = db.session.scalar(select(Technology))
    assert technology.company.ref == "kanmon" and technology.status == "published"
    assert other.technologies == []


@pytest.fixture
def listings(db, users):
    """A draft and a published technology of company A, and a draft and an open need of city X."""
    firm, city = users["company"].company, users["city"].city
    return {
        "draft_tech": factories.technology(firm, ref="draft-tech", status="draft"),
        "public_tech": factories.technology(firm, ref="public-tech"),
        "archived_tech": factories.technology(firm, ref="archived-tech", status="archived"),
        "draft_need": factories.need(city, ref="draft-need", status="draft"),
        "open_need": factories.need(city, ref="open-need"),
    }


@pytest.fixture
def outsiders(db, users):
    rival = factories.company(ref="rival", name="Rival")
    other_city = factories.city(ref="da-nang", name="Da Nang", partners=("Yokohama",))
    return {"company_b": factories.user("b@rival.example", "company", company=rival),
            "city_y": factories.user("y@danang.example", "city", city=other_city)}


# (actor, url, expected status): drafts are secret (404), public listings readable but not editable (403).
ACCESS = [
    ("company_b", "/technologies/draft-tech", 404), ("company_b", "/technologies/archived-tech", 404),
    ("company_b", "/technologies/public-tech", 200), ("company_b", "/technologies/public-tech/edit", 403),
    ("company_b", "/technologies/draft-tech/edit", 404), ("city_y", "/needs/draft-need", 404),
    ("city_y", "/needs/open-need", 200), ("city_y", "/needs/open-need/edit", 403),
    ("city_x", "/technologies/draft-tech", 404), ("city_x", "/needs/draft-need/edit", 200),
    ("company_a", "/technologies/draft-tech/edit", 200), ("company_a", "/needs/open-need/edit", 403),
    ("coordinator", "/technologies/draft-tech/edit", 200), ("coordinator", "/needs/draft-need/edit", 200),
    ("admin", "/technologies/archived-tech", 200), ("anonymous", "/technologies/public-tech", 302),
]


@pytest.mark.parametrize("actor, url, status", ACCESS)
def test_listing_access_rules(client, auth, users, listings, outsiders, actor, url, status):
    emails = {"company_a": "firm@example.com", "city_x": "city@example.com", "coordinator": "coordinator@example.com",
              "admin": "admin@example.com", "company_b": "b@rival.example", "city_y": "y@danang.example"}
    if actor != "anonymous":
        auth.login(emails[actor])
    assert client.get(url).status_code == status


@pytest.mark.parametrize("actor, url, status", [
    ("b@rival.example", "/technologies/public-tech/archive", 403),  # they may see it, not change it
    ("b@rival.example", "/technologies/draft-tech/publish", 404),   # another firm's draft does not exist for them
    ("y@danang.example", "/needs/open-need/close", 403), ("firm@example.com", "/needs/open-need/close", 403),
])
def test_outsiders_cannot_change_a_listing_status(client, auth, db, listings, outsiders, actor, url, status):
    auth.login(actor)
    assert client.post(url).status_code == status
    assert db.session.scalar(select(Technology).where(Technology.ref == "public-tech")).status == "published"
    assert db.session.scalar(select(Need).where(Need.ref == "open-need")).status == "open"


def test_outsiders_cannot_post_edits(client, auth, db, listings, outsiders):
    auth.login("b@rival.example")
    response = client.post("/technologies/public-tech/edit", data=technology_form(title="Hijacked"))
    assert response.status_code == 403
    assert db.session.scalar(select(Technology).where(Technology.ref == "public-tech")).title == "Rooftop solar PV"


def test_drafts_stay_out_of_other_peoples_searches(client, auth, listings, outsiders):
    auth.login("b@rival.example")
    page = client.get("/technologies?status=any").get_data(as_text=True)
    assert "/technologies/public-tech" in page and "/technologies/draft-tech" not in page
    auth.logout()
    auth.login("firm@example.com")
    page = client.get("/technologies?status=any").get_data(as_text=True)
    assert "/technologies/draft-tech" in page and "/technologies/archived-tech" in page


def test_a_status_change_not_allowed_now_is_refused_with_a_message(client, auth, db, listings):
    auth.login("firm@example.com")
    response = client.post("/technologies/public-tech/publish", follow_redirects=True)
    assert "cannot be changed that way in its current state" in response.get_data(as_text=True)
    client.post("/technologies/public-tech/archive")
    assert db.session.scalar(select(Technology).where(Technology.ref == "public-tech")).status == "archived"


def test_editing_keeps_the_owner_and_updates_the_text(client, auth, db, listings):
    auth.login("firm@example.com")
    response = client.post("/technologies/public-tech/edit", data=technology_form(title="Floating solar", save_draft="1",
                                                                                  save_publish="", version="1"))
    assert response.status_code == 302
    technology = db.session.scalar(select(Technology).where(Technology.ref == "public-tech"))
    assert technology.title == "Floating solar" and technology.status == "published"
    assert "floating solar" in technology.search_text


def test_publishing_tells_matching_saved_searches(client, auth, db, users, listings, outsiders):
    auth.login("b@rival.example")
    client.post("/technologies/searches?sector=renewable_energy&country=VN", data={"name": "PV in Viet Nam"})
    client.post("/technologies/searches?sector=waste", data={"name": "Waste"})
    auth.logout()
    auth.login("firm@example.com")
    client.post("/technologies/draft-tech/publish")
    hits = db.session.scalars(select(SearchHit)).all()
    assert [(h.search.name, h.listing_ref) for h in hits] == [("PV in Viet Nam", "draft-tech")]
    auth.logout()
    auth.login("b@rival.example")
    assert 'aria-label="1 new listing">1</span>' in client.get("/dashboard").get_data(as_text=True)  # menu badge
    page = client.get("/searches").get_data(as_text=True)
    assert "PV in Viet Nam" in page and "/technologies/draft-tech" in page and "New" in page


def test_a_hit_whose_listing_was_archived_later_is_no_longer_shown(client, auth, db, users, listings, outsiders):
    auth.login("b@rival.example")
    client.post("/technologies/searches?sector=renewable_energy&country=VN", data={"name": "PV in Viet Nam"})
    auth.logout()
    auth.login("firm@example.com")
    client.post("/technologies/draft-tech/edit", data=technology_form(title="Secret rooftop PV plan", version="1"))
    client.post("/technologies/draft-tech/publish")
    client.post("/technologies/draft-tech/archive")
    assert db.session.scalar(select(Technology).where(Technology.ref == "draft-tech")).status == "archived"
    auth.logout()
    auth.login("b@rival.example")
    page = client.get("/searches").get_data(as_text=True)
    assert "Secret rooftop PV plan" not in page and "/technologies/draft-tech" not in page
    assert 'aria-label="1 new listing"' not in client.get("/dashboard").get_data(as_text=True)


def test_two_coordinators_saving_from_the_same_version_do_not_overwrite_each_other(app, db, users, listings):
    """Both open the edit page, both save: the second is told (409), keeps its text, and nothing is lost."""
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/account/login", data={"email": "coordinator@example.com", "password": PASSWORD})
    version = "1"
    for client in (first, second):
        page = client.get("/technologies/public-tech/edit").get_data(as_text=True)
        assert f'value="{version}"' in page and 'name="version"' in page
    saved = first.post("/technologies/public-tech/edit",
                       data=technology_form(owner="kanmon", title="First title", version=version))
    assert saved.status_code == 302
    refused = second.post("/technologies/public-tech/edit",
                          data=technology_form(owner="kanmon", title="Second title", version=version))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Someone else saved this listing" in page and 'value="Second title"' in page
    db.session.expire_all()
    technology = db.session.scalar(select(Technology).where(Technology.ref == "public-tech"))
    assert technology.title == "First title" and technology.version > 1

    # Having seen the message, the second coordinator saves again on purpose: the form now carries
    # the current version.
    current = str(technology.version)
    assert f'name="version" type="hidden" value="{current}"' in page
    again = second.post("/technologies/public-tech/edit",
                        data=technology_form(owner="kanmon", title="Second title", version=current))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Technology, technology.id).title == "Second title"


def test_a_save_without_the_version_it_was_read_from_is_refused(client, auth, db, listings):
    auth.login("firm@example.com")
    response = client.post("/technologies/public-tech/edit", data=technology_form(title="No version"))
    assert response.status_code == 409
    assert db.session.scalar(select(Technology.title).where(Technology.ref == "public-tech")) != "No version"


def test_a_write_racing_past_the_version_check_fails_instead_of_overwriting(app, db, listings):
    """Two sessions read version 1; the later flush matches no row and raises rather than overwrites."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError
    with Session(db.engine) as one, Session(db.engine) as two:
        a = one.scalar(select(Technology).where(Technology.ref == "public-tech"))
        b = two.scalar(select(Technology).where(Technology.ref == "public-tech"))
        a.title = "From one"
        one.commit()
        b.title = "From two"
        with pytest.raises(StaleDataError):
            two.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Technology.title).where(Technology.ref == "public-tech")) == "From one"


def card_of(page: str, ref: str) -> str:
    """The result card linking to `ref` on a browse page."""
    match = re.search(r'<li class="result">(?:(?!</li>).)*?/' + re.escape(ref) + r'".*?</li>', page, re.S)
    assert match, f"no card for {ref}"
    return match.group(0)


def test_browse_cards_show_every_change_at_once(client, auth, db, listings, outsiders):
    """Cards are kept rendered between requests: an edit, a new owner name, another language and a
    country's JCM status each show on the very next page."""
    auth.login("b@rival.example")
    assert "Rooftop solar PV" in card_of(client.get("/technologies").get_data(as_text=True), "public-tech")
    auth.logout()
    auth.login("firm@example.com")
    client.post("/technologies/public-tech/edit", data=technology_form(
        title="浮体式太陽光", title_alt="Floating solar", sectors=["waste"], save_draft="1", save_publish="", version="1"))
    auth.logout()
    auth.login("b@rival.example")
    card = card_of(client.get("/technologies").get_data(as_text=True), "public-tech")
    assert "Floating solar" in card and "Rooftop solar PV" not in card
    assert "Waste" in card and "Renewable energy" not in card  # sectors alone changed the card too
    listings["public_tech"].company.name = "Kanmon Floating Power"
    db.session.commit()
    assert "Kanmon Floating Power" in card_of(client.get("/technologies").get_data(as_text=True), "public-tech")
    client.post("/language", data={"language": "ja"})
    assert "浮体式太陽光" in card_of(client.get("/technologies").get_data(as_text=True), "public-tech")
    client.post("/language", data={"language": "en"})
    assert 'class="tag jcm">JCM' in card_of(client.get("/needs").get_data(as_text=True), "open-need")
    db.session.get(Country, "VN").jcm_signed = None
    db.session.commit()
    assert 'class="tag jcm"' not in card_of(client.get("/needs").get_data(as_text=True), "open-need")
