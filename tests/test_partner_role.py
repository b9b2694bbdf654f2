"""Financiers and consultants browse listings and matches but post nothing and change nothing; every
role is shown only the buttons it may use."""
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from matchapp import demo
from matchapp.introductions import meetings, services as introductions
from matchapp.models import Match, Need, Technology, User
from matchapp.models.base import utcnow

from . import factories


def test_partners_browse_but_do_not_act(client, auth, db, runner):
    demo.load()
    factories.rematch()
    auth.login("partner@demo.matchapp.example", demo.DEMO_PASSWORD)
    assert client.get("/technologies").status_code == 200
    assert client.get("/needs/hp-ip-waste-liquid/matches").status_code == 200
    assert client.get("/technologies/new").status_code == 403
    assert client.get("/needs/new").status_code == 403
    assert client.get("/technologies/kanmon-rooftop-solar/edit").status_code == 403
    response = client.post("/introductions", data={"need": "hp-ip-waste-liquid", "technology": "kanmon-rooftop-solar"})
    assert response.status_code == 303 and "/introductions/" not in response.headers["Location"]
    assert client.get("/workspace/projects").status_code == 403
    assert client.post("/matches/hp-ip-waste-liquid/kanmon-rooftop-solar/dismiss").status_code == 404


def test_create_user_accepts_the_partner_role(runner, db):
    result = runner.invoke(args=["create-user", "--email", "lease@tokyo-century.example", "--role", "partner",
                                 "--password", "long enough password"])
    assert result.exit_code == 0, result.output


# Every button a page shows must be one its handler accepts from this reader: each role walks
# the match and introduction pages and sends every kind of form it is shown, the way a browser would.
SITE_WIDE_FORMS = {"/language", "/account/logout"}
DEMO_LOGINS = {"partner": "partner@demo.matchapp.example", "company": "company@demo.matchapp.example",
               "city": "city@demo.matchapp.example", "coordinator": "coordinator@demo.matchapp.example",
               "admin": "admin@demo.matchapp.example"}


class FormParser(HTMLParser):
    """The POST forms of a page: action and the values a browser would send without typing anything."""

    def __init__(self):
        super().__init__()
        self.forms, self.textarea = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "fields": []})
        elif self.forms and tag in ("input", "textarea", "select") and attrs.get("name"):
            self.forms[-1]["fields"].append({"tag": tag, **attrs})


