"""Property-based fuzzing of every form and API endpoint: never a 5xx, never a write on a refused request.

Routes come from the application's URL map (with the access-matrix world for their
URLs), field names from every WTForms form in the code plus fields nobody should be
able to set (role, owner, status, id). Values are text in any script, huge strings,
control characters, numbers in odd shapes, repeated keys; API bodies are arbitrary JSON.
CI runs FUZZ_EXAMPLES examples per test; `bench/fuzz.py` runs thousands.
"""
import json
import os
from urllib.parse import parse_qsl, quote

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from matchapp.extensions import db as _db
from matchapp.models import ApiToken, User

from . import factories
from .dbstate import fingerprint
from .test_access_matrix import EMAILS, get_matrix, post_matrix

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
ACTORS = ("company_a", "city_x", "coordinator", "anonymous")
SKIPPED_ENDPOINTS = {"accounts.logout", "static"}  # logging the fuzzing actor out would end the run early
# Tables a refused request may legitimately write to: the audit log records failed logins, and a
# token's last-use time is stamped when it authenticates, whatever the request then asks.
WRITABLE_ON_REFUSAL = {"audit_events", "api_tokens"}
TRIED = {"requests": 0, "failures": 0, "statuses": {}}


def form_field_names() -> list[str]:
    names = set()
    classes = list(FlaskForm.__subclasses__())
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names.update(n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField))
    names.update({"role", "owner", "status", "id", "company_id", "city_id", "version", "deliveries-0-country",
                  "deliveries-0-year", "deliveries-7-city", "submit_password", "next", "csrf_token", "file"})
    return sorted(names)


# Any script and control characters; NUL only now and then (it is refused before any view runs, so
# letting it into most values would stop the fuzzer from reaching the views).
characters = st.characters(codec="utf-8", exclude_characters="\x00")
texts = st.one_of(
    st.text(alphabet=characters, max_size=60),
    st.text(alphabet=characters, min_size=1000, max_size=3000),
    st.sampled_from(["", " ", "\x00", "0", "-1", "1e309", "NaN", "9" * 40, "2026-02-30", "2026-11-23T25:00",
                     "0001-01-01", "0001-01-01T00:00", "9999-12-31", "9999-12-31T23:59", "1899-12-31T23:59",
                     "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "=HYPERLINK(\"x\")",
                     "屋根置き太陽光発電", "ไฟฟ้าพลังงานแสงอาทิตย์", "Điện mặt trời", "../../etc/passwd",
                     "admin", "coordinator", "published", "VN", "renewable_energy", "ja", "en", "y", "on"]),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.just("x" * 60_000),
)


def query_or_form(field_names):
    return st.lists(st.tuples(st.sampled_from(field_names) | st.text(min_size=1, max_size=12), texts),
                    max_size=12)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
api_keys = st.sampled_from(["need", "technology", "message", "action", "email", "password", "name", "country",
                            "sector", "cost", "co2", "id", "role", "status", "owner", "project_cost_jpy",
                            "annual_co2_reduction_t", "technology_sector", "country_code"])
json_bodies = st.one_of(st.dictionaries(api_keys | st.text(max_size=12), json_values, max_size=8), json_values)
# JSON nested far deeper than any client needs (a RecursionError once made these a 500 without login).
deep_json = st.integers(30, 3000).flatmap(lambda depth: st.sampled_from([
    "[" * depth + "]" * depth, '{"need": ' * depth + "1" + "}" * depth,
    '{"email": "a@b.c", "password": ' + "[" * depth + "]" * depth + "}"]))


def mangle_path(url: str, segment: str) -> str:
    """Replace the last path segment (an id or ref) with fuzzed text."""
    path, _, query = url.partition("?")
    head = path.rsplit("/", 1)[0]
    return f"{head}/{quote(segment, safe='')}" + (f"?{query}" if query else "")


@pytest.fixture
def fuzz_targets(app, world):
    """(method, url, endpoint) for every route; API routes get bearer tokens."""
    gets, posts = get_matrix(world), post_matrix(world)
    targets = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        url = (gets.get(rule.endpoint) or posts[rule.endpoint])[0]
        for method in ("GET", "POST"):
            if method in rule.methods:
                targets.append((method, url, rule.endpoint))
    return sorted(targets)


@pytest.fixture
def clients(app, world):
    result = {}
    for actor in ACTORS:
        client = app.test_client()
        if actor != "anonymous":
            client.post("/account/login", data={"email": EMAILS[actor], "password": factories.PASSWORD})
        result[actor] = client
    return result


@pytest.fixture
def api_tokens(db, world):
    tokens = {}
    for actor in ("company_a", "city_x", "coordinator"):
        user = db.session.scalar(sa.select(User).where(User.email == EMAILS[actor]))
        tokens[actor] = ApiToken.issue(user, "fuzz")[1]
    db.session.commit()
    return tokens


@pytest.fixture(scope="module", autouse=True)
def report_what_was_tried():
    """Printed for bench/fuzz.py after the module: the figures are counted from what ran."""
    yield
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(TRIED["statuses"].items()))
    print(f"\nfuzz: {TRIED['requests']} requests tried, {TRIED['failures']} failures (statuses {statuses})")


