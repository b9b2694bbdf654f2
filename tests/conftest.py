"""Fixtures: an app on a fresh, migrated database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), clients, a CLI runner and login helpers per role."""
import contextvars
import os
import threading

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from matchapp import create_app
from matchapp.extensions import db as _db

from . import factories
from .mailserver import app_config_with_mail, smtp_port  # noqa: F401  (fixtures shared by mail tests)
from .world import world  # noqa: F401  (a fixture shared by the access matrix and the fuzzers)

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
# Every test has its own database: no matching index snapshots (a test of them sets its own folder).
# Servers the tests start inherit this.
os.environ["MATCHING_INDEX_CACHE"] = ""
PASSWORD = factories.PASSWORD


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: needs a PostgreSQL server; runs in the PostgreSQL pass")
    config.addinivalue_line("markers", "redis: needs a Redis server (TEST_REDIS_URL); CI always has one")
    if os.environ.get("CI") == "true" and not REDIS_URL:
        raise pytest.UsageError("TEST_REDIS_URL is not set: CI must run the tests that need Redis")


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only run in the PostgreSQL pass (which CI requires), not the SQLite one;
    tests marked redis run only where TEST_REDIS_URL names a server (CI requires one)."""
    unavailable = set() if POSTGRES_URL else {"postgres_only"}
    if not REDIS_URL:
        unavailable.add("redis")
    deselected = [item for item in items if unavailable & set(item.keywords)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not unavailable & set(item.keywords)]


@pytest.fixture
def redis_url():
    """An empty Redis database for this test."""
    import redis
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()
    connection.close()


def reset_postgres(url: str) -> None:
    """Drop everything so each test migrates an empty database, as a fresh install would."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path):
    if POSTGRES_URL:
        reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app_config(database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MATCHING_INDEX_CACHE": "",
    }


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would.

    Otherwise Flask reuses the test's context, and `g` (the logged-in user, the
    locale) leaks from one request into the next. Like a server, it reads the whole
    response and closes it, which runs the jobs a request leaves for after its response.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that is being followed
            _db.session.expire_all()  # the test's own session must see what the request wrote
        return response


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log a test client in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        return self.client.post("/account/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def users(db):
    """One user per role, with their organisations."""
    return factories.users_per_role()


@pytest.fixture
def live_server(app_config, app):
    """Serve a second app on the same test database, with CSRF on, as users get it."""
    from matchapp import create_app
    served = create_app(dict(app_config, WTF_CSRF_ENABLED=True, TESTING=False))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
