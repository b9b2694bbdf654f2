"""The OpenAPI 3.1 document, built from the same field specs the bundle format uses."""
from sqlalchemy import select

from .. import jcm
from ..bundle import SPECS
from ..extensions import db
from ..listings.search import MAX_PER_PAGE, SORT_NAMES
from . import bodies
from ..models import CURRENCIES, NEED_STATUSES, TECHNOLOGY_STATUSES, Country, Sector

# Text a request may carry: anything but NUL, which no field can store (input_guard answers 400).
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
NULLABLE = {"amount": "integer", "number": "number", "datetime": "string", "timezone": "string"}
# Each set of values a listing field takes, as one named schema: a generated client makes one type of
# each (a nullable field refers to it with anyOf [it, null]) instead of a new type per field.
ENUMS = {"Currency": CURRENCIES, "TechnologyStatus": TECHNOLOGY_STATUSES, "NeedStatus": NEED_STATUSES}
# Parameters taking a sector or a country refer to one schema each, so that a client has one type of each.
SECTOR = {"$ref": "#/components/schemas/SectorCode"}
COUNTRY = {"$ref": "#/components/schemas/CountryCode"}


def enum_ref(values) -> dict:
    name = next(name for name, known in ENUMS.items() if tuple(known) == tuple(values))
    return {"$ref": f"#/components/schemas/{name}"}


def one_of(codes: list[str]) -> dict:
    """A code from a reference table; a table still empty allows any (JSON Schema wants enum non-empty)."""
    return {"type": "string", "enum": codes} if codes else {"type": "string", "minLength": 1}


def field_schema(kind: str, argument=None) -> dict:
    if kind in NULLABLE:
        schema = {"type": [NULLABLE[kind], "null"]}
        return schema | ({"format": "date-time"} if kind == "datetime" else {})
    if kind == "enum":
        return {"anyOf": [enum_ref(argument), {"type": "null"}]}
    if kind == "bool":
        return {"type": "boolean"}
    if kind in ("sectors", "countries", "names", "funding"):
        return {"type": "array", "items": {"type": "string"}}
    if kind == "deliveries":
        return {"type": "array", "items": {"type": "object", "required": ["country"], "properties": {
            "country": {"type": "string"}, "city": {"type": "string"}, "year": {"type": ["integer", "null"]}}}}
    schema = {"type": "string"}
    return schema | ({"maxLength": argument} if kind == "text" else {})


def listing_schema(section: str, extra: dict) -> dict:
    properties = {key: field_schema(*spec[1:]) for key, spec in SPECS[section].items()}
    properties.update({
        "owner_name": {"type": "string"}, "owner_name_ja": {"type": "string"},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "stale": {"type": "boolean", "description": "not confirmed within a year plus the grace period"},
        **extra,
    })
    return {"type": "object", "required": list(properties), "properties": properties}


def page_schema(item: str) -> dict:
    return {"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}


def json_response(description: str, schema_ref: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


ERRORS = {status: json_response(text, "Error") for status, text in
          (("400", "bad input"), ("401", "missing or invalid token"), ("404", "not found or not visible"))}

def filters(statuses) -> list[dict]:
    """The search filters of a listing endpoint, with the values the server accepts."""
    return [
        {"name": "q", "in": "query", "schema": TEXT, "description": "words in Japanese or English"},
        {"name": "sector", "in": "query", "schema": SECTOR,
         "description": "sector code; unknown → 400"},
        {"name": "country", "in": "query", "schema": COUNTRY,
         "description": "ISO alpha-2; technologies open to any country are kept; unknown → 400"},
        {"name": "jcm", "in": "query", "schema": {"type": "boolean"}, "description": "JCM partner countries only"},
        {"name": "language", "in": "query", "schema": {"type": "string", "enum": ["ja", "en"]}},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["any", *statuses]},
         "description": "left out: active listings; 'any': all the caller may see; or one status"},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORT_NAMES)}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10**6}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
    ]


def listing_paths(section: str, schema: str, statuses) -> dict:
    ref = {"name": "ref", "in": "path", "required": True, "schema": TEXT}
    return {
        f"/{section}": {"get": {"summary": f"List {section}", "security": [{"bearer": []}], "parameters": filters(statuses),
                                "responses": {"200": json_response("one page", f"{schema}Page"), **ERRORS}}},
        f"/{section}/{{ref}}": {"get": {"summary": f"One of the {section}", "security": [{"bearer": []}],
                                        "parameters": [ref],
                                        "responses": {"200": json_response("the listing", schema), **ERRORS}}},
    }


