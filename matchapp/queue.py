"""The job queue on Redis (RQ), used when REDIS_URL is set.

Why RQ and not Celery: MatchApp's jobs are a handful of plain functions on one queue,
Redis is the only broker it needs, and RQ's model (a job is a function call, a failed
job is kept with its traceback, retries with back-off) covers them with far less
configuration. A job that has used up its retries stays in RQ's failed registry and is
also recorded in the `job_failures` table, which admins see under *Background jobs*.

`flask worker` runs `MatchAppWorker`: each job in a forked work horse, so a job that
leaks memory or is killed takes nothing else down (the worker fails it and RQ retries
it). The worker keeps the matching index warm and brings it up to date from the change
log before each fork, so a job starts with a current index instead of building one.
`perform` is what the queue calls; it runs the registered job in a fresh application
context.
"""
import os
from functools import lru_cache

from flask import Flask
from redis import Redis
from rq import Callback, Queue, Retry, Worker

QUEUE_NAME = "matchapp"
# Seconds between attempts: a job that fails is tried again three times, then kept as failed.
RETRY_INTERVALS = [5, 30, 120]
WORKER_APP: dict = {}  # the worker's app and process id, set by run_worker


@lru_cache(maxsize=4)
def connection(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)


def queue(app: Flask) -> Queue:
    return Queue(QUEUE_NAME, connection=connection(app.config["REDIS_URL"]),
                 default_timeout=app.config["JOB_TIMEOUT"])


def push(app: Flask, name: str, args) -> None:
    queue(app).enqueue("matchapp.queue.perform", name, list(args), description=f"{name}{tuple(args)}",
                       retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                       on_failure=Callback(record_failure), failure_ttl=30 * 24 * 3600, result_ttl=3600)


def perform(name: str, args: list) -> None:
    """Run in the work horse: the registered job `name(*args)` in its own application context."""
    from . import jobs
    from .extensions import db
    app = WORKER_APP["app"]
    if os.getpid() != WORKER_APP.get("pid"):  # a forked horse: never use the parent's connections
        with app.app_context():
            db.engine.dispose(close=False)
    jobs.run(app, name, args)


class MatchAppWorker(Worker):
    def execute_job(self, job, queue):
        from .extensions import db
        from .matching import profiles
        with WORKER_APP["app"].app_context():
            try:
                profiles.catalog().sync()
            finally:
                db.session.remove()
        return super().execute_job(job, queue)


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's failure callback: once the retries are used up, keep the failure where admins look."""
    if job.retries_left:
        return
    from . import jobs
    name, args = (list(job.args) + [None, None])[:2]
    jobs.record_failure(WORKER_APP["app"], str(name), args or [], f"{exc_type.__name__}: {exc_value}",
                        attempts=len(RETRY_INTERVALS) + 1)


def run_worker(app: Flask, burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the queue until stopped (or, with `burst`, until it is empty)."""
    WORKER_APP.update(app=app, pid=os.getpid())
    worker = MatchAppWorker([queue(app)], connection=connection(app.config["REDIS_URL"]))
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


def status(app: Flask) -> str:
    """"ok" when Redis answers, "inline" without REDIS_URL; raises when Redis is unreachable."""
    if not app.config.get("REDIS_URL"):
        return "inline"
    connection(app.config["REDIS_URL"]).ping()
    return "ok"
