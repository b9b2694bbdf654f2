"""How far a long job has come, readable by any web server while the job's transaction is still open.

The job's own writes are invisible until it commits (and on SQLite it holds the write
lock), so progress is kept outside the database: in Redis with REDIS_URL (every server
sees it), else in this process (where inline jobs run).
"""
import json
import threading

from flask import current_app

_local: dict[str, dict] = {}
_lock = threading.Lock()
TTL = 24 * 3600


def report(key: str, done: int, total: int) -> None:
    value = {"done": done, "total": total}
    url = current_app.config.get("REDIS_URL")
    if url:
        from . import queue
        queue.connection(url).set(f"matchapp:progress:{key}", json.dumps(value), ex=TTL)
    else:
        with _lock:
            _local[key] = value


def read(key: str) -> dict | None:
    url = current_app.config.get("REDIS_URL")
    if url:
        from . import queue
        raw = queue.connection(url).get(f"matchapp:progress:{key}")
        return json.loads(raw) if raw else None
    with _lock:
        return _local.get(key)
