"""Recurring jobs: the outbox every minute, housekeeping hourly, digests weekly.

`flask scheduler` enqueues each job once per period. With REDIS_URL, the period is
claimed in Redis (SET NX), so several schedulers — one per host, or a restarted one —
still enqueue it once; the workers run it. Without Redis it runs the jobs itself.
Instead of `flask scheduler`, cron can run the CLI commands (README, "Deployment").
"""
import time

from flask import Flask

from . import jobs

# (job, seconds between runs)
RECURRING = [("send_outbox", 60), ("housekeeping", 3600), ("send_digests", 7 * 24 * 3600)]


def due_now(app: Flask, name: str, every: int, now: float) -> bool:
    """Whether this scheduler is the one to start `name` for the current period."""
    if not app.config.get("REDIS_URL"):
        return True
    from . import queue
    period = int(now // every)
    return bool(queue.connection(app.config["REDIS_URL"]).set(f"matchapp:schedule:{name}:{period}", "1",
                                                               nx=True, ex=every * 2))


def tick(app: Flask, last: dict[str, int], now: float | None = None) -> list[str]:
    """Start every recurring job whose period began since `last` (updated); returns their names."""
    now = time.time() if now is None else now
    started = []
    for name, every in RECURRING:
        period = int(now // every)
        if last.get(name) == period:
            continue
        last[name] = period
        if due_now(app, name, every, now):
            if app.config.get("REDIS_URL"):
                from . import queue
                queue.push(app, name, [])
            else:
                jobs.run_all(app, [(name, ())])
            started.append(name)
    return started


def run(app: Flask, once: bool = False, pause: float = 5.0) -> None:
    last: dict[str, int] = {}
    while True:
        started = tick(app, last)
        if started:
            app.logger.info("scheduled: %s", ", ".join(started))
        if once:
            return
        time.sleep(pause)
