"""Load benchmark: gunicorn on 127.0.0.1 with the demo data multiplied x100.

Endpoints: browse, search, a need's match page (again and again, as a city's users open
their needs: its cards come from the rendered-card cache), match pages on first visits
(each request another need, so its cards are rendered), an API read and introduction
requests (API, each a new pair), plus two references served by the same gunicorn set-up: a
trivial Flask view (the framework's ceiling) and a minimal page listing 20 rows through
Flask-SQLAlchemy and Jinja (bench/load_app.py).

Each endpoint is driven twice by --users concurrent users for --seconds:
- paced: each user waits 0.25-0.75 s between requests (people read pages): requests/s,
  p50/p95/p99 latency and errors -> target p95 <= 200 ms, 0 errors;
- saturated: no waiting, the server's capacity -> target: the match page's throughput at
  least 50 % of the 20-row page's.

Run: .venv/bin/python bench/load.py [--users 20] [--seconds 10] [--times 100] [--workers 2]
     DATABASE_URL=postgresql+psycopg://... to run on PostgreSQL (the database is emptied).
The service shape: --instances 2 --redis redis://127.0.0.1:6379/14 starts two gunicorn
instances on one database and Redis plus a `flask worker`; users are spread over the
instances, and a listing is edited every second meanwhile (re-scored by the worker, seen by
every instance through the change log). It adds "api match list" (one need's matches
through the API), whose throughput is compared with the 20-row page (target >= 50 %).
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "load-benchmark-secret-key-0123456789abcdef"
METRICS_TOKEN = "load-benchmark-metrics"
PROCESSES = 4  # client processes: one Python process cannot drive a saturated server alone


def prepare(database_url: str, times: int, reuse: bool = False) -> dict:
    """Migrate, load the demo x`times`, add the demo logins (`reuse`: keep what an earlier run
    loaded); return what the clients need."""
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=SECRET)
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from matchapp import create_app, demo
    from matchapp.extensions import db
    from matchapp.listings.access import visible_condition
    from matchapp.listings.services import import_bundle
    from matchapp.models import ApiToken, City, Introduction, Match, Need, Technology, User

    app = create_app()
    with app.app_context():
        if reuse:
            started = time.perf_counter()
        elif database_url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        if not reuse:
            upgrade()
            started = time.perf_counter()
            import_bundle(demo.multiplied_bundle(times))  # as `flask import-data` does: matches included
            db.session.commit()
            demo.load()
        loaded = time.perf_counter() - started
        city_user = db.session.scalar(select(User).where(User.email == "city@demo.matchapp.example"))
        _token, secret = ApiToken.issue(city_user, "load benchmark")
        db.session.commit()
        city = db.session.scalar(select(City).where(City.ref == "hai-phong"))
        needs = db.session.scalars(select(Need.ref).where(Need.city_id == city.id, Need.status == "open")).all()
        matched_need = db.session.scalar(
            select(Need.ref).join(Match, Match.need_id == Need.id).where(Need.city_id == city.id)
            .group_by(Need.ref).order_by(func.count().desc()).limit(1))
        technologies = db.session.scalars(select(Technology.ref).where(Technology.status == "published")).all()
        first_visits = db.session.scalars(
            select(Need.ref).where(visible_condition(Need, city_user), Need.id.in_(select(Match.need_id)))).all()
        counts = {"technologies": len(technologies),
                  "needs": db.session.scalar(select(func.count()).select_from(Need)),
                  "stored matches": db.session.scalar(select(func.count()).select_from(Match))}
        introduced = set(db.session.execute(
            select(Need.ref, Technology.ref).join(Introduction, Introduction.need_id == Need.id)
            .join(Technology, Technology.id == Introduction.technology_id)).all())
    pairs = [(n, t) for n in needs for t in technologies if (n, t) not in introduced]
    random.Random(1).shuffle(pairs)
    first_visits = [ref for ref in first_visits if ref != matched_need]
    random.Random(2).shuffle(first_visits)
    return {"token": secret, "match_need": matched_need, "counts": counts, "load_seconds": loaded,
            "introduction request": pairs, "match page, first visits": [f"/needs/{ref}/matches" for ref in first_visits]}


def endpoints(setup: dict) -> dict:
    """name -> (method, path, needs login, needs token); path None: each request takes the next
    item of setup[name] (a need's match page not yet rendered by the server; a new pair to introduce)."""
    return {
        "browse": ("GET", "/technologies", True, False),
        "search": ("GET", "/technologies?" + urlencode({"q": "太陽光", "sector": "renewable_energy"}), True, False),
        "match page": ("GET", f"/needs/{setup['match_need']}/matches", True, False),
        "match page, first visits": ("GET", None, True, False),
        "api read": ("GET", "/api/v1/technologies?" + urlencode({"q": "solar", "per_page": 20}), False, True),
        "api match list": ("GET", f"/api/v1/needs/{setup['match_need']}/matches?top=10", False, True),
        "introduction request": ("POST", None, False, True),
        "ref: trivial Flask": ("GET", "/_bench/trivial", False, False),
        "ref: 20 rows SQLAlchemy+Jinja": ("GET", "/_bench/rows", False, False),
    }


def login_cookie(port: int) -> str:
    """Log in through the real form (CSRF token included) and return the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/account/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": csrf, "email": "city@demo.matchapp.example", "password": "matchapp-demo"})
    connection.request("POST", "/account/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"login failed: {response.status}"
    return response.getheader("Set-Cookie").split(";", 1)[0]


def client_process(number, ports, endpoint, setup, threads, seconds, paced, items, results):
    """`threads` users in this process; each keeps one connection open and records (latency, ok)."""
    samples = []
    try:
        run_users(ports, endpoint, setup, threads, seconds, paced, items, samples, offset=number)
    finally:
        results.put((number, samples))  # even after a crash, so the parent never waits forever


def run_users(ports, endpoint, setup, threads, seconds, paced, items, samples, offset=0):
    method, fixed_path, needs_login, needs_token = endpoint
    headers = {}
    if needs_login:
        headers["Cookie"] = setup["cookie"]  # logged in once: the login form is rate-limited per address
    if needs_token:
        headers["Authorization"] = f"Bearer {setup['token']}"
        headers["Content-Type"] = "application/json"
    lock = threading.Lock()
    item_iter, item_lock = iter(items), threading.Lock()
    start_at = time.time() + 0.5
    deadline = start_at + seconds

    def user(number):
        rng = random.Random(number)
        port = ports[(number + offset) % len(ports)]  # users are spread over the instances
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        time.sleep(max(0.0, start_at - time.time()) + (rng.uniform(0, 0.5) if paced else 0))
        while time.time() < deadline:
            body, path = None, fixed_path
            if fixed_path is None:
                with item_lock:
                    item = next(item_iter, None)
                if item is None:
                    break  # every item of this client has been used
                if method == "POST":
                    path, (need, technology) = "/api/v1/introductions", item
                    body = json.dumps({"need": need, "technology": technology, "message": "load test"})
                else:
                    path = item
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400 or (method == "POST" and response.status == 201)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - began, ok))
            if paced:
                time.sleep(rng.uniform(0.25, 0.75))
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=user, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def drive(ports, name, endpoint, setup, users, seconds, paced) -> dict:
    results = multiprocessing.Queue()
    share = [users // PROCESSES + (1 if n < users % PROCESSES else 0) for n in range(PROCESSES)]
    items = setup.get(name, [])
    chunk = len(items) // PROCESSES
    processes = [multiprocessing.Process(target=client_process, args=(
        n, ports, endpoint, setup, share[n], seconds, paced, items[n * chunk:(n + 1) * chunk], results))
        for n in range(PROCESSES) if share[n]]
    for process in processes:
        process.start()
    samples, used = [], {}
    for _ in processes:
        number, mine = results.get()
        samples.extend(mine)
        used[number] = len(mine)
    for process in processes:
        process.join()
    if items:  # drop the used ones: pairs would be 409s next time, visited pages are rendered already
        setup[name] = [item for n in range(PROCESSES) for item in items[n * chunk + used.get(n, 0):(n + 1) * chunk]]
    latencies = sorted(latency for latency, _ok in samples)

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(samples), "rps": len(samples) / seconds, "p50": percentile(50), "p95": percentile(95),
            "p99": percentile(99), "errors": sum(1 for _latency, ok in samples if not ok)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, redis_url: str | None) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET, MATCHAPP_ENV="production", FLASK_DEBUG="0",
               LOG_LEVEL="WARNING", METRICS_TOKEN=METRICS_TOKEN)
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env["RATELIMIT_STORAGE_URI"] = "memory://"  # one instance: its own counters are all there are
    return env


def start_worker(database_url: str, redis_url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                            env=server_env(database_url, redis_url), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Editor(threading.Thread):
    """Edits a published technology every `every` seconds, as owners do while others browse."""

    def __init__(self, database_url: str, redis_url: str, every: float = 1.0):
        super().__init__(daemon=True)
        self.database_url, self.redis_url, self.every = database_url, redis_url, every
        self.stop, self.edits = threading.Event(), 0

    def run(self):
        os.environ.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, SECRET_KEY=SECRET)
        from sqlalchemy import select

        from matchapp import create_app
        from matchapp.extensions import db
        from matchapp.listings import services
        from matchapp.models import Technology
        app = create_app({"RATELIMIT_STORAGE_URI": "memory://"})
        rng = random.Random(3)
        with app.app_context():
            ids = db.session.scalars(select(Technology.id).where(Technology.status == "published")).all()
            while not self.stop.wait(self.every):
                technology = db.session.get(Technology, rng.choice(ids))
                technology.description = f"{technology.description.split(' [edit')[0]} [edit {self.edits}]"
                services.changed(technology)
                db.session.commit()
                self.edits += 1


def start_gunicorn(database_url: str, port: int, workers: int, redis_url: str | None = None) -> subprocess.Popen:
    env = server_env(database_url, redis_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "4", "--worker-class", "gthread",
         "--bind", f"127.0.0.1:{port}", "--preload", "--log-level", "warning", "bench.load_app:app"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)  # the access log is written
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/_bench/trivial")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def cache_lookups(ports) -> dict:
    """cache name -> (hits, misses), read from each instance's /metrics."""
    found = {}
    for port in ports:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        text = connection.getresponse().read().decode()
        for name, outcome, value in re.findall(
                r'^matchapp_cache_lookups_total\{cache="(\w+)",outcome="(\w+)"\} (\S+)$', text, re.M):
            hits, misses = found.get(name, (0.0, 0.0))
            found[name] = (hits + float(value), misses) if outcome == "hit" else (hits, misses + float(value))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--times", type=int, default=100, help="multiply the demo data this many times")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    parser.add_argument("--instances", type=int, default=1, help="gunicorn instances on the same database")
    parser.add_argument("--redis", help="Redis URL: jobs on a queue with a worker, shared limiter (emptied)")
    parser.add_argument("--reuse", action="store_true", help="keep the data an earlier run loaded into DATABASE_URL")
    parser.add_argument("--only", help="comma-separated endpoints to drive (the two references always run)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="matchapp-load-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/load.sqlite3"
    print(f"preparing {database_url.split('@')[-1]} with the demo data x{args.times} ...", flush=True)
    setup = prepare(database_url, args.times, args.reuse)
    print(f"  loaded in {setup['load_seconds']:.0f} s: " + ", ".join(f"{v} {k}" for k, v in setup["counts"].items()))
    if args.redis:
        import redis
        redis.Redis.from_url(args.redis).flushdb()
    ports = [free_port() for _ in range(args.instances)]
    servers = [start_gunicorn(database_url, port, args.workers, args.redis) for port in ports]
    editor = None
    if args.redis:
        servers.append(start_worker(database_url, args.redis))
        editor = Editor(database_url, args.redis)
        editor.start()
    try:
        setup["cookie"] = login_cookie(ports[0])
        table = {}
        chosen = set(args.only.split(",")) if args.only else None
        for name, endpoint in endpoints(setup).items():
            if chosen is not None and name not in chosen and not name.startswith("ref:"):
                continue
            paced = drive(ports, name, endpoint, setup, args.users, args.seconds, paced=True)
            saturated = drive(ports, name, endpoint, setup, args.users, args.seconds, paced=False)
            table[name] = (paced, saturated)
            print(f"  measured {name}", flush=True)
        lookups = cache_lookups(ports)
    finally:
        if editor:
            editor.stop.set()
            editor.join(timeout=30)
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    shape = f"{args.instances} instance(s) x " if args.instances > 1 else ""
    print(f"\n{args.users} users, {args.seconds:g} s per phase, {shape}gunicorn {args.workers} workers x 4 threads, "
          f"{os.cpu_count()} cores" + (f", a worker on Redis, {editor.edits} listing edits meanwhile" if editor else ""))
    print(f"{'endpoint':<30} {'paced: req/s':>12} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"
          f" | {'saturated: req/s':>16} {'p95 ms':>7} {'errors':>6}")
    for name, (paced, saturated) in table.items():
        print(f"{name:<30} {paced['rps']:>12.1f} {paced['p50']:>7.1f} {paced['p95']:>7.1f} {paced['p99']:>7.1f} "
              f"{paced['errors']:>6} | {saturated['rps']:>16.1f} {saturated['p95']:>7.1f} {saturated['errors']:>6}")
    print("per-process caches, over all instances: " + ", ".join(
        f"{name} {hits / max(1, hits + misses):.0%} hits of {hits + misses:.0f}"
        for name, (hits, misses) in sorted(lookups.items())))
    rows, trivial = table["ref: 20 rows SQLAlchemy+Jinja"][1]["rps"], table["ref: trivial Flask"][1]["rps"]
    app_rows = {k: v for k, v in table.items() if not k.startswith("ref:")}
    worst_p95 = max(paced["p95"] for paced, _ in app_rows.values())
    errors = sum(p["errors"] + s["errors"] for p, s in table.values())
    ratios = {name: table[name][1]["rps"] / rows for name in ("api match list", "match page") if name in table}
    for name, ratio in ratios.items():
        print(f"\n{name} / 20-row page throughput: {ratio:.0%} (target >= 50 %)", end="")
    print()
    if "match page" in table:
        print(f"match page / trivial Flask throughput: {table['match page'][1]['rps'] / trivial:.0%}")
    if "match page, first visits" in table:
        first = table["match page, first visits"][1]["rps"]
        print(f"match page, first visits (cards not yet rendered by that worker) / 20-row page: {first / rows:.0%}")
    print(f"worst paced p95 over MatchApp endpoints: {worst_p95:.0f} ms (target <= 200 ms)")
    print(f"errors: {errors} (target 0)")
    met = all(ratio >= 0.5 for ratio in ratios.values()) and worst_p95 <= 200 and errors == 0
    print(("targets met" if met else "TARGETS MISSED") + (" (for the endpoints chosen)" if chosen else ""))

if __name__ == "__main__":
    main()
