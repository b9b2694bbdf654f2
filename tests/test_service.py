"""Running as a service: background jobs after the commit, the queue on Redis, health, metrics, failed jobs."""
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from matchapp import create_app, jobs, queue, schedule
from matchapp.extensions import db as _db
from matchapp.models import JobFailure, Match, OutboxEmail, Technology

from . import factories
from .faults import ROOT, app_env
from .mailserver import free_port, start_server, wait_for
from .test_listings import technology_form


def test_healthz_names_the_database_and_the_inline_queue(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "inline"}


def test_healthz_is_503_naming_the_queue_when_redis_is_unreachable(app_config, app):
    unreachable = create_app(dict(app_config, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "queue": "unavailable"}


@pytest.fixture
def counted_job():
    """A job that records its calls, registered for the test only."""
    calls = []

    @jobs.job
    def note_call(value):
        calls.append(value)

    yield calls
    jobs.REGISTRY.pop("note_call")


def test_a_job_runs_only_after_its_transaction_commits(db, counted_job):
    jobs.enqueue("note_call", 1)
    db.session.rollback()
    assert counted_job == []
    jobs.enqueue("note_call", 2)
    assert counted_job == []  # not before the commit
    db.session.commit()
    assert counted_job == [2]


def test_a_failing_job_is_kept_with_its_error_for_admins(client, auth, db, users):
    @jobs.job
    def always_fails():
        raise RuntimeError("the mail server said no")
    try:
        jobs.enqueue("always_fails")
        db.session.commit()
    finally:
        jobs.REGISTRY.pop("always_fails")
    failure = db.session.scalar(select(JobFailure))
    assert failure.name == "always_fails" and "the mail server said no" in failure.error
    auth.login("admin@example.com")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "always_fails" in page and "RuntimeError: the mail server said no" in page


def test_an_edit_is_rescored_by_a_job_after_the_response(client, auth, db, users):
    factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV for the industrial park")
    auth.login("firm@example.com")
    response = client.post("/technologies/new", data=technology_form(title_alt="Rooftop solar PV for factories"))
    assert response.status_code == 302
    # The test client, like a server, closes the response, which runs the request's jobs.
    assert db.session.scalar(select(func.count()).select_from(Match)) >= 1


def test_a_requests_job_runs_even_when_the_client_resets_the_connection(app_config, db, counted_job):
    """Werkzeug's server skips the body's close() when the socket read after the response fails;
    the request's jobs (the password-reset mail, an edit's re-scoring) must still run."""
    served = create_app(dict(app_config, TESTING=False))

    def leave_a_job():
        jobs.enqueue("note_call", "after the response")
        _db.session.commit()
        return "", 204
    served.add_url_rule("/leave-a-job", view_func=leave_a_job)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as client:
            # A request, then bytes the server reads after answering, then a reset instead of a close.
            client.sendall(b"GET /leave-a-job HTTP/1.1\r\nHost: localhost\r\n\r\nleftover")
            assert client.recv(4096).startswith(b"HTTP/1.1 204")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        deadline = time.time() + 5
        while not counted_job and time.time() < deadline:
            time.sleep(0.05)
        assert counted_job == ["after the response"]
    finally:
        server.shutdown()


def test_metrics_count_requests_for_admins_and_token_holders_only(app_config, db, users):
    app = create_app(dict(app_config, METRICS_TOKEN="metrics-secret-token"))
    client = app.test_client()
    client.get("/healthz")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer metrics-secret-token"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'matchapp_requests_total{endpoint="ops.healthz",method="GET",status="200"}' in text
    assert "matchapp_request_seconds_bucket" in text and "matchapp_job_failures 0.0" in text


def test_the_schedule_starts_each_recurring_job_once_per_period(app, db, counted_job, monkeypatch):
    monkeypatch.setattr(schedule, "RECURRING", [("note_call", 60)])
    monkeypatch.setitem(jobs.REGISTRY, "note_call", lambda: counted_job.append("ran"))
    last = {}
    assert schedule.tick(app, last, now=6000.0) == ["note_call"]
    assert schedule.tick(app, last, now=6030.0) == []  # same minute
    assert schedule.tick(app, last, now=6061.0) == ["note_call"]
    assert counted_job == ["ran", "ran"]


@pytest.mark.redis
def test_two_schedulers_on_redis_enqueue_each_period_once(app_config, redis_url, monkeypatch, db):
    app = create_app(dict(app_config, REDIS_URL=redis_url))
    monkeypatch.setattr(schedule, "RECURRING", [("send_outbox", 60)])
    first, second = {}, {}
    assert schedule.tick(app, first, now=6000.0) == ["send_outbox"]
    assert schedule.tick(app, second, now=6001.0) == []  # the other scheduler already started this minute's
    assert queue.queue(app).count == 1


def outbox(db, count):
    for n in range(count):
        db.session.add(OutboxEmail(to=f"user{n}@example.com", subject=f"Message {n}", body="Hello"))
    db.session.commit()


def flask_process(database_url: str, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env=dict(app_env(database_url), **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_senders_at_once_deliver_every_message_exactly_once(app_config_with_mail, smtp_port, db, database_url,
                                                               users):
    """Two `flask send-mail` processes on one outbox (SKIP LOCKED on PostgreSQL, a conditional claim on both)."""
    outbox(db, 60)
    controller, inbox = start_server(smtp_port)
    try:
        senders = [flask_process(database_url, "send-mail", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port))
                   for _ in range(2)]
        outputs = [process.communicate(timeout=120) for process in senders]
        messages = wait_for(inbox, 60, seconds=10)
    finally:
        controller.stop()
    assert all(process.returncode == 0 for process in senders), outputs
    recipients = sorted(message.rcpt_tos[0] for message in messages)
    assert recipients == sorted(f"user{n}@example.com" for n in range(60)), outputs
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) == 0


@pytest.mark.redis
def test_with_redis_jobs_wait_in_the_queue_until_a_worker_runs_them(app_config, redis_url, database_url, users,
                                                                    db):
    app = create_app(dict(app_config, REDIS_URL=redis_url))
    client = app.test_client()
    assert client.get("/healthz").get_json()["queue"] == "ok"
    factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV for the industrial park")
    client.post("/account/login", data={"email": "firm@example.com", "password": factories.PASSWORD})
    client.post("/technologies/new", data=technology_form(title_alt="Rooftop solar PV for factories"))
    assert queue.queue(app).count == 1
    _db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Match)) == 0  # not in the request
    # The owner opens the matches before any worker ran the job: the page catches up by itself.
    ref = db.session.scalar(select(Technology.ref))
    page = client.get(f"/technologies/{ref}/matches").get_data(as_text=True)
    assert "Rooftop solar PV for the industrial park" in page
    worker = flask_process(database_url, "worker", "--burst", REDIS_URL=redis_url)
    output = worker.communicate(timeout=180)
    assert worker.returncode == 0, output[1].decode()[-2000:]
    assert queue.queue(app).count == 0
    _db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Match)) >= 1