DATE_TIME = {"type": "string", "format": "date-time"}
MEETING = {"type": "object", "additionalProperties": False, "required": [
    "id", "introduction", "state", "mode", "url", "place", "duration_minutes", "starts_at", "options",
    "proposer_side", "sequence", "updated_at"], "properties": {
    "id": {"type": "integer"}, "introduction": {"type": "integer"},
    "state": {"type": "string", "enum": ["proposed", "confirmed", "cancelled"],
              "description": "a confirmed meeting being rescheduled is 'proposed' again and keeps starts_at"},
    "mode": {"type": "string", "enum": ["online", "in_person"]}, "url": {"type": "string"},
    "place": {"type": "string"}, "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 480},
    "starts_at": {"type": ["string", "null"], "format": "date-time"},
    "options": {"type": "array", "items": {"type": "object", "required": ["id", "starts_at"],
                                           "properties": {"id": {"type": "integer"}, "starts_at": DATE_TIME}}},
    "proposer_side": {"type": "string", "enum": ["city", "company", "coordinator"]},
    "sequence": {"type": "integer", "description": "the calendar event's SEQUENCE: rises with every change"},
    "updated_at": DATE_TIME}}
def meeting_paths() -> dict:
    meeting_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    bearer = [{"bearer": []}]
    proposal_body = bodies.request_body(bodies.Proposal)
    conflict = json_response("not allowed now or for this side", "Error")
    return {
        "/meetings": {"get": {
            "summary": "The meetings of my organisation (every one for coordinators)", "security": bearer,
            "responses": {"200": json_response("meetings with a time first, soonest first", "MeetingList"),
                          "401": ERRORS["401"]}}},
        "/introductions/{id}/meetings": {"post": {
            "summary": "Propose one to five times for an accepted introduction", "security": bearer,
            "parameters": [meeting_id], "requestBody": proposal_body,
            "responses": {"201": json_response("the proposed meeting", "Meeting"), "409": conflict, **ERRORS}}},
        "/meetings/{id}/reschedule": {"post": {
            "summary": "Propose other times; a confirmed meeting keeps its time until one is picked",
            "security": bearer, "parameters": [meeting_id], "requestBody": proposal_body,
            "responses": {"200": json_response("the meeting", "Meeting"), "409": conflict, **ERRORS}}},
        "/meetings/{id}/confirm": {"post": {
            "summary": "Pick one of the proposed times (the side that did not propose)", "security": bearer,
            "parameters": [meeting_id], "requestBody": bodies.request_body(bodies.OptionChoice),
            "responses": {"200": json_response("the confirmed meeting", "Meeting"), "409": conflict, **ERRORS}}},
        "/meetings/{id}/cancel": {"post": {
            "summary": "Cancel the meeting (either side); calendars show it cancelled", "security": bearer,
            "parameters": [meeting_id], "requestBody": bodies.request_body(bodies.NoBody, required=False),
            "responses": {"200": json_response("the cancelled meeting", "Meeting"), "409": conflict, **ERRORS}}},
        "/meetings/{id}.ics": {"get": {
            "summary": "The meeting as an iCalendar file", "security": bearer, "parameters": [meeting_id],
            "responses": {"200": {"description": "the calendar", "content": {"text/calendar": {
                "schema": {"type": "string"}}}}, "304": {"description": "unchanged since If-None-Match"},
                **ERRORS}}},
    }


def country_codes() -> list[str]:
    return list(db.session.scalars(select(Country.code).order_by(Country.code)))


