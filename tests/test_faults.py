"""Faults: writers killed mid-transaction, a busy SQLite database, a PostgreSQL restart.

Each test runs the app in real separate processes (the flask CLI, gunicorn) against the
test database of this pass, SQLite or PostgreSQL, and kills them with SIGKILL.
"""
import json
import os
import random
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from matchapp import create_app, demo
from matchapp.models import ApiToken, City, Company, Introduction, IntroductionEvent, Need, Notification, Technology

from . import factories, faults
from .factories import PASSWORD

KILL_ROUNDS = int(os.environ.get("FAULT_KILL_ROUNDS", "5"))


def tagged_bundle(tag: str, times: int) -> dict:
    """The demo bundle `times` over, every ref prefixed with `tag` so each round's rows can be counted."""
    data = demo.multiplied_bundle(times)
    for key, entries in data.items():
        for entry in entries:
            entry["ref"] = f"{tag}{entry['ref']}"
            for link in ("company", "city"):
                if link in entry:
                    entry[link] = f"{tag}{entry[link]}"
            if "name" in entry:
                entry["name"] = f"{tag}{entry['name']}"
    return data


def rows_with_prefix(db, tag: str) -> dict:
    db.session.rollback()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)
                                                   .where(model.ref.like(f"{tag}%")))
            for model in (City, Company, Technology, Need)}


def test_an_import_killed_mid_write_again_and_again_leaves_all_rows_or_none(app, db, database_url, tmp_path):
    rng = random.Random(7)
    interrupted = completed = 0
    for round_number in range(KILL_ROUNDS):
        tag = f"k{round_number}-"
        data = tagged_bundle(tag, 3)
        full = {"cities": len(data["cities"]), "companies": len(data["companies"]),
                "technologies": len(data["technologies"]), "needs": len(data["needs"])}
        path = tmp_path / f"{tag}bundle.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        process = faults.flask(database_url, "import-data", str(path))
        deadline = time.time() + 60
        while process.poll() is None and not faults.write_in_progress(database_url) and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.8))  # somewhere inside the transaction
        finished_first = process.poll() is not None
        faults.kill(process)
        counts = rows_with_prefix(db, tag)
        assert counts in ({key: 0 for key in full}, full), f"round {round_number}: partial import {counts}"
        assert faults.integrity_problems(database_url) == []
        if counts == full:
            completed += 1
            assert finished_first, "rows appeared although the import was killed before it committed"
        else:
            interrupted += 1
    assert interrupted >= 1, "no round was killed in the middle of its write"
    print(f"\n{KILL_ROUNDS} kills: {interrupted} mid-write (nothing kept), {completed} after commit (all kept)")

    # After all that the database still takes a full import.
    path = tmp_path / "after.json"
    path.write_text(json.dumps(tagged_bundle("after-", 1), ensure_ascii=False), encoding="utf-8")
    process = faults.flask(database_url, "import-data", str(path))
    assert process.wait(timeout=120) == 0, process.stderr.read().decode()
    assert rows_with_prefix(db, "after-")["technologies"] == len(demo.multiplied_bundle(1)["technologies"])


@pytest.fixture
def requester(db):
    """A city user with an API token, one open need and 60 published technologies to ask about."""
    users = factories.users_per_role()
    need = factories.need(users["city"].city, ref="hp-solar")
    for number in range(60):
        factories.technology(users["company"].company, ref=f"tech-{number}")
    _token, secret = ApiToken.issue(users["city"], "fault test")
    db.session.commit()
    return secret, need


def ask(port: int, secret: str, number: int) -> int:
    body = json.dumps({"need": "hp-solar", "technology": f"tech-{number}", "message": "x" * 2000}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/introductions", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {secret}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the server died under this request: no answer


def gunicorn(database_url: str, port: int):
    """gunicorn as deployed; returns once a worker answers."""
    process = faults.start(database_url, "-m", "gunicorn", "--workers", "2", "--threads", "4",
                           "--bind", f"127.0.0.1:{port}", "wsgi:app")
    faults.wait_for_port(port)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).close()
            return process
        except OSError:
            time.sleep(0.1)
    faults.kill(process)
    raise TimeoutError("gunicorn did not answer")


def test_killing_the_server_under_writes_keeps_every_acknowledged_write_and_no_half_ones(
        app, db, database_url, requester):
    secret, need = requester
    port = faults.free_port()
    server = gunicorn(database_url, port)
    with ThreadPoolExecutor(8) as pool:
        futures = {number: pool.submit(ask, port, secret, number) for number in range(60)}
        deadline = time.time() + 60
        while sum(f.done() and f.result() == 201 for f in futures.values()) < 10 and time.time() < deadline:
            time.sleep(0.005)
        faults.kill(server)  # mid-stream: some requests answered, some in flight, some not sent yet
        answers = {number: future.result() for number, future in futures.items()}
    acknowledged = [n for n, status in answers.items() if status == 201]
    assert acknowledged and len(acknowledged) < 60, f"the kill should land mid-stream: {answers}"

    server = gunicorn(database_url, port)  # restart on the same database
    try:
        db.session.rollback()
        stored = {t for t in db.session.scalars(select(Technology.ref).join(
            Introduction, Introduction.technology_id == Technology.id))}
        assert {f"tech-{n}" for n in acknowledged} <= stored  # nothing acknowledged was lost
        for introduction in db.session.scalars(select(Introduction)):  # nothing stored was half-written
            events = db.session.scalars(select(IntroductionEvent.action).where(
                IntroductionEvent.introduction_id == introduction.id)).all()
            assert events == ["request"]
        notified = db.session.scalar(select(func.count()).select_from(Notification))
        assert notified == len(stored)  # one inbox entry for the company per request
        assert faults.integrity_problems(database_url) == []
        unanswered = [n for n in range(60) if f"tech-{n}" not in stored]
        assert all(ask(port, secret, n) == 201 for n in unanswered[:5])  # the restarted server takes writes
    finally:
        faults.kill(server)


