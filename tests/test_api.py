"""The JSON API: tokens, listing lists and details, filters, errors, and the OpenAPI document."""
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from matchapp import demo
from matchapp.models import ApiToken

from .factories import PASSWORD


@pytest.fixture
def api(client, db, users):
    demo.load()

    def token_for(email, password=PASSWORD):
        response = client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return token_for


@pytest.fixture
def openapi(client):
    return client.get("/api/v1/openapi.json").get_json()


def check_schema(openapi, name, body):
    """Validate a response body against a component schema of the published document."""
    registry = Registry().with_resource("urn:doc", Resource.from_contents(openapi, default_specification=DRAFT202012))
    schema = {"$ref": f"urn:doc#/components/schemas/{name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(body)


def test_token_from_email_and_password(client, api, db):
    response = client.post("/api/v1/tokens", json={"email": "firm@example.com", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert token.startswith("ma_") and len(token) > 30
    stored = db.session.query(ApiToken).one()
    assert token not in stored.token_hash  # only a hash is kept


@pytest.mark.parametrize("body", [{"email": "firm@example.com", "password": "wrong"},
                                  {"email": "nobody@example.com", "password": PASSWORD}])
def test_wrong_credentials_get_401(client, api, body):
    response = client.post("/api/v1/tokens", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("body", [None, "text", {"email": 3}])
def test_malformed_token_requests_get_400(client, api, body):
    response = client.post("/api/v1/tokens", data="not json" if body is None else None, json=body)
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}])
def test_no_valid_token_gets_401(client, api, headers):
    response = client.get("/api/v1/needs", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_list_and_filter_technologies(client, api, openapi):
    headers = api("city@example.com")
    body = client.get("/api/v1/technologies?country=VN&sector=water&per_page=50", headers=headers).get_json()
    check_schema(openapi, "TechnologyPage", body)
    refs = {item["ref"] for item in body["items"]}
    assert "jfils-organic-wastewater" in refs            # lists VN
    assert "hitz-desalination" in refs                   # open to any country
    assert "suiki-small-hydro" not in refs               # not water
    assert body["total"] == len(body["items"]) and body["page"] == 1 and body["per_page"] == 50
    for item in body["items"]:
        assert "water" in item["sectors"]
        assert item["countries"] == [] or "VN" in item["countries"]


def test_text_query_and_paging(client, api):
    headers = api("city@example.com")
    everything = client.get("/api/v1/technologies?q=太陽光&per_page=100", headers=headers).get_json()
    refs = [item["ref"] for item in everything["items"]]
    assert everything["total"] == len(refs) >= 3
    assert "kanmon-rooftop-solar" in refs  # English only: found by meaning and by the solar PV concept
    assert "terra-e-trike" not in refs
    body = client.get("/api/v1/technologies?q=太陽光&per_page=1", headers=headers).get_json()
    assert body["total"] == len(refs) and len(body["items"]) == 1
    second = client.get("/api/v1/technologies?q=太陽光&per_page=1&page=2", headers=headers).get_json()
    assert [i["ref"] for i in body["items"] + second["items"]] == refs[:2]


def test_need_detail_carries_the_bundle_fields(client, api, openapi):
    headers = api("firm@example.com")
    response = client.get("/api/v1/needs/hp-ip-waste-liquid", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    check_schema(openapi, "Need", body)
    assert body["city"] == "hai-phong" and body["country"] == "VN"
    assert body["sectors"] == ["energy_efficiency", "waste"] and body["language"] == "en"


@pytest.mark.parametrize("query, field", [("sector=solr", "sector"), ("country=XX", "country"),
                                          ("page=abc", "page"), ("per_page=0", "per_page")])
def test_unknown_filter_values_get_400_naming_the_field(client, api, openapi, query, field):
    response = client.get(f"/api/v1/needs?{query}", headers=api("firm@example.com"))
    assert response.status_code == 400
    body = response.get_json()
    check_schema(openapi, "Error", body)
    assert body["error"]["field"] == field


def test_drafts_are_hidden_from_other_organisations(client, api, db, users):
    from .factories import technology
    technology(users["company"].company, ref="secret-draft", status="draft")
    rival = api("city@example.com")
    assert client.get("/api/v1/technologies/secret-draft", headers=rival).status_code == 404
    assert "secret-draft" not in {i["ref"] for i in client.get("/api/v1/technologies?status=any&per_page=100",
                                                               headers=rival).get_json()["items"]}
    owner = api("firm@example.com")
    assert client.get("/api/v1/technologies/secret-draft", headers=owner).status_code == 200


def test_unknown_listing_is_a_json_404(client, api):
    response = client.get("/api/v1/technologies/nothing", headers=api("firm@example.com"))
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no technology 'nothing'"


def test_revoked_tokens_stop_working(client, api, auth, db):
    headers = api("firm@example.com")
    auth.login("firm@example.com")
    token = db.session.query(ApiToken).one()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 303
    assert client.get("/api/v1/needs", headers=headers).status_code == 401


def test_profile_page_creates_a_token_and_shows_it_once(client, auth, users):
    auth.login("firm@example.com")
    response = client.post("/account/tokens", data={"name": "nightly sync"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "Copy this token now" in page
    import re
    token = re.search(r'<code class="token">([^<]+)</code>', page).group(1)
    assert client.get("/api/v1/needs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/account/profile").get_data(as_text=True)


def test_the_openapi_document_describes_every_api_route(app, openapi):
    import re
    documented = {"/api/v1" + re.sub(r"\{\w+\}", "{}", path) for path in openapi["paths"]}
    routes = {re.sub(r"<(\w+:)?\w+>", "{}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert routes - {"/api/v1/openapi.json"} == documented


@pytest.mark.parametrize("depth", [40, 600, 100_000])
def test_deeply_nested_json_is_refused_clearly_even_without_login(client, db, depth):
    body = '{"email":' * depth + '"x"' + "}" * depth
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The JSON body is nested more than 32 levels deep."


def test_tokens_expire_and_the_profile_says_when(client, api, auth, db, app):
    from datetime import timedelta
    from matchapp.models.base import utcnow
    headers = api("firm@example.com")
    token = db.session.query(ApiToken).one()
    assert timedelta(days=364) < token.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) <= timedelta(days=365)
    auth.login("firm@example.com")
    assert "expires" in client.get("/account/profile").get_data(as_text=True)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/needs", headers=headers).status_code == 401


def test_every_operation_is_named_for_generated_clients(openapi):
    operations = [(path, method, op) for path, methods in openapi["paths"].items() for method, op in methods.items()]
    ids = [op["operationId"] for _path, _method, op in operations]
    assert len(ids) == len(set(ids)) == len(operations)
    assert all(op["tags"] and op["tags"][0] in {t["name"] for t in openapi["tags"]} for _p, _m, op in operations)
    assert openapi["paths"]["/tokens"]["post"]["security"] == []  # the one call made without a token
    assert all("429" in op["responses"] and "Retry-After" in op["responses"]["429"]["headers"]
               for _p, _m, op in operations)


@pytest.mark.parametrize("method, path, allowed", [
    ("put", "/api/v1/tokens", {"POST", "OPTIONS"}),
    ("delete", "/api/v1/needs", {"GET", "HEAD", "OPTIONS"}),
    ("put", "/technologies", {"GET", "HEAD", "OPTIONS"}),
    ("post", "/healthz", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_wrong_method_gets_405_saying_which_are_allowed(client, db, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/tokens", {"email": "firm@example.com", "password": PASSWORD, "admin": True}, "admin"),
    ("/api/v1/introductions", {"need": "x", "technology": "y", "priority": "high"}, "priority"),
])
def test_properties_the_schema_does_not_allow_are_refused_by_name(client, api, path, body, field):
    headers = api("city@example.com") if path != "/api/v1/tokens" else {}
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("query, field", [("?top=5&top=x", "top"), ("?sector=water&sector=energy", "sector")])
def test_a_query_value_given_twice_is_refused_by_name(client, api, query, field):
    path = "/api/v1/needs/ip-solar/matches" if field == "top" else "/api/v1/needs"
    response = client.get(path + query, headers=api("city@example.com"))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("query, field", [("?jcm=", "jcm"), ("?sector=", "sector"), ("?q=", "q"),
                                          ("?country=&jcm=true", "country")])
def test_an_empty_query_value_is_refused_by_name_and_the_document_allows_none(client, api, query, field):
    response = client.get("/api/v1/technologies" + query, headers=api("city@example.com"))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and "empty" in error["message"]
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/technologies"]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == field)
    if "$ref" in schema:  # sector and country codes are one named schema each
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert "" not in schema.get("enum", []) and schema.get("type") in ("string", "boolean")
    assert client.get("/api/v1/technologies?jcm=true", headers=api("city@example.com")).status_code == 200
