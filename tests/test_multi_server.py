"""Several servers on one PostgreSQL and one Redis, as a city's IT department runs MatchApp.

Two gunicorn instances on different ports and one `flask worker`, real processes:
an edit through one instance is matched when read through the other, login limits are
shared, a worker killed in the middle of an import leaves nothing half-written and the
job is retried to completion, and /healthz follows PostgreSQL going away and coming back.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchapp.models import Match, PendingUpload, Technology

from . import factories
from .faults import ROOT, SECRET, free_port, wait_for_port
from .test_concurrency import call
from .test_faults import logged_in_opener
from .test_listings import technology_form

pytestmark = [pytest.mark.postgres_only, pytest.mark.redis]


def environment(database_url: str, redis_url: str) -> dict:
    return dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=SECRET,
                MATCHAPP_ENV="development", FLASK_DEBUG="0", LOG_FORMAT="json")


@pytest.fixture
def servers(app, db, database_url, redis_url, users, tmp_path):
    """{"a": url, "b": url, "worker": process}; every process is stopped afterwards."""
    env = environment(database_url, redis_url)
    ports = {"a": free_port(), "b": free_port()}
    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("a", "b", "worker")}
    processes = {name: subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                                         f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                                        stdout=logs[name], stderr=subprocess.STDOUT, start_new_session=True)
                 for name, port in ports.items()}
    processes["worker"] = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                           env=env, stdout=logs["worker"], stderr=subprocess.STDOUT,
                                           start_new_session=True)
    for name, port in ports.items():
        wait_for_port(port, 60)
        # The port opens before the workers have loaded the sentence encoder (post_worker_init): wait
        # until the app answers, so that a busy machine's slow start is not taken for a failure.
        assert eventually(lambda: ready(port), seconds=180, every=0.5), (tmp_path / f"{name}.log").read_text()[-3000:]
    yield {"a": f"http://127.0.0.1:{ports['a']}", "b": f"http://127.0.0.1:{ports['b']}",
           "worker": processes["worker"], "logs": tmp_path}
    for process in processes.values():
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
    for handle in logs.values():
        handle.close()


def eventually(check, seconds: float = 20, every: float = 0.2):
    deadline = time.time() + seconds
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(every)


def post_form(opener, url: str, page_url: str, fields: dict):
    """Post a form the way a browser does: with the CSRF and one-time tokens from the page."""
    page = opener.open(page_url, timeout=20).read().decode()
    tokens = dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"', page))
    body = urllib.parse.urlencode({**fields, **tokens}, doseq=True).encode()
    with opener.open(url, data=body, timeout=60) as response:
        return response.status, response.geturl()


def test_a_listing_created_through_one_server_is_matched_when_read_through_the_other(servers, db, users):
    factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV for the industrial park")
    port_a = int(servers["a"].rsplit(":", 1)[1])
    firm = logged_in_opener(port_a, "firm@example.com")
    status, _ = post_form(firm, f"{servers['a']}/technologies/new", f"{servers['a']}/technologies/new",
                          technology_form(title_alt="Rooftop solar PV for factories"))
    assert status == 200
    token = call(f"{servers['b']}/api/v1/tokens", {"email": "city@example.com", "password": factories.PASSWORD})[1]
    started = time.time()

    def matched_through_b():
        request = urllib.request.Request(f"{servers['b']}/api/v1/needs/ip-solar/matches?top=5",
                                         headers={"Authorization": f"Bearer {token['token']}"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return [item["technology"] for item in json.loads(response.read())]

    refs = eventually(matched_through_b, seconds=15)
    assert refs, "the new technology never appeared in B's matches"
    assert time.time() - started < 15
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Match)) >= 1  # stored by the worker's job


def test_wrong_logins_spread_over_both_servers_are_limited_as_one(servers, db, users):
    import http.cookiejar
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(f"{servers['a']}/account/login", timeout=20).read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answers = []
    for attempt in range(30):
        server = servers["a"] if attempt % 2 else servers["b"]
        body = urllib.parse.urlencode({"csrf_token": csrf, "email": "firm@example.com",
                                       "password": "wrong password"}).encode()
        try:
            browser.open(f"{server}/account/login", data=body, timeout=20).close()
            answers.append(200)
        except urllib.error.HTTPError as error:
            answers.append(error.code)
    # The limit is 10 a minute per address and per account, counted in Redis for both servers
    # (counted per process, 2 servers x 2 workers would have let up to 40 through).
    assert answers == [401] * 10 + [429] * 20, answers


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def horse_of(worker_pid: int) -> int | None:
    """The work horse: the child process the RQ worker forked to run the current job."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == worker_pid:
                return int(entry.name)
    return None


