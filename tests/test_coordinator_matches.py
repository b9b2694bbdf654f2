"""The coordinators' best matches: best score first, 50 a page, filters kept from page to page."""
import re

import pytest
from sqlalchemy import event, select

from matchapp.models import Match, Need, Technology

from . import factories

PAIRS = re.compile(r'<h3><a href="/needs/([^"]+)">.*?<p>↔ <a href="/technologies/([^"]+)"', re.DOTALL)


@pytest.fixture
def scored(db, users):
    """120 stored pairs, many with equal scores: three needs (two in Viet Nam, one in Thailand) x 40 technologies."""
    bangkok = factories.city(ref="bangkok", name="Bangkok", name_ja="バンコク", country="TH", partners=())
    needs = [factories.need(users["city"].city, ref="vn-solar", sectors=("renewable_energy",)),
             factories.need(users["city"].city, ref="vn-waste", title="Landfill methane", sectors=("waste",)),
             factories.need(bangkok, ref="th-solar", sectors=("renewable_energy",))]
    techs = [factories.technology(users["company"].company, ref=f"tech-{n:02d}", title=f"Technology {n:02d}")
             for n in range(40)]
    for i, need in enumerate(needs):
        for n, tech in enumerate(techs):
            score = 95.0 - ((n * 7 + i * 3) % 50)  # 46..95, every score several times
            db.session.add(Match(need_id=need.id, technology_id=tech.id, score=score, sector=0, country=0, text=0,
                                 bonus=0, semantic=0, reasons=[]))
    db.session.commit()


def expected_pairs(db, min_score=50, country=None, sector=None):
    """The pairs a coordinator should see, in order: best score first, then the oldest row."""
    rows = db.session.execute(select(Match, Need.ref, Technology.ref).join(Need, Match.need_id == Need.id)
                              .join(Technology, Match.technology_id == Technology.id)).all()
    kept = [(m, n, t) for m, n, t in rows if m.score >= min_score
            and (country is None or m.need.city.country_code == country)
            and (sector is None or sector in {s.code for s in m.need.sectors})]
    return [(n, t) for m, n, t in sorted(kept, key=lambda row: (-row[0].score, row[0].id))]


def shown(page: str) -> list:
    """The (need, technology) pairs of the match cards, top to bottom."""
    return PAIRS.findall(page)


def links(page: str, rel: str) -> list:
    return [href.replace("&amp;", "&") for href in re.findall(rf'<a rel="{rel}" href="([^"]+)"', page)]


def test_best_matches_come_best_first_fifty_a_page_without_a_cut_at_100(client, auth, db, scored):
    auth.login("coordinator@example.com")
    expected = expected_pairs(db)
    assert len(expected) > 100

    page = client.get("/matches").get_data(as_text=True)
    assert shown(page) == expected[:50]
    assert f"{len(expected)} results" in page and "Page 1 of 3" in page
    assert links(page, "prev") == [] and links(page, "next") == ["/matches?page=2"]
    scores = [int(s) for s in re.findall(r"<strong>(\d+)</strong><span>/100", page)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 50

    page = client.get("/matches?page=2").get_data(as_text=True)
    assert shown(page) == expected[50:100] and "Page 2 of 3" in page
    assert links(page, "prev") == ["/matches"] and links(page, "next") == ["/matches?page=3"]

    last = client.get("/matches?page=3").get_data(as_text=True)
    assert shown(last) == expected[100:] and "Page 3 of 3" in last and links(last, "next") == []


def test_the_page_is_read_with_limit_and_offset_in_score_order(app, client, auth, db, scored):
    auth.login("coordinator@example.com")
    statements = []

    def listener(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/matches?page=2&min_score=1")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    reads = [s for s in statements if s.lstrip().startswith("SELECT matches.id")]
    assert len(reads) == 1
    # SQLite writes "LIMIT ? OFFSET ?", PostgreSQL "LIMIT %(param_1)s::INTEGER OFFSET ...".
    assert re.search(r"ORDER BY matches\.score DESC, matches\.id\s+LIMIT \S+ OFFSET \S+", reads[0]), reads[0]


def test_filters_stay_in_the_form_and_in_the_paging_links(client, auth, db, scored):
    auth.login("coordinator@example.com")
    expected = expected_pairs(db, min_score=46, country="VN")
    assert 50 < len(expected) <= 100
    page = client.get("/matches?country=vn&min_score=46").get_data(as_text=True)
    assert shown(page) == expected[:50] and "Page 1 of 2" in page
    assert links(page, "next") == ["/matches?country=VN&min_score=46&page=2"]
    assert '<option value="VN" selected>' in page and 'name="min_score" min="1" max="100" value="46"' in page
    second = client.get(links(page, "next")[0]).get_data(as_text=True)
    assert shown(second) == expected[50:] and "Page 2 of 2" in second
    assert links(second, "prev") == ["/matches?country=VN&min_score=46"]
    assert '<option value="VN" selected>' in second and 'value="46"' in second

    page = client.get("/matches?country=VN&sector=renewable_energy&min_score=46").get_data(as_text=True)
    assert shown(page) == expected_pairs(db, min_score=46, country="VN", sector="renewable_energy")
    assert '<option value="renewable_energy" selected>' in page and "Page 1 of" not in page  # one page: no pager


@pytest.mark.parametrize("bad, message", [
    ({"page": "abc"}, "The page number must be a whole number, 1 or more."),
    ({"page": "0"}, "The page number must be a whole number, 1 or more."),
    ({"page": "-3"}, "The page number must be a whole number, 1 or more."),
    ({"page": "9" * 5000}, "The page number must be a whole number, 1 or more."),
    ({"min_score": "high"}, "The minimum score must be a whole number from 1 to 100."),
    ({"min_score": "101"}, "The minimum score must be a whole number from 1 to 100."),
    ({"country": "ZZ"}, "No country has the code “ZZ”."),
    ({"sector": "nuclear"}, "No sector has the code “nuclear”."),
])
def test_an_unusable_filter_is_refused_with_a_reason_and_the_others_are_kept(client, auth, db, scored, bad,
                                                                            message):
    auth.login("coordinator@example.com")
    response = client.get("/matches", query_string={"country": "VN", "min_score": "60", **bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That filter could not be used: " + message in page
    country = None if "country" in bad else "VN"
    min_score = 50 if "min_score" in bad else 60
    assert shown(page) == expected_pairs(db, min_score=min_score, country=country)[:50]
    assert ('<option value="VN" selected>' in page) == (country == "VN")
    assert f'name="min_score" min="1" max="100" value="{min_score}"' in page


def test_a_page_past_the_last_shows_the_last(client, auth, db, scored):
    auth.login("coordinator@example.com")
    expected = expected_pairs(db)
    response = client.get("/matches?page=99999999999999999999")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Page 3 of 3" in page and shown(page) == expected[100:]


def test_no_match_above_the_bar_says_so(client, auth, db, scored):
    auth.login("coordinator@example.com")
    page = client.get("/matches?min_score=100").get_data(as_text=True)
    assert shown(page) == [] and "No match reaches this score with these filters." in page
    assert "Page 1 of" not in page
