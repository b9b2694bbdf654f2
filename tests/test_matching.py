"""Stored matches, incremental updates, 'no thanks', the match command, pages and API."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchapp import demo
from matchapp.models import Dismissal, Introduction, Match, Need, Technology
from matchapp.models.base import utcnow

from . import factories
from .factories import PASSWORD


@pytest.fixture
def matched(db, users):
    demo.load()
    factories.rematch()


def stored(db, **where):
    query = select(Match)
    for key, value in where.items():
        query = query.where(getattr(Match, key) == value)
    return db.session.scalars(query.order_by(Match.score.desc())).all()


def by_ref(db, model, ref):
    return db.session.scalar(select(model).where(model.ref == ref))


def test_an_english_need_finds_a_japanese_technology(runner, matched):
    result = runner.invoke(args=["match", "dn-rooftop-solar", "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    items = {item["technology"]: item for item in json.loads(result.output)}
    assert "ihi-smart-power" in items  # described only in Japanese
    reasons = items["ihi-smart-power"]["reasons"]
    assert any("太陽光発電" in reason for reason in reasons)
    # the aligned sentences: the English need's and the Japanese-only technology's
    assert any(reason.startswith("Closest passages") and "Rooftop solar" in reason and "工業団地" in reason
               and "(Japanese only)" in reason for reason in reasons), reasons


def test_match_json_follows_the_contract(runner, matched):
    items = json.loads(runner.invoke(args=["match", "hp-ip-waste-liquid", "--top", "5", "--json"]).output)
    assert len(items) == 5
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    for item in items:
        assert set(item) == {"technology", "company", "score", "components", "reasons"}
        assert set(item["components"]) == {"sector", "country", "text", "semantic", "bonus"}
        assert 0 <= item["score"] <= 100 and item["reasons"]


def test_match_for_an_unknown_need_fails_clearly(runner, matched):
    result = runner.invoke(args=["match", "atlantis"])
    assert result.exit_code == 1 and "no need with ref 'atlantis'" in result.output


def test_the_api_returns_the_same_items_as_the_command(client, runner, matched):
    token = client.post("/api/v1/tokens", json={"email": "firm@example.com", "password": PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/needs/hp-seafood-wastewater/matches?top=4",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    cli = json.loads(runner.invoke(args=["match", "hp-seafood-wastewater", "--top", "4", "--json"]).output)
    assert response.get_json() == cli  # read from the stored matches
    every = client.get("/api/v1/needs/hp-seafood-wastewater/matches?top=100", headers={"Authorization": f"Bearer {token}"})
    cli = json.loads(runner.invoke(args=["match", "hp-seafood-wastewater", "--top", "100", "--json"]).output)
    assert every.get_json() == cli and len(cli) > 4  # weaker pairs are not stored: ranked live
    bad = client.get("/api/v1/needs/hp-seafood-wastewater/matches?top=0", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400


def test_rematch_stores_only_useful_scores(runner, db, matched):
    result = runner.invoke(args=["rematch"])
    assert result.exit_code == 0 and "Stored" in result.output
    rows = stored(db)
    assert rows and min(r.score for r in rows) >= 25
    per_need = db.session.execute(select(Match.need_id, func.count()).group_by(Match.need_id)).all()
    assert max(count for _, count in per_need) <= 50


def test_publishing_a_technology_updates_only_its_own_pairs(client, auth, db, matched):
    before = {(m.need_id, m.technology_id): m.computed_at for m in stored(db)}
    auth.login("coordinator@example.com")
    client.post("/technologies/new", data={
        "owner": "kanmon-solar", "language": "en", "title": "Electric buses with depot charging for islands",
        "description": "EV bus fleets and chargers for island tourism", "sectors": ["transport"],
        "countries": ["VN"], "save_publish": "1"})
    new = by_ref(db, Technology, "electric-buses-with-depot-charging-for-islands")
    assert new is not None and new.status == "published"
    rows = stored(db, technology_id=new.id)
    assert by_ref(db, Need, "hp-catba-ev-bus").id in {r.need_id for r in rows}
    after = {(m.need_id, m.technology_id): m.computed_at for m in stored(db) if m.technology_id != new.id}
    assert after == {k: v for k, v in before.items() if k in after}  # nobody else's rows were recomputed


def test_archiving_removes_a_technology_from_every_list(client, auth, db, matched):
    tech = by_ref(db, Technology, "evmj-ev-bus")
    assert stored(db, technology_id=tech.id)
    auth.login("coordinator@example.com")
    client.post("/technologies/evmj-ev-bus/archive")
    assert stored(db, technology_id=tech.id) == []


def test_editing_a_need_recomputes_its_matches(client, auth, db, matched):
    need = by_ref(db, Need, "koror-ev")
    auth.login("coordinator@example.com")
    client.post("/needs/koror-ev/edit", data={
        "owner": "koror", "language": "en", "title": "Leak detection in the water network",
        "description": "Non-revenue water is high", "sectors": ["water"], "save_draft": "1",
        "version": str(need.version)})
    refs = [m.technology.ref for m in stored(db, need_id=need.id)]
    assert refs[0] == "rokko-leak-detection" and "evmj-ev-bus" not in refs


def test_stale_technologies_are_not_matched(db, runner, matched):
    tech = by_ref(db, Technology, "rokko-leak-detection")
    tech.confirmed_at = utcnow() - timedelta(days=500)
    db.session.commit()
    items = json.loads(runner.invoke(args=["match", "hcmc-leak", "--json"]).output)
    assert "rokko-leak-detection" not in [i["technology"] for i in items]


def test_no_thanks_removes_the_pair_for_good(client, auth, db, runner, matched):
    need, tech = by_ref(db, Need, "hp-ip-waste-liquid"), by_ref(db, Technology, "daiseki-liquid-energy")
    auth.login("city@example.com")  # the Hai Phong city user
    response = client.post("/matches/hp-ip-waste-liquid/daiseki-liquid-energy/dismiss",
                           data={"reason": "We already work with them"})
    assert response.status_code == 303
    assert stored(db, need_id=need.id, technology_id=tech.id) == []
    dismissal = db.session.scalar(select(Dismissal))
    assert (dismissal.side, dismissal.reason) == ("city", "We already work with them")
    runner.invoke(args=["rematch"])
    assert stored(db, need_id=need.id, technology_id=tech.id) == []
    items = json.loads(runner.invoke(args=["match", "hp-ip-waste-liquid", "--json"]).output)
    assert "daiseki-liquid-energy" not in [i["technology"] for i in items]
    auth.logout()
    auth.login("coordinator@example.com")
    assert "We already work with them" in client.get("/matches").get_data(as_text=True)


def test_only_the_two_sides_and_staff_may_dismiss(client, auth, db, matched):
    from . import factories
    rival = factories.company(ref="rival", name="Rival")
    factories.user("b@rival.example", "company", company=rival)
    auth.login("b@rival.example")
    assert client.post("/matches/hp-ip-waste-liquid/daiseki-liquid-energy/dismiss").status_code == 404
    assert db.session.scalar(select(Dismissal)) is None


def test_pages_show_ranked_matches_with_reasons(client, auth, matched):
    auth.login("city@example.com")
    page = client.get("/needs/dn-rooftop-solar/matches").get_data(as_text=True)
    assert "Technologies for this need" in page and "Shared terms:" in page and "/technologies/ihi-smart-power" in page
    page = client.get("/technologies/kanmon-rooftop-solar/matches").get_data(as_text=True)
    assert "Needs for this technology" in page and "/needs/dn-rooftop-solar" in page
    assert client.get("/matches").status_code == 403


def test_coordinator_overview_filters(client, auth, matched):
    auth.login("coordinator@example.com")
    page = client.get("/matches?country=PH&min_score=30").get_data(as_text=True)
    assert "/needs/davao-wte" in page and "/needs/hp-ip-waste-liquid" not in page
    assert client.get("/matches?sector=solr").status_code == 400


def test_reasons_follow_the_readers_language(client, auth, matched):
    auth.login("city@example.com")
    client.post("/language", data={"language": "ja"})
    page = client.get("/needs/hp-ip-waste-liquid/matches").get_data(as_text=True)
    assert "分野：" in page and "共通する用語：" in page


def test_the_dashboard_links_each_listing_to_its_matches(client, auth, matched):
    auth.login("city@demo.matchapp.example", demo.DEMO_PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/needs/hp-ip-waste-liquid/matches" in page and "matching technologies" in page


def test_cached_match_cards_change_with_what_they_show(app, client, auth, db, matched):
    """Cards are cached; an edited title, a new introduction and another reader all show at once,
    and every reader's forms carry their own session's CSRF token."""
    auth.login("coordinator@example.com")
    url = "/needs/dn-rooftop-solar/matches"
    first = client.get(url).get_data(as_text=True)
    assert "/technologies/ihi-smart-power" in first and "Request an introduction" in first
    assert client.get(url).get_data(as_text=True).count("Request an introduction") == \
        first.count("Request an introduction")  # served again, from the cache

    technology = by_ref(db, Technology, "ihi-smart-power")
    technology.title = technology.title_alt = "Renamed smart power plant"
    db.session.commit()
    assert "Renamed smart power plant" in client.get(url).get_data(as_text=True)

    client.post("/introductions", data={"need": "dn-rooftop-solar", "technology": "ihi-smart-power"})
    page = client.get(url).get_data(as_text=True)
    assert "Introduction: " in page
    assert page.count("Request an introduction") == first.count("Request an introduction") - 1

    client.post("/language", data={"language": "ja"})
    page = client.get(url).get_data(as_text=True)
    assert "共通する用語：" in page

    # Another reader with the same side and language gets the cached cards with their own CSRF token.
    other = app.test_client()
    other.post("/account/login", data={"email": "admin@example.com", "password": PASSWORD})
    other.post("/language", data={"language": "ja"})
    other_page = other.get(url).get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    other_tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', other_page))
    assert tokens and other_tokens and not tokens & other_tokens
    assert "\x1ecsrf\x1e" not in other_page

    # A reader on no side of these pairs may not request introductions, whatever the cache holds.
    bystander = app.test_client()
    bystander.post("/account/login", data={"email": "city@example.com", "password": PASSWORD})
    bystander.post("/language", data={"language": "ja"})
    bystander_page = bystander.get(url).get_data(as_text=True)
    assert "共通する用語：" in bystander_page and "/technologies/ihi-smart-power" in bystander_page
    assert 'action="/introductions"' not in bystander_page

    # The other side's organisation and the introduction's state are shown as they are now.
    technology.company.name = technology.company.name_ja = "Renamed Heavy Industries"
    db.session.commit()
    assert "Renamed Heavy Industries" in client.get(url).get_data(as_text=True)
    introduction = db.session.scalar(select(Introduction).where(Introduction.technology_id == technology.id))
    labels_before = re.findall(r"Introduction: [^<]+|紹介：[^<]+", client.get(url).get_data(as_text=True))
    introduction.state, introduction.version = "declined", introduction.version + 1
    db.session.commit()
    labels_after = re.findall(r"Introduction: [^<]+|紹介：[^<]+", client.get(url).get_data(as_text=True))
    assert len(labels_after) == len(labels_before) == 1 and labels_after != labels_before


def test_a_need_written_in_thai_is_matched_with_japanese_and_english_technologies(client, auth, db, matched):
    from .test_listings import need_form
    auth.login("city@example.com")
    response = client.post("/needs/new", data=need_form(
        language="th", title="ลดขยะอาหารจากตลาดสดด้วยการหมักก๊าซชีวภาพ",
        description="ตลาดสดในเมืองมีขยะอินทรีย์จำนวนมาก เราต้องการระบบหมักเพื่อผลิตก๊าซชีวภาพและไฟฟ้า",
        sectors=["policy"], save_draft="", save_publish="1"))
    assert response.status_code in (302, 303)
    need = db.session.scalar(select(Need).where(Need.language == "th"))
    page = client.get(f"/needs/{need.ref}/matches").get_data(as_text=True)
    top = re.findall(r'href="/technologies/([a-z0-9-]+)"', page)[:5]
    assert "hitz-methane-fermentation" in top  # メタン発酵による生ごみのバイオガス化 (Japanese only)
    assert "Closest passages:" in page and "(only in Thai)" in page


def test_match_pages_show_a_pairs_introduction_only_to_those_who_may_see_it(client, auth, db, users, matched):
    from matchapp.introductions import services as introductions
    from .factories import user
    need, tech = by_ref(db, Need, "hp-seafood-wastewater"), by_ref(db, Technology, "jfils-organic-wastewater")
    introduction = introductions.request_introduction(users["coordinator"], need, tech, "Please meet")
    db.session.commit()
    link = f"/introductions/{introduction.id}"
    user("partner@example.com", "partner")
    for outsider in ("firm@example.com", "partner@example.com"):  # another company; a financier
        auth.login(outsider)
        for url in ("/needs/hp-seafood-wastewater/matches", "/technologies/jfils-organic-wastewater/matches"):
            page = client.get(url).get_data(as_text=True)
            assert "Organic wastewater" in page or "有機排水" in page or "水産市場" in page, (outsider, url)
            assert link not in page and "Introduction:" not in page, (outsider, url)
            assert "No thanks" not in page and "Request an introduction" not in page, (outsider, url)
        auth.logout()
    auth.login("city@example.com")  # Hai Phong: one side of the pair
    page = client.get("/needs/hp-seafood-wastewater/matches").get_data(as_text=True)
    assert link in page and "Introduction: Requested" in page and "No thanks" in page