# Generated clients name their functions from operationId and group them by tag.
OPERATIONS = {
    ("post", "/tokens"): ("createToken", "tokens"),
    ("get", "/technologies"): ("listTechnologies", "listings"),
    ("get", "/technologies/{ref}"): ("getTechnology", "listings"),
    ("get", "/needs"): ("listNeeds", "listings"),
    ("get", "/needs/{ref}"): ("getNeed", "listings"),
    ("get", "/needs/{ref}/matches"): ("listNeedMatches", "matching"),
    ("get", "/jcm/screen"): ("screenJcmProject", "jcm"),
    ("post", "/introductions"): ("createIntroduction", "introductions"),
    ("get", "/introductions/{id}"): ("getIntroduction", "introductions"),
    ("post", "/introductions/{id}/{action}"): ("actOnIntroduction", "introductions"),
    ("get", "/meetings"): ("listMeetings", "meetings"),
    ("post", "/introductions/{id}/meetings"): ("proposeMeeting", "meetings"),
    ("post", "/meetings/{id}/reschedule"): ("rescheduleMeeting", "meetings"),
    ("post", "/meetings/{id}/confirm"): ("confirmMeeting", "meetings"),
    ("post", "/meetings/{id}/cancel"): ("cancelMeeting", "meetings"),
    ("get", "/meetings/{id}.ics"): ("getMeetingCalendar", "meetings"),
}
# The groups of operations, in the order a reader meets them.
TAGS = {
    "tokens": "Log in: exchange an e-mail and password for a bearer token.",
    "listings": "Technologies of Japanese companies and needs of partner cities, with search filters.",
    "matching": "Technologies ranked for a need, each with the points and reasons behind its score.",
    "introductions": "Requests to introduce a city and a company, and their answers.",
    "meetings": "Meeting times proposed for an introduction, confirmed, rescheduled or cancelled; calendars.",
    "jcm": "Screening against the JCM equipment-subsidy rules.",
}
# The next steps a client takes from an answer (OpenAPI links); the stateful tests follow them too.
THIS_ONE = {"id": "$response.body#/id"}
INTRODUCTION_STEPS = {
    "getIt": {"operationId": "getIntroduction", "parameters": THIS_ONE},
    "acceptIt": {"operationId": "actOnIntroduction", "parameters": {**THIS_ONE, "action": "accept"}},
    "answerIt": {"operationId": "actOnIntroduction", "parameters": THIS_ONE},
    "proposeMeetingTimes": {"operationId": "proposeMeeting", "parameters": THIS_ONE},
}
MEETING_STEPS = {
    "reschedule": {"operationId": "rescheduleMeeting", "parameters": THIS_ONE},
    "cancel": {"operationId": "cancelMeeting", "parameters": THIS_ONE},
    "calendar": {"operationId": "getMeetingCalendar", "parameters": THIS_ONE},
}
LINKS = {
    ("listNeeds", "200"): {"matchesOfTheFirst": {"operationId": "listNeedMatches",
                                                 "parameters": {"ref": "$response.body#/items/0/ref"}}},
    ("getNeed", "200"): {"matches": {"operationId": "listNeedMatches", "parameters": {"ref": "$response.body#/ref"}}},
    ("listNeedMatches", "200"): {"requestTheBest": {"operationId": "createIntroduction", "requestBody": {
        "need": "$request.path.ref", "technology": "$response.body#/0/technology"}}},
    ("createIntroduction", "201"): INTRODUCTION_STEPS,
    ("actOnIntroduction", "200"): INTRODUCTION_STEPS,
    ("proposeMeeting", "201"): {**MEETING_STEPS, "confirmTheFirstTime": {
        "operationId": "confirmMeeting", "parameters": THIS_ONE, "requestBody": {"option": "$response.body#/options/0/id"}}},
    ("confirmMeeting", "200"): MEETING_STEPS,
}
# What any operation may answer besides its own statuses.
COMMON_RESPONSES = {
    "429": {"description": "too many requests: wait the seconds Retry-After gives",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "503": {"description": "the database is unavailable for a moment: retry after Retry-After",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


def named(paths: dict) -> dict:
    """Every operation with its operationId, tag, links and the common responses (KeyError if one has none)."""
    for path, methods in paths.items():
        for method, operation in methods.items():
            operation["operationId"], tag = OPERATIONS[(method, path)]
            operation["tags"] = [tag]
            operation["responses"] = {**operation["responses"], **COMMON_RESPONSES}
            for status, response in operation["responses"].items():
                if (operation["operationId"], status) in LINKS:
                    operation["responses"][status] = {**response, "links": LINKS[operation["operationId"], status]}
            for parameter in operation.get("parameters", []):
                refuse_empty(parameter)
    return paths


def refuse_empty(parameter: dict) -> None:
    """A query value may not be empty (?jcm= is a 400, see auth.refuse_repeated_or_empty_query_values)."""
    schema = parameter["schema"]
    if parameter["in"] == "query" and schema.get("type") == "string" and "enum" not in schema:
        parameter["schema"] = {**schema, "minLength": 1}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "MatchApp API", "version": "1",
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                **{name: {"type": "string", "enum": list(values)} for name, values in ENUMS.items()},
                "SectorCode": one_of(list(db.session.scalars(select(Sector.code).order_by(Sector.position)))),
                "CountryCode": one_of(country_codes()),
                "Technology": listing_schema("technologies", {}),
                "Need": listing_schema("needs", {"country": {"type": "string"}}),
                "TechnologyPage": page_schema("Technology"),
                "NeedPage": page_schema("Need"),
                "MatchList": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
                "Match": {"type": "object", "required": ["technology", "company", "score", "components", "reasons"],
                          "properties": {
                              "technology": {"type": "string"}, "company": {"type": "string"},
                              "score": {"type": "number", "minimum": 0, "maximum": 100},
                              "components": {
                                  "type": "object", "required": ["sector", "country", "text", "semantic", "bonus"],
                                  "description": "Points of each component; they add up to the score. semantic: "
                                                 "the cosine of the texts' multilingual sentence vectors; text: "
                                                 "shared glossary concepts and words; sector, country, bonus: see "
                                                 "the README.",
                                  "properties": {k: {"type": "number"} for k in
                                                 ("sector", "country", "text", "semantic", "bonus")}},
                              "reasons": {"type": "array", "items": {"type": "string"}}}},
                "Introduction": {"type": "object",
                                 "required": ["id", "need", "technology", "state", "history"],
                                 "properties": {
                                     "id": {"type": "integer"}, "need": {"type": "string"},
                                     "technology": {"type": "string"}, "state": {"type": "string"},
                                     "requester_side": {"type": "string"}, "message": {"type": "string"},
                                     "expires_at": {"type": "string", "format": "date-time"},
                                     "city_accepted": {"type": "boolean"}, "company_accepted": {"type": "boolean"},
                                     "history": {"type": "array", "items": {
                                         "type": "object", "required": ["state", "by", "at"],
                                         "properties": {"state": {"type": "string"}, "action": {"type": "string"},
                                                        "by": {"type": ["string", "null"]},
                                                        "at": {"type": "string", "format": "date-time"}}}}}},
                "Screening": {"type": "object", "required": [
                    "eligible_country", "subsidy_rate_max", "subsidy_jpy", "cost_effectiveness_jpy_per_t",
                    "threshold_jpy_per_t", "passes", "reasons"], "properties": {
                    "eligible_country": {"type": "boolean"}, "subsidy_rate_max": {"type": "number"},
                    "subsidy_jpy": {"type": "number"}, "cost_effectiveness_jpy_per_t": {"type": "number"},
                    "threshold_jpy_per_t": {"type": "number"}, "payback_years": {"type": ["number", "null"]},
                    "passes_payback": {"type": ["boolean", "null"]}, "passes": {"type": "boolean"},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "rule_effective_from": {"type": "string"}}},
                "Meeting": MEETING,
                "MeetingList": {"type": "array", "items": {"$ref": "#/components/schemas/Meeting"}},
                **bodies.schemas(),
                "Token": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "field": {"type": "string"},
                                   "request_id": {"type": "string",
                                                  "description": "on 5xx: the reference the server logged "
                                                                 "the error under"}}}}},
            },
        },
        "tags": [{"name": name, "description": TAGS[name]}
                 for name in dict.fromkeys(tag for _op, tag in OPERATIONS.values())],
        "paths": named({
            "/tokens": {"post": {
                "summary": "Create a token from e-mail and password", "security": [],
                "requestBody": bodies.request_body(bodies.TokenRequest),
                "responses": {"201": json_response("the new token, shown once", "Token"),
                              "400": ERRORS["400"], "401": json_response("wrong credentials", "Error")}}},
            **listing_paths("technologies", "Technology", TECHNOLOGY_STATUSES),
            **listing_paths("needs", "Need", NEED_STATUSES),
            "/jcm/screen": {"get": {
                "summary": "Screen a project against the JCM equipment-subsidy rules in force",
                "security": [{"bearer": []}],
                "parameters": [
                    *({"name": n, "in": "query", "required": n != "annual_savings_jpy",
                       "schema": {"type": "number", "minimum": low, "maximum": high}}
                      for n, (low, high) in jcm.RANGES.items()),
                    {"name": "country", "in": "query", "required": True,
                     "schema": COUNTRY},
                    {"name": "technology", "in": "query", "required": False, "schema": TEXT}],
                "responses": {"200": json_response("the screening", "Screening"), **ERRORS}}},
            "/introductions": {"post": {
                "summary": "Request an introduction (a coordinator's request is a proposal both sides must accept)",
                "security": [{"bearer": []}],
                "requestBody": bodies.request_body(bodies.IntroductionRequest),
                "responses": {"201": json_response("the new introduction", "Introduction"),
                              "409": json_response("not allowed, or already requested", "Error"), **ERRORS}}},
            "/introductions/{id}": {"get": {
                "summary": "One introduction with its history", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": json_response("the introduction", "Introduction"), **ERRORS}}},
            "/introductions/{id}/{action}": {"post": {
                "summary": "accept, decline, withdraw, renew, met, follow_up or close", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                               {"name": "action", "in": "path", "required": True, "schema": {
                                   "type": "string",
                                   "enum": ["accept", "decline", "withdraw", "renew", "met", "follow_up", "close"]}}],
                "requestBody": bodies.request_body(bodies.IntroductionNote, required=False),
                "responses": {"200": json_response("the introduction in its new state", "Introduction"),
                              "409": json_response("not allowed in this state or for this side", "Error"),
                              **ERRORS}}},
            **meeting_paths(),
            "/needs/{ref}/matches": {"get": {
                "summary": "The ranked technologies for a need, best first, with reasons",
                "security": [{"bearer": []}],
                "parameters": [{"name": "ref", "in": "path", "required": True, "schema": TEXT},
                               {"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                "responses": {"200": json_response("matches", "MatchList"), **ERRORS}}},
        }),
    }
