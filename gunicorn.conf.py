"""gunicorn settings for MatchApp (`gunicorn wsgi:app` reads this file from the working directory).

Each value is chosen on purpose; environment variables override the sizes.
"""
import os
import shutil
import tempfile

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Two processes per core is plenty: requests are short, heavy work runs in `flask worker`.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a process serve other requests while one waits on the database.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# No request should take 60 s (imports and rematches are jobs); past that the worker is replaced.
timeout = 60
# Requests in flight get 30 s to finish on a restart or deploy.
graceful_timeout = 30
# The reverse proxy reuses connections; keep them a little longer than it does not.
keepalive = 5
# Recycle workers now and then so slow memory growth never accumulates; jitter avoids all at once.
max_requests = 5000
max_requests_jitter = 500
# Every worker loads the app itself (no preload): no database connection is shared across a fork.
preload_app = False
accesslog = "-"
access_log_format = ('{"time": "%(t)s", "remote": "%(h)s", "request": "%(r)s", "status": %(s)s, '
                     '"bytes": "%(b)s", "duration_us": %(D)s, "request_id": "%({x-request-id}o)s"}')
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Request metrics from every worker are added up at /metrics (prometheus_client multiprocess mode).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="matchapp-metrics-")


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)  # counts from an earlier run are not this server's
    os.makedirs(folder, exist_ok=True)


def post_worker_init(worker):
    """Load the sentence encoder and the matching index when the worker starts, not in its first request."""
    from wsgi import app

    from matchapp.extensions import db
    from matchapp.matching import profiles
    with app.app_context():
        try:
            profiles.warm_up()
        except Exception:  # noqa: BLE001 — a database not migrated yet: the first request builds it
            app.logger.exception("could not warm the matching index")
        finally:
            db.session.remove()


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