def check(response, before, db, description):
    TRIED["requests"] += 1
    TRIED["statuses"][response.status_code] = TRIED["statuses"].get(response.status_code, 0) + 1
    written = False
    if response.status_code >= 400:
        _db.session.remove()
        written = fingerprint(db, skip=WRITABLE_ON_REFUSAL) != before
    TRIED["failures"] += response.status_code >= 500 or written
    assert response.status_code < 500, f"{description} -> {response.status_code}"
    assert not written, f"{description} -> {response.status_code} but something was written"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_forms_and_pages_never_fail_or_write_half_way(data, db, fuzz_targets, clients):
    method, url, endpoint = data.draw(st.sampled_from([t for t in fuzz_targets if not t[2].startswith("api.")]))
    actor = data.draw(st.sampled_from(ACTORS))
    fields = data.draw(query_or_form(form_field_names()))
    if data.draw(st.integers(0, 4), label="mangle path if 0") == 0:
        url = mangle_path(url, data.draw(texts))
    before = fingerprint(db, skip=WRITABLE_ON_REFUSAL)
    client = clients[actor]
    path, _, query = url.partition("?")
    fixed = list(MultiDict(parse_qsl(query)).items(multi=True))
    if method == "GET":
        response = client.get(path, query_string=MultiDict(fixed + fields))
    else:
        response = client.post(path, query_string=MultiDict(fixed), data=MultiDict(fields))
    check(response, before, db, f"{method} {url} as {actor} with {fields!r:.300}")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_api_never_fails_or_writes_half_way(data, db, fuzz_targets, api_tokens, app):
    method, url, endpoint = data.draw(st.sampled_from([t for t in fuzz_targets if t[2].startswith("api.")]))
    actor = data.draw(st.sampled_from(sorted(api_tokens) + ["none"]))
    headers = {"Authorization": f"Bearer {api_tokens[actor]}"} if actor in api_tokens else {}
    if data.draw(st.integers(0, 4)) == 0:
        url = mangle_path(url, data.draw(texts))
    before = fingerprint(db, skip=WRITABLE_ON_REFUSAL)
    client = app.test_client()
    if method == "GET":
        query = MultiDict(data.draw(query_or_form(list(api_keys.elements))))
        response = client.get(url, query_string=query, headers=headers)
    elif (shape := data.draw(st.integers(0, 5))) == 0:  # not JSON at all
        response = client.post(url, data=data.draw(texts).encode("utf-8", "surrogatepass"), headers=headers,
                               content_type=data.draw(st.sampled_from(["application/json", "text/plain", ""])))
    elif shape == 1:
        response = client.post(url, data=data.draw(deep_json), headers=headers, content_type="application/json")
    else:
        response = client.post(url, data=json.dumps(data.draw(json_bodies)), headers=headers,
                               content_type="application/json")
    check(response, before, db, f"{method} {url} as {actor}")
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert "error" in response.get_json()