def post_forms(page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(page)
    return [f for f in parser.forms if f["action"] not in SITE_WIDE_FORMS]


def form_kind(action: str) -> str:
    """What a form does, whichever pair or introduction it is for: "dismiss", "accept", "messages", ..."""
    parts = [part for part in action.split("?")[0].split("/") if part and not part.isdigit()]
    return parts[-1] if parts else "this page"


def filled(form: dict) -> dict:
    """What a person sends: the hidden values, a message where one is needed, a meeting time next week."""
    typed = {"body": "Shall we talk next week?", "message": "Shall we talk?", "url": "https://meet.example/abc",
             "option1": (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"), "duration": "60"}
    data = {}
    for field in form["fields"]:
        name, kind = field["name"], field.get("type", field["tag"])
        if kind == "file" or kind == "submit":
            continue
        if kind == "radio":
            if name not in data or "checked" in field:
                data[name] = field.get("value", "")
            continue
        # a form for one of several meetings prefixes its fields ("m3-option1"): the same field to a person
        data[name] = typed.get(re.sub(r"^m\d+-", "", name), field.get("value") or "")
    return data


ENDINGS = ("withdraw", "decline", "close", "cancel")  # sent last: they take the other buttons away


def walk(client, url: str) -> dict:
    """Send each kind of form `url` shows, looking at the page again after each: kind -> what happened,
    "done" when the action went through (a redirect to a page without an error), else the status."""
    sent = {}
    while True:
        response = client.get(url)
        assert response.status_code == 200, url
        waiting = [f for f in post_forms(response.get_data(as_text=True)) if form_kind(f["action"]) not in sent]
        if not waiting:
            return sent
        form = min(waiting, key=lambda f: form_kind(f["action"]) in ENDINGS)
        response = client.post(form["action"], data=filled(form))
        outcome = response.status_code
        if outcome in (302, 303):
            landed = client.get(response.headers["Location"]).get_data(as_text=True)
            outcome = "refused" if 'class="flash error"' in landed else "done"
        sent[form_kind(form["action"])] = outcome


@pytest.fixture
def demo_world(db):
    """The demo data with two introductions between the demo city and company: one waiting for the
    company's answer, one accepted with meeting times the company proposed."""
    demo.load()
    factories.rematch()
    city, company = (db.session.scalar(select(User).where(User.email == DEMO_LOGINS[r])) for r in ("city", "company"))

    def need(ref):
        return db.session.scalar(select(Need).where(Need.ref == ref))

    def tech(ref):
        return db.session.scalar(select(Technology).where(Technology.ref == ref))

    waiting = introductions.request_introduction(city, need("hp-ip-waste-liquid"), tech("kanmon-rooftop-solar"))
    accepted = introductions.request_introduction(city, need("hp-seafood-wastewater"), tech("kanmon-floating-solar"))
    db.session.commit()
    introductions.act(company, accepted, "accept")
    meetings.propose(company, accepted, [utcnow() + timedelta(days=5)], "online", "https://meet.example/x")
    db.session.commit()
    return {"waiting": f"/introductions/{waiting.id}", "accepted": f"/introductions/{accepted.id}"}


MATCH_PAGES = ("/needs/hp-ip-waste-liquid/matches", "/technologies/kanmon-rooftop-solar/matches")


def test_partners_are_shown_no_button_at_all_on_match_and_introduction_pages(client, auth, demo_world):
    auth.login(DEMO_LOGINS["partner"], demo.DEMO_PASSWORD)
    client.post("/language", data={"language": "en"})
    for url in MATCH_PAGES:
        page = client.get(url).get_data(as_text=True)
        assert "/100</span>" in page, url  # the matches are there to read
        assert post_forms(page) == [], url
        assert "No thanks" not in page and "Request an introduction" not in page
        assert 'action="/matches/' not in page and 'action="/introductions"' not in page
    for url in demo_world.values():
        assert client.get(url).status_code == 404
    listed = client.get("/introductions").get_data(as_text=True)
    assert not any(url in listed for url in demo_world.values())


@pytest.mark.parametrize("role", ["company", "city", "coordinator", "admin"])
def test_every_form_a_role_is_shown_is_accepted(client, auth, demo_world, role):
    auth.login(DEMO_LOGINS[role], demo.DEMO_PASSWORD)
    sent = {}
    for url in MATCH_PAGES + tuple(demo_world.values()):
        sent[url] = walk(client, url)
        refused = {kind: outcome for kind, outcome in sent[url].items() if outcome != "done"}
        assert refused == {}, (role, url, refused)
    if role == "company":
        assert {"accept", "messages"} <= set(sent[demo_world["waiting"]]) and "withdraw" not in sent[demo_world["waiting"]]
        assert "confirm" not in sent[demo_world["accepted"]]  # the company proposed the times
    if role == "city":
        assert "withdraw" in sent[demo_world["waiting"]] and "accept" not in sent[demo_world["waiting"]]
        assert "confirm" in sent[demo_world["accepted"]]
    if role in ("company", "city"):
        assert {"introductions", "dismiss"} <= set().union(*(sent[url] for url in MATCH_PAGES))
    if role in ("coordinator", "admin"):
        overview = walk(client, "/matches")
        assert set(overview) == {"introductions", "dismiss"} and set(overview.values()) == {"done"}


def test_an_introduction_that_became_a_project_links_to_it_instead_of_offering_it_again(client, auth, demo_world):
    auth.login(DEMO_LOGINS["coordinator"], demo.DEMO_PASSWORD)
    client.post("/language", data={"language": "en"})
    url = demo_world["accepted"]
    page = client.get(url).get_data(as_text=True)
    assert "Make it a project" in page and "Open the project" not in page
    form = next(f for f in post_forms(page) if form_kind(f["action"]) == "project")
    response = client.post(form["action"], data=filled(form))
    assert response.status_code == 303 and "/workspace/projects/" in response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Make it a project" not in page and "Open the project" in page
    auth.logout()
    auth.login(DEMO_LOGINS["company"], demo.DEMO_PASSWORD)
    client.post("/language", data={"language": "en"})
    page = client.get(url).get_data(as_text=True)  # the project pages are for staff: neither is shown
    assert "Make it a project" not in page and "Open the project" not in page


def test_a_closed_need_offers_no_introduction_request(client, auth, db, demo_world):
    """The request form follows the handler's rule, listing states included: a pair still stored
    for a need closed a moment ago can be dismissed but not requested."""
    need = db.session.scalar(select(Need).where(Need.ref == "hp-ip-waste-liquid"))
    tech = db.session.scalar(select(Technology).where(Technology.ref == "ihi-smart-power"))
    auth.login(DEMO_LOGINS["coordinator"], demo.DEMO_PASSWORD)
    client.post("/language", data={"language": "en"})
    assert "Request an introduction" in client.get("/needs/hp-ip-waste-liquid/matches").get_data(as_text=True)
    need.status = "closed"
    db.session.commit()
    client.get("/needs/hp-ip-waste-liquid/matches")  # its matches are dropped
    db.session.add(Match(need_id=need.id, technology_id=tech.id, score=80, sector=0, country=0, text=0, bonus=0,
                         semantic=0, reasons=[]))
    db.session.commit()
    page = client.get("/needs/hp-ip-waste-liquid/matches").get_data(as_text=True)
    assert "/technologies/ihi-smart-power" in page
    assert "Request an introduction" not in page and "No thanks" in page
    response = client.post("/introductions", data={"need": need.ref, "technology": tech.ref})
    assert response.status_code == 303 and "/introductions/" not in response.headers["Location"]
