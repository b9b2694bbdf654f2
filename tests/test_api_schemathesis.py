"""schemathesis against /api/v1/openapi.json: generated requests for every operation, no 5xx,
every response matches the schema (status codes, content types, bodies)."""
import itertools
import os

import pytest
import schemathesis
from schemathesis import GenerationMode, checks
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


# The API ignores query parameters it does not know (as most APIs do), and the test always sends a
# valid token, so "invalid request accepted" is not checked; every other default check is.
LENIENT = [checks.negative_data_rejection]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


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
            case.call_and_validate(headers=bearer, excluded_checks=LENIENT)

        keeps_to_schema()