def test_sqlite_waits_for_a_short_lock_and_answers_503_for_a_long_one(tmp_path):
    """Runs on its own SQLite file in both passes: WAL, busy timeout, then a clear 503 and no half write."""
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": faults.SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SQLITE_BUSY_TIMEOUT_MS": 300})
    with app.app_context():
        from flask_migrate import upgrade
        from matchapp.extensions import db
        upgrade()
        factories.users_per_role()
        db.session.commit()
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
    client = app.test_client()
    client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})

    def save_name(name):
        return client.post("/account/profile", data={"name": name, "language": "en", "timezone": "Asia/Tokyo"})

    blocker = sqlite3.connect(tmp_path / "locked.sqlite3", timeout=0, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock...
    with ThreadPoolExecutor(1) as pool:
        release = pool.submit(lambda: (time.sleep(0.1), blocker.rollback()))
        assert save_name("Waited").status_code == 302  # ...for less than the busy timeout: we wait
        release.result()
    blocker.execute("BEGIN IMMEDIATE")  # now for longer than the timeout
    response = save_name("Refused")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "The database is busy" in response.get_data(as_text=True)
    blocker.rollback()
    blocker.close()
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        from matchapp.extensions import db
        from matchapp.models import User
        assert db.session.scalar(select(User.name).where(User.email == "firm@example.com")) == "Waited"
        assert save_name("Retried").status_code == 302
        assert db.session.scalar(select(User.name).where(User.email == "firm@example.com")) == "Retried"
        assert faults.integrity_problems(url) == []


def restart_postgres() -> None:
    """Restart the server: PG_RESTART_COMMAND (set by .ci/run), as a real outage would."""
    subprocess.run(os.environ["PG_RESTART_COMMAND"], shell=True, check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.postgres_only
def test_the_app_recovers_from_a_postgresql_restart_without_restarting(app_config, app, db, users):
    pinging = app
    not_pinging = create_app(dict(app_config, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False}))
    clients = {}
    for name, served in (("pinging", pinging), ("not_pinging", not_pinging)):
        clients[name] = served.test_client()
        clients[name].post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
        assert clients[name].get("/dashboard").status_code == 200  # a pooled connection now exists

    db.session.remove()
    restart_postgres()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            sa.create_engine(app_config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool).connect().close()
            break
        except sa.exc.OperationalError:
            time.sleep(0.5)

    # Without pre-ping the pooled connection is dead: a clear 503, not a 500 or a hang...
    assert clients["not_pinging"].get("/dashboard").status_code == 503
    # ...with it (the configuration MatchApp ships), the first request after the restart just works.
    assert clients["pinging"].get("/dashboard").status_code == 200
    assert clients["pinging"].post("/account/profile", data={"name": "After restart", "language": "en",
                                                             "timezone": "Asia/Tokyo"}).status_code == 302


def logged_in_opener(port: int, email: str):
    """A urllib opener with a cookie jar, logged in through the served login form (CSRF token included)."""
    import http.cookiejar
    import re as regex
    import urllib.parse

    faults.wait_for_port(port)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    deadline = time.time() + 60
    while True:
        try:
            page = opener.open(f"http://127.0.0.1:{port}/account/login", timeout=10).read().decode()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    token = regex.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    opener.open(f"http://127.0.0.1:{port}/account/login", data=body, timeout=10).read()
    return opener


def test_every_gunicorn_worker_accepts_the_session_another_worker_signed(app, db, database_url, users):
    """Workers share SECRET_KEY from the environment, never a key of their own."""
    port = faults.free_port()
    server = faults.start(database_url, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}",
                          "wsgi:app")
    try:
        opener = logged_in_opener(port, "firm@example.com")
        statuses = {opener.open(f"http://127.0.0.1:{port}/dashboard", timeout=10).geturl().endswith("/dashboard")
                    for _ in range(30)}  # new connections: the kernel spreads them over the workers
        assert statuses == {True}
    finally:
        faults.kill(server)


def test_attachments_with_japanese_and_quoted_names_download_through_gunicorn(app, db, database_url, users):
    """A name outside Latin-1 was a 500 on every download under gunicorn; a quote broke the header."""
    import urllib.parse

    from matchapp.introductions import services as introductions
    from matchapp.models import Message
    from . import factories

    need = factories.need(users["city"].city, ref="ip-solar")
    tech = factories.technology(users["company"].company, ref="rooftop-pv")
    introduction = introductions.request_introduction(users["city"], need, tech, "Hello")
    name = '資料 "見積".pdf'
    db.session.add(Message(introduction_id=introduction.id, author_id=users["city"].id, body="plan",
                           attachment_name=name, attachment_type="application/pdf", attachment=b"%PDF-1.4 plan"))
    db.session.commit()
    port = faults.free_port()
    server = faults.start(database_url, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                          "wsgi:app")
    try:
        opener = logged_in_opener(port, "firm@example.com")
        with opener.open(f"http://127.0.0.1:{port}/introductions/{introduction.id}/messages/1/attachment",
                         timeout=10) as response:
            assert response.status == 200 and response.read() == b"%PDF-1.4 plan"
            disposition = response.headers["Content-Disposition"]
            assert response.headers["Cache-Control"] == "no-store"
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{urllib.parse.quote(name)}" in disposition
    finally:
        faults.kill(server)