def test_a_new_partnership_of_a_city_re_scores_its_needs_stored_matches(db, users):
    """Owners change too: Da Nang's new partnership with Kitakyushu reaches its needs' stored matches."""
    from matchapp.matching import store
    from matchapp.models import Partnership
    da_nang = factories.city(ref="da-nang", name="Da Nang", partners=("Yokohama",))
    need = factories.need(da_nang, ref="dn-solar", title="Rooftop solar PV for the industrial park")
    factories.technology(users["company"].company, ref="kanmon-pv", title="Rooftop solar PV for factories")
    store.listings_changed([need, db.session.scalar(select(Technology).where(Technology.ref == "kanmon-pv"))])
    db.session.commit()

    def stored():
        db.session.expire_all()
        return db.session.scalar(select(Match).where(Match.need_id == need.id))

    before = stored()
    before_score, before_reasons = before.score, [r["code"] for r in before.reasons]
    assert "partnership" not in before_reasons
    da_nang.partnerships.append(Partnership(japanese_city="Kitakyushu"))  # Kanmon Solar's home city
    db.session.commit()  # the re-score job runs after this commit
    after = stored()
    assert any(r["code"] == "partnership" for r in after.reasons)
    assert after.score > before_score


@pytest.mark.redis
def test_a_queued_job_that_used_up_its_retries_is_kept_for_admins(app_config, redis_url, db):
    """RQ's failure callback, called as the worker calls it, on a real job from the queue."""
    app = create_app(dict(app_config, REDIS_URL=redis_url))
    queue.push(app, "send_email", [12345])
    job = queue.queue(app).jobs[0]
    job.retries_left = 0
    queue.WORKER_APP["app"] = app
    try:
        queue.record_failure(job, job.connection, RuntimeError, RuntimeError("SMTP refused"), None)
    finally:
        queue.WORKER_APP.clear()
    db.session.expire_all()
    failure = db.session.scalar(select(JobFailure))
    assert (failure.name, failure.arguments, failure.error) == ("send_email", "[12345]", "RuntimeError: SMTP refused")
    assert failure.attempts == len(queue.RETRY_INTERVALS) + 1
