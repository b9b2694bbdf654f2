"""schemathesis against /api/v1/openapi.json: generated requests for every operation (one by one, and in
sequences that follow the document's links), invalid ones refused, no 5xx,
every response matches the schema (status codes, content types, bodies)."""
import itertools
import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from hypothesis import HealthCheck, given, settings

from matchapp.models import ApiToken, User

from . import factories


@pytest.fixture
def api_schema(app, db):
    """The schema the app serves, over WSGI, with a world to answer from."""
    users = factories.users_per_role()
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def bearer(db, api_schema):
    user = db.session.scalar(db.select(User).where(User.email == "coordinator@example.com"))
    _token, secret = ApiToken.issue(user, "schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


# Every default check, "invalid request accepted" (negative data rejection) included.
LENIENT = []
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


def token_unless_headers_are_the_mistake(case, bearer: dict) -> dict:
    """A valid token, except for a case whose invalid part is its headers (the token left out, say):
    adding one would send a valid request that schemathesis expects to be refused."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    return {} if headers is not None and headers.mode.is_negative else bearer


def test_every_api_operation_keeps_to_its_schema(api_schema, bearer):
    """Each operation of the served schema gets generated valid and invalid cases, sent over WSGI
    and checked by schemathesis' default checks. (Its pytest plugin does not load with pytest 9,
    so the operations are driven through hypothesis directly.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def keeps_to_schema(case):
            case.call_and_validate(headers=token_unless_headers_are_the_mistake(case, bearer),
                                   excluded_checks=LENIENT)

        keeps_to_schema()


# Who makes each call in the stateful run: the city reads matches and asks, the company answers and
# proposes times, the city picks one; the rest is read by the coordinator.
CALLER = {"createIntroduction": "city@example.com", "confirmMeeting": "city@example.com",
          "actOnIntroduction": "firm@example.com", "proposeMeeting": "firm@example.com",
          "rescheduleMeeting": "firm@example.com", "cancelMeeting": "firm@example.com"}


def test_linked_operations_keep_to_the_schema_in_sequence(api_schema, db):
    """schemathesis' stateful phase: sequences that follow the document's links (needs → matches →
    request → answer → propose times → confirm → calendar), every response checked, no 5xx."""
    factories.technology(db.session.scalar(db.select(User).where(User.email == "firm@example.com")).company,
                         ref="rooftop-pv-2", title="Rooftop solar PV, second model")
    headers = {}
    for email in ("city@example.com", "firm@example.com", "coordinator@example.com"):
        _token, secret = ApiToken.issue(db.session.scalar(db.select(User).where(User.email == email)), "stateful")
        headers[email] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()

    @api_schema.auth(refresh_interval=None)
    class Tokens:
        """Known to schemathesis as the API's authentication, so that its auth check can take it out."""
        def get(self, case, ctx):
            return headers

        def set(self, case, data, ctx):
            operation = case.operation.definition.raw["operationId"]
            case.headers = {**(case.headers or {}), **data[CALLER.get(operation, "coordinator@example.com")]}

    class Workflow(api_schema.as_state_machine()):
        def after_call(self, response, case):
            super().after_call(response, case)
            answers.add((case.operation.definition.raw["operationId"], response.status_code))

    answers = set()
    Workflow.run(settings=settings(max_examples=int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "60")),
                                   stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck),
                                   derandomize=True, database=None))  # the same sequences on every run
    # Every sequence kept to the schema; the links were followed from a listed need to its match list,
    # which a generated reference alone does not reach.
    assert {("listNeeds", 200), ("listNeedMatches", 200)} <= answers, sorted(answers)
