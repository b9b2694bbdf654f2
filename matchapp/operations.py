"""What operators look at: `/healthz`, request and job metrics for Prometheus, and failed background jobs.

Metrics: under gunicorn every worker process counts for itself; with
PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it) the endpoint adds them up, so a
scrape sees the whole server. `/metrics` answers only with `Authorization: Bearer
<METRICS_TOKEN>` or to a logged-in admin.
"""
import hmac
import os
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request
from flask_login import current_user
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest,
                               multiprocess)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import select, text

from . import queue
from .accounts.auth import roles_required
from .extensions import db
from .models import JobFailure

bp = Blueprint("ops", __name__)

REQUESTS = Counter("matchapp_requests_total", "HTTP requests answered", ["method", "endpoint", "status"])
REQUEST_SECONDS = Histogram("matchapp_request_seconds", "Time to answer a request", ["endpoint"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30))
JOBS = Counter("matchapp_jobs_total", "Background jobs run", ["job", "outcome"])
JOB_SECONDS = Histogram("matchapp_job_seconds", "Time a background job took", ["job"],
                        buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800))


@bp.route("/healthz")
def healthz():
    """200 when the database (and the queue, with REDIS_URL) answer; 503 naming the part that does not."""
    body, healthy = {"status": "ok"}, True
    try:
        db.session.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as error:  # noqa: BLE001 — any failure to reach the database is "unavailable"
        db.session.rollback()
        current_app.logger.warning("healthz: database unavailable: %s", error)
        body["database"], healthy = "unavailable", False
    try:
        body["queue"] = queue.status(current_app)
    except Exception as error:  # noqa: BLE001 — likewise for Redis
        current_app.logger.warning("healthz: queue unavailable: %s", error)
        body["queue"], healthy = "unavailable", False
    if not healthy:
        body["status"] = "unavailable"
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return current_user.is_authenticated and current_user.role == "admin"


def waiting_jobs() -> int | None:
    """Jobs waiting in the queue; None without a queue or when Redis does not answer (/healthz says so)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    try:
        return queue.queue(current_app).count
    except Exception:  # noqa: BLE001 — any failure to reach Redis
        return None


class QueueCollector:
    """Read at scrape time: jobs waiting and failed jobs kept (no per-process state)."""

    def collect(self):
        waiting = GaugeMetricFamily("matchapp_queue_jobs", "Jobs waiting in the queue")
        if (count := waiting_jobs()) is not None:
            waiting.add_metric([], count)
        yield waiting
        failed = GaugeMetricFamily("matchapp_job_failures", "Background jobs kept as failed")
        failed.add_metric([], db.session.query(JobFailure).count())
        yield failed


@bp.route("/metrics")
def metrics():
    if not may_read_metrics():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY
        registry = REGISTRY
    output = generate_latest(registry)
    extra = CollectorRegistry()
    extra.register(QueueCollector())
    return Response(output + generate_latest(extra), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


@bp.route("/admin/jobs")
@roles_required("admin")
def failed_jobs():
    """Background jobs that used up their retries, newest first, with their error."""
    failures = db.session.scalars(select(JobFailure).order_by(JobFailure.failed_at.desc()).limit(200)).all()
    return render_template("main/jobs.html", failures=failures, waiting=waiting_jobs(),
                           inline=not current_app.config.get("REDIS_URL"))


def start_timer() -> None:
    g.started_at = time.perf_counter()


def count_request(response):
    endpoint = request.endpoint or "unknown"
    if endpoint != "ops.metrics":
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if "started_at" in g:
            REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - g.started_at)
    return response


def register(app) -> None:
    app.register_blueprint(bp)
    app.before_request(start_timer)
    app.after_request(count_request)
