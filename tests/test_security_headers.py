"""Every response carries the security headers; pages work under the CSP (no inline script or style)."""
import re
from pathlib import Path

import pytest


@pytest.mark.parametrize("url", ["/", "/account/login", "/no/such/page", "/api/v1/openapi.json"])
def test_security_headers_on_every_response(client, db, url):
    headers = client.get(url).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style():
    templates = Path(__file__).resolve().parent.parent / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|\sstyle=|<style", text), path


def test_text_with_markup_is_shown_escaped(client, auth, db, users):
    from . import factories
    factories.technology(users["company"].company, ref="xss", title='"><img src=x onerror=alert(1)><script>alert(2)</script>')
    auth.login("city@example.com")
    for url in ("/technologies", "/technologies/xss", "/organisations/companies/kanmon"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(2)</script>" not in page and "<img src=x onerror" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_a_nul_character_anywhere_in_the_input_is_a_400_on_every_database(client, auth, db, users):
    from matchapp.models import ApiToken
    auth.login("firm@example.com")
    assert client.get("/technologies?q=a%00b").status_code == 400
    assert client.post("/account/profile", data={"name": "a\x00b", "language": "en",
                                                 "timezone": "Asia/Tokyo"}).status_code == 400
    _token, secret = ApiToken.issue(users["city"], "nul")
    db.session.commit()
    response = client.post("/api/v1/introductions", json={"need": "x", "technology": "\x00"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    db.session.refresh(users["company"])
    assert users["company"].name != "a\x00b"


def test_ids_beyond_the_database_range_in_query_or_form_values_are_never_a_500(client, auth, db, world):
    from matchapp.models import Event, EventMeeting
    huge, event = "9" * 25, world["event"]
    slot = db.session.get(Event, event).slots[0]
    meeting = EventMeeting(event_id=event, slot_id=slot.id)
    db.session.add(meeting)
    db.session.commit()
    meeting = meeting.id
    auth.login("coordinator@example.com")
    assert client.get(f"/workspace/projects?coordinator={huge}").status_code == 200  # the filter is ignored
    no_choice = client.get(f"/events/{event}/agenda").status_code
    assert client.get(f"/events/{event}/agenda?participant={huge}").status_code == no_choice < 500
    assert client.post(f"/events/{event}/meetings/{meeting}/move", data={"slot": huge}).status_code == 400
    assert client.post(f"/events/{event}/meetings/{meeting}/add", data={"participant": huge}).status_code == 400
    assert client.post(f"/events/{huge}/meetings/1/move", data={"slot": "1"}).status_code == 404


def test_an_unhandled_error_is_logged_with_its_traceback_and_the_reference_the_page_shows(app_config, db, caplog):
    from matchapp import create_app
    app = create_app(dict(app_config, TESTING=False))

    def broken():
        raise RuntimeError("the disk is on fire")

    app.add_url_rule("/_broken", "broken", broken)
    app.add_url_rule("/api/v1/_broken", "api_broken", broken)
    client = app.test_client()
    with caplog.at_level("ERROR"):
        response = client.get("/_broken")
    assert response.status_code == 500
    reference = response.headers["X-Request-ID"]
    assert f"quote this reference: {reference}" in response.get_data(as_text=True)
    record = next(r for r in caplog.records if "unhandled error" in r.getMessage())
    assert reference in record.getMessage() and "GET /_broken" in record.getMessage()
    assert record.exc_info and "the disk is on fire" in str(record.exc_info[1])
    body = client.get("/api/v1/_broken", headers={"X-Request-ID": "proxy-given-1234"}).get_json()
    assert body["error"]["request_id"] == "proxy-given-1234"
    assert client.get("/", headers={"X-Request-ID": "<script>1</script>"}).headers["X-Request-ID"] != "<script>1</script>"