def test_a_worker_killed_in_the_middle_of_an_import_writes_nothing_and_the_job_is_retried(servers, db, users,
                                                                                         redis_url):
    import redis
    count = 1500
    bundle = {"companies": [{"ref": "hokusan", "name": "Hokusan", "home_city": "Toyama"}],
              "technologies": [{"ref": f"retrofit-{n}", "company": "hokusan",
                                "title": f"CNG bus retrofit number {n}", "description": f"Kit {n} for city buses",
                                "sectors": ["transport"], "countries": ["ID"], "language": "en"}
                               for n in range(count)]}
    port_a = int(servers["a"].rsplit(":", 1)[1])
    coordinator = logged_in_opener(port_a, "coordinator@example.com")
    page = coordinator.open(f"{servers['a']}/listings/import", timeout=20).read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    boundary = "----matchapp-test"
    parts = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
             f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbundle\r\n'
             f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n'
             f'Content-Type: application/json\r\n\r\n{json.dumps(bundle)}\r\n--{boundary}--\r\n').encode()
    request = urllib.request.Request(f"{servers['a']}/listings/import", data=parts,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    preview = coordinator.open(request, timeout=60).geturl()
    status, progress_url = post_form(coordinator, preview, preview, {})
    assert status == 200 and progress_url.endswith("/progress")
    upload_id = int(progress_url.rstrip("/").split("/")[-2])

    progress_key = f"matchapp:progress:upload:{upload_id}"
    connection = redis.Redis.from_url(redis_url)
    under_way = eventually(lambda: (raw := connection.get(progress_key)) and 0 < json.loads(raw)["done"] < count,
                           seconds=60, every=0.02)
    assert under_way, (servers["logs"] / "worker.log").read_text()[-3000:]  # the import never got under way
    horse = horse_of(servers["worker"].pid)
    assert horse is not None
    os.kill(horse, signal.SIGKILL)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Technology)) == 0  # nothing half-written
    assert db.session.get(PendingUpload, upload_id).state == "queued"

    def finished():
        db.session.expire_all()
        return db.session.get(PendingUpload, upload_id).state == "done"

    assert eventually(finished, seconds=120, every=0.5), (servers["logs"] / "worker.log").read_text()[-3000:]
    assert db.session.scalar(select(func.count()).select_from(Technology)) == count
    page = coordinator.open(progress_url, timeout=20).read().decode()
    assert f"Technologies: {count} new, 0 updated" in page


def test_healthz_turns_503_while_postgresql_is_stopped_and_200_when_it_is_back(servers):
    restart = os.environ["PG_RESTART_COMMAND"].split()
    stop, start = restart[:-1] + ["stop"], restart[:-1] + ["start"]

    def health():
        try:
            with urllib.request.urlopen(f"{servers['a']}/healthz", timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert health() == (200, {"status": "ok", "database": "ok", "queue": "ok"})
    subprocess.run(stop, check=True)
    try:
        assert health() == (503, {"status": "unavailable", "database": "unavailable", "queue": "ok"})
    finally:
        subprocess.run(start, check=True)
    assert eventually(lambda: health()[0] == 200, seconds=30)
    assert health() == (200, {"status": "ok", "database": "ok", "queue": "ok"})


def test_two_workers_running_the_outbox_at_once_deliver_each_message_exactly_once(app_config, db, database_url,
                                                                                   redis_url, users):
    from matchapp import create_app, queue
    from matchapp.models import OutboxEmail

    from .mailserver import start_server, wait_for
    for n in range(40):
        db.session.add(OutboxEmail(to=f"user{n}@example.com", subject=f"Message {n}", body="Hello"))
    db.session.commit()
    port = free_port()
    app = create_app(dict(app_config, REDIS_URL=redis_url))
    for _ in range(4):  # several scheduled runs waiting at once, as after a pause
        queue.push(app, "send_outbox", [])
    controller, inbox = start_server(port)
    try:
        env = dict(environment(database_url, redis_url), MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
        workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
        outputs = [worker.communicate(timeout=180)[0].decode()[-2000:] for worker in workers]
        messages = wait_for(inbox, 40, seconds=10)
    finally:
        controller.stop()
    assert all(worker.returncode == 0 for worker in workers), outputs
    assert sorted(m.rcpt_tos[0] for m in messages) == sorted(f"user{n}@example.com" for n in range(40))
