"""Fixtures: an app on a fresh, migrated database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set; migrated once per session and copied for each test), clients,
a CLI runner and login helpers per role."""
import contextvars
import hashlib
import os
import shutil
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
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


def maintenance_url(url: str) -> sa.engine.URL:
    return sa.engine.make_url(url).set(database="postgres")


def recreate_postgres(url: str, template: str | None = None) -> None:
    """Drop the database `url` names and create it again, empty or as a copy of `template`.

    A vacuum that PostgreSQL's autovacuum started on the old database can be neither waited
    for by DROP nor ended by a role that is not a superuser: try again for a few seconds.
    """
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(maintenance_url(url), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    deadline = time.time() + 30
    with engine.connect() as connection:
        while True:
            try:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except (sa.exc.ProgrammingError, sa.exc.OperationalError):
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        connection.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()


def without_autovacuum(url: str) -> None:
    """The template's tables (and so every copy's) are not vacuumed behind the tests' back."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        for table in sa.inspect(connection).get_table_names():
            connection.execute(sa.text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'))
    engine.dispose()


def migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MATCHING_INDEX_CACHE": "",
                      "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"})
    with app.app_context():
        upgrade()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Migrations run once per session; every test gets a copy of the result (a template database
    on PostgreSQL, a copied file on SQLite), as fresh as if it had been migrated for itself."""
    if POSTGRES_URL:
        url = sa.engine.make_url(POSTGRES_URL)
        template = url.set(database=f"{url.database}_template").render_as_string(hide_password=False)
        recreate_postgres(template)
        migrate(template)
        without_autovacuum(template)
        return sa.engine.make_url(template).database
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


def give_a_new_identity(url: str) -> None:
    """A copy is another database: the per-process matching index must not take it for the template."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE matching_state SET instance = :instance"),
                           {"instance": uuid.uuid4().hex})
    engine.dispose()


@pytest.fixture
def database_url(tmp_path, migrated_template):
    if POSTGRES_URL:
        recreate_postgres(POSTGRES_URL, template=migrated_template)
        url = POSTGRES_URL
    else:
        shutil.copyfile(migrated_template, tmp_path / "test.sqlite3")
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    give_a_new_identity(url)
    return url


@pytest.fixture
def app_config(database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": True,
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
        self.add_csrf_token(args[0] if args else kwargs.get("path", "/"), kwargs)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that is being followed
            _db.session.expire_all()  # the test's own session must see what the request wrote
        return response


    def add_csrf_token(self, path, kwargs) -> None:
        """CSRF stays on: a form post carries the session's token, as the page's hidden field gives it."""
        if kwargs.get("method") != "POST" or not isinstance(path, str) or path.startswith("/api/") \
                or not self.application.config.get("WTF_CSRF_ENABLED", True):
            return
        data = kwargs.get("data")
        if data is None:
            kwargs["data"] = {"csrf_token": self.csrf_token()}
        elif isinstance(data, MultiDict) and "csrf_token" not in data:
            data = data.copy()
            data["csrf_token"] = self.csrf_token()
            kwargs["data"] = data
        elif isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}

    def csrf_token(self) -> str:
        """What Flask-WTF's generate_csrf() puts in a page for this client's session."""
        with self.session_transaction() as session:
            if "csrf_token" not in session:
                session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


# Every app a test builds gets this client (a test of CSRF itself uses a plain FlaskClient).
Flask.test_client_class = IsolatedClient


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
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
