"""Background jobs, started only once the transaction that asked for them has committed.

A service calls `enqueue("name", arg, ...)` while it works; nothing runs if the
transaction rolls back. After the commit:
- with REDIS_URL, each job goes to the RQ queue, and `flask worker` runs it;
- without it (`make run`, the tests), it runs in this process: after the response has
  been sent when a request asked for it (so a slow job, such as sending a mail, never
  delays or shapes the answer), at once otherwise (CLI commands, other jobs).
Either way a job runs in an application context and a database session of its own,
and commits its own work. Jobs are registered by name with `@job` and must be
idempotent: a retried or repeated job finds its work done and does nothing.
"""
import time
from typing import Callable

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

REGISTRY: dict[str, Callable] = {}
PENDING = "jobs_after_commit"


def job(function: Callable) -> Callable:
    """Register a job under its function's name."""
    REGISTRY[function.__name__] = function
    return function


def enqueue(name: str, *args) -> None:
    """Run job `name(*args)` once the current transaction commits (arguments: plain JSON values)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    db.session.connection()  # a transaction is open, so that a rollback is seen and forgets the job
    enqueue_on(db.session(), name, *args)


def enqueue_on(session: Session, name: str, *args) -> None:
    """`enqueue` from inside a session event, where the session is given rather than current."""
    session.info.setdefault(PENDING, []).append((name, args))


@event.listens_for(Session, "after_commit")
def start_after_commit(session: Session) -> None:
    jobs = session.info.pop(PENDING, None)
    if jobs:
        start(current_app._get_current_object(), jobs)


@event.listens_for(Session, "after_soft_rollback")
def forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(PENDING, None)


def start(app: Flask, jobs: list[tuple[str, tuple]]) -> None:
    if app.config.get("REDIS_URL"):
        from . import queue
        for name, args in jobs:
            queue.push(app, name, args)
    elif has_request_context():
        g.setdefault("jobs_after_response", []).extend(jobs)
    else:
        run_all(app, jobs)


AFTER_RESPONSE = "matchapp.jobs_after_response"


def keep_for_after_response(response):
    """after_request hook: hand the request's inline jobs to `RunAfterResponse` through the WSGI environ."""
    jobs = g.pop("jobs_after_response", None)
    if jobs:
        request.environ[AFTER_RESPONSE] = (current_app._get_current_object(), jobs)
    return response


class RunAfterResponse:
    """WSGI middleware: a request's inline jobs run once the server has taken the whole response.

    Not `response.call_on_close` alone: a server may skip close() when the client drops the
    connection (Werkzeug's server does when reading the socket after the response raises
    ConnectionResetError), and the jobs would be lost. Here they run when the server has
    iterated the body to its end, or when it closes the body, whichever comes first.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        body = self.wsgi_app(environ, start_response)
        pending = environ.pop(AFTER_RESPONSE, None)
        return BodyThenJobs(body, *pending) if pending else body


class BodyThenJobs:
    """A response body that runs jobs once, after its last chunk has been taken or when closed."""

    def __init__(self, body, app: Flask, jobs: list[tuple[str, tuple]]):
        self.body, self.app, self.jobs = body, app, jobs

    def __iter__(self):
        empty = True
        try:
            for chunk in self.body:
                empty = False
                yield chunk
            if empty:
                yield b""  # the server sends the headers on a first chunk: before the jobs, not after
        finally:
            self.close()

    def close(self) -> None:
        jobs, self.jobs = self.jobs, None
        if jobs is None:
            return
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            run_all(self.app, jobs)


def run_all(app: Flask, jobs: list[tuple[str, tuple]]) -> None:
    """Run inline jobs one after another; one that fails is logged, kept for admins, and stops no other."""
    for name, args in jobs:
        try:
            run(app, name, args)
        except Exception as error:  # noqa: BLE001 — logged with its traceback and kept as a JobFailure
            app.logger.exception("background job %s%r failed", name, tuple(args))
            record_failure(app, name, list(args), f"{type(error).__name__}: {error}", attempts=1)


def record_failure(app: Flask, name: str, args: list, error: str, attempts: int) -> None:
    """Keep a job that will not be tried again, with its error, where admins see it."""
    import json

    from .models import JobFailure
    with app.app_context():
        db.session.add(JobFailure(name=name[:100], arguments=json.dumps(args, default=str)[:5000],
                                  error=error[:5000], attempts=attempts))
        db.session.commit()


def run(app: Flask, name: str, args) -> None:
    """Run one job in a fresh application context (hence its own session); it commits its own work."""
    from .operations import JOB_SECONDS, JOBS
    started = time.perf_counter()
    with app.app_context():
        try:
            REGISTRY[name](*args)
        except Exception:
            db.session.rollback()
            JOBS.labels(name, "failed").inc()
            raise
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    JOBS.labels(name, "done").inc()


def register(app: Flask) -> None:
    from . import tasks  # noqa: F401 — registers the application's jobs
    from .introductions import meetings, services as introductions
    from .matching import outcomes, store
    store.connect()
    outcomes.connect()
    introductions.connect()
    meetings.connect()
    app.after_request(keep_for_after_response)
    app.wsgi_app = RunAfterResponse(app.wsgi_app)
