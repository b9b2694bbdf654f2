"""Can timing tell which addresses have accounts? Login and reset requests for a real and an unknown address.

Serves the app on loopback (threaded Werkzeug server, a real SMTP server on loopback for
the reset mail) and times, from the client, N wrong-password logins and N reset requests
for an existing and for an unknown address. Before the dummy hash and the reset mail
sent by a job after the response, the answers took ~680 vs ~42 ms (login) and ~150 vs
~45 ms (reset). Target: the medians within 20 % of each other.

Requests are 0.1 s apart. Without REDIS_URL (as here) the job that sends a reset mail
runs in the web process after the response, so a request that arrives while it runs
shares the CPU with it; back to back, the answer after a real address's request is
then a few milliseconds slower. With REDIS_URL the job runs in the worker instead.

Run: .venv/bin/python bench/enumeration.py [--n 20]
"""
import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from matchapp import create_app
    from matchapp.accounts import services
    from matchapp.extensions import db
    from tests.mailserver import free_port, start_server

    smtp = free_port()
    folder = tempfile.mkdtemp(prefix="matchapp-enum-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/enum.sqlite3", "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "enumeration-benchmark-secret-0123456789", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": smtp, "MATCHING_INDEX_CACHE": "", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        services.create_user("known@example.com", "correct horse battery", "coordinator")
        db.session.commit()
    controller, inbox = start_server(smtp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # time the answer itself, not the page it redirects to

    poster = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def timed_post(path: str, fields: dict) -> float:
        time.sleep(0.1)  # the previous request's job (a mail) has finished: time this request alone
        page = browser.open(base + path, timeout=30).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        started = time.perf_counter()
        try:
            poster.open(base + path, data=body, timeout=30).read()
        except urllib.error.HTTPError as error:
            error.read()
        return (time.perf_counter() - started) * 1000

    results = {}
    for label, path, make in (
            ("login, wrong password", "/account/login", lambda email: {"email": email, "password": "wrong one"}),
            ("password reset request", "/account/password-reset", lambda email: {"email": email})):
        for who in ("known@example.com", "nobody@example.com"):
            timed_post(path, make(who))  # warm
            results[(label, who)] = statistics.median(timed_post(path, make(who)) for _ in range(args.n))
    server.shutdown()
    time.sleep(0.5)
    controller.stop()
    print(f"medians of {args.n} requests each, ms (reset mails received: {len(inbox.messages)})")
    worst = 0.0
    for label in ("login, wrong password", "password reset request"):
        known, unknown = results[(label, "known@example.com")], results[(label, "nobody@example.com")]
        gap = abs(known - unknown) / max(known, unknown)
        worst = max(worst, gap)
        print(f"  {label:<24} existing {known:7.1f}   unknown {unknown:7.1f}   difference {gap:.0%}")
    print("target met (within 20 %)" if worst <= 0.2 else "TARGET MISSED")


if __name__ == "__main__":
    main()
