"""Take the README's tour screenshots: the demo served from a throw-away database, each role's pages in Chromium.

    .venv/bin/python tools/screenshots.py [--out docs/tour] [--only NAME,NAME]

What it does, so that the pictures show what `make run` shows:
- a temporary SQLite database (DATABASE_URL=sqlite:///<tmpdir>/shots.sqlite3) with a fixed dummy
  SECRET_KEY, no MAIL_SERVER and no REDIS_URL (jobs inline), migrated with `flask db upgrade`'s code;
- the demo loaded the way `flask seed-demo` loads it (demo.load, rematch + commit, record_outcomes,
  demo_programme.seed);
- the app served on a free loopback port in a thread (werkzeug's make_server, as the tests' live_server);
- Debian's Chromium (/usr/bin/chromium) driven by Playwright logs in as each demo user through the
  login form, switches the language with the header's buttons and saves PNGs of the viewport.

Nothing is downloaded and nothing outside the temporary folder and --out is written. A page that
answers 404 (not built yet) is skipped with a warning; any other failure is reported by name and the
script exits with status 1 after trying the remaining pages. Exit status 2: it could not start.
"""
import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
MAX_BYTES = 300 * 1024
LANGUAGE_BUTTONS = {"en": "English", "ja": "日本語"}
TIMEOUT_MS = 20_000


@dataclass
class Shot:
    """One PNG: whose page, which path ({project}: the commercialised demo project's id), in which language."""
    name: str
    user: str
    path: str
    language: str | None = None  # None: the user's own profile language
    viewport: dict = field(default_factory=lambda: DESKTOP)
    scroll_to: str | None = None  # a CSS selector to bring to the top before the shot


def demo_email(role: str) -> str:
    return f"{role}@demo.matchapp.example"


SHOTS = [
    Shot("company-dashboard-ja", demo_email("company"), "/dashboard", "ja"),
    Shot("company-technology-matches", demo_email("company"), "/technologies/kanmon-rooftop-solar/matches", "en"),
    Shot("city-dashboard", demo_email("city"), "/dashboard", "en"),
    Shot("city-need-matches", demo_email("city"), "/needs/hp-seafood-wastewater/matches", "en"),
    Shot("city-calendar-month", demo_email("city"), "/calendar?view=month", "en"),
    Shot("coordinator-dashboard", demo_email("coordinator"), "/dashboard", "en"),
    Shot("coordinator-project-board", demo_email("coordinator"), "/workspace/projects?view=board", "en"),
    Shot("coordinator-project", demo_email("coordinator"), "/workspace/projects/{project}", "en"),
    Shot("coordinator-figures", demo_email("coordinator"), "/workspace/dashboard", "en"),
    Shot("coordinator-import-ja", demo_email("coordinator"), "/listings/import", "ja", viewport=PHONE),
    Shot("admin-users", demo_email("admin"), "/admin/users", "en"),
    Shot("admin-audit-log", demo_email("admin"), "/admin/audit-log", "en"),
    Shot("partner-search-ja", demo_email("partner"), "/technologies?q=太陽光", "ja"),
    Shot("phone-dashboard", demo_email("city"), "/dashboard", "en", viewport=PHONE),
]


class ShotFailed(Exception):
    """A page could not be photographed; the message says which and why."""


class PageMissing(ShotFailed):
    """The page answers 404 or is not in the URL map: skipped with a warning."""


def configure_environment(tmp: Path) -> None:
    """The settings must be in place before the app reads them (create_app reads os.environ)."""
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{tmp / 'shots.sqlite3'}",
        "SECRET_KEY": "screenshots-only-dummy-secret-key-0123456789",
        "MATCHAPP_ENV": "development",
        "MATCHING_INDEX_CACHE": str(tmp / "matching-index"),
        "LOG_LEVEL": "WARNING",
    })
    for name in ("MAIL_SERVER", "REDIS_URL", "RATELIMIT_STORAGE_URI", "MATCHAPP_WEIGHTS"):
        os.environ.pop(name, None)


def check_prerequisites() -> None:
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"error: {CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    catalog = ROOT / "matchapp/translations/ja/LC_MESSAGES"
    mo, po = catalog / "messages.mo", catalog / "messages.po"
    if not mo.exists():
        raise SystemExit("error: the Japanese catalog is not compiled; run `make translations` first")
    if po.stat().st_mtime > mo.stat().st_mtime:
        print("warning: messages.po is newer than messages.mo; run `make translations` for current Japanese",
              file=sys.stderr)


def prepare_database() -> int:
    """Migrate and load the demo as `flask seed-demo` does; the commercialised project's id."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from matchapp import create_app, demo, demo_programme
    from matchapp.extensions import db
    from matchapp.matching import store
    from matchapp.models import Project

    app = create_app()
    with app.app_context():
        upgrade()
        demo.load()
        store.rematch()
        db.session.commit()
        demo.record_outcomes()
        demo_programme.seed()
        project = db.session.scalar(select(Project.id).where(Project.stage == "commercialisation")
                                    .order_by(Project.id))
        db.session.remove()
        db.engine.dispose()
    if project is None:
        raise SystemExit("error: the demo programme made no commercialised project (matchapp/demo_programme.py)")
    return project


def serve():
    """The app as users get it (CSRF on), on a free loopback port: (base URL, server, app)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from matchapp import create_app

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    # Logins are rate-limited per address; the tour logs in several times from 127.0.0.1.
    app = create_app({"RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, app


def routed(app, path: str) -> bool:
    """Whether the URL map has a GET rule for this path (without its query)."""
    adapter = app.url_map.bind("127.0.0.1")
    try:
        adapter.match(path.split("?", 1)[0], method="GET")
    except Exception:  # NotFound, MethodNotAllowed, a redirect for a trailing slash
        return False
    return True


def log_in(page, base: str, email: str, password: str) -> None:
    response = page.goto(base + "/account/login")
    if response is None or response.status != 200:
        raise ShotFailed(f"the login page answered {response.status if response else 'nothing'}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
    if page.locator("form[action$='/account/logout']").count() == 0:
        raise ShotFailed(f"logging in as {email} failed (still on {page.url})")


def set_language(page, language: str) -> None:
    """Press the header's language button unless the page is already in that language."""
    if page.locator("html").get_attribute("lang") == language:
        return
    button = page.get_by_role("button", name=LANGUAGE_BUTTONS[language], exact=True)
    menu = page.locator("details.menu > summary")
    if button.count() == 0 and menu.count() and menu.first.is_visible():  # a phone: the switch is in the menu
        menu.first.click()
    if button.count() == 0:
        raise ShotFailed(f"no '{LANGUAGE_BUTTONS[language]}' button in the header of {page.url}")
    with page.expect_navigation():
        button.first.click()
    if page.locator("html").get_attribute("lang") != language:
        raise ShotFailed(f"the page stayed in '{page.locator('html').get_attribute('lang')}' after switching "
                         f"to '{language}'")


def take(page, app, base: str, shot: Shot, out: Path, project: int) -> Path:
    path = shot.path.format(project=project)
    if not routed(app, path):
        raise PageMissing(f"{path} is not in the URL map")
    response = page.goto(base + path)
    if response is None:
        raise ShotFailed(f"{path}: no response")
    if response.status == 404:
        raise PageMissing(f"{path} answered 404")
    if response.status != 200:
        raise ShotFailed(f"{path} answered {response.status}{' (redirected to ' + page.url + ')' if page.url != base + path else ''}")
    if shot.language:
        set_language(page, shot.language)
    page.evaluate("document.fonts.ready")
    if shot.scroll_to:
        anchor = page.locator(shot.scroll_to)
        if anchor.count() == 0:
            raise ShotFailed(f"{path}: nothing matches {shot.scroll_to!r} to scroll to")
        anchor.first.evaluate("element => window.scrollBy(0, element.getBoundingClientRect().top - 16)")
    target = out / f"{shot.name}.png"
    page.screenshot(path=str(target), full_page=False)
    return target


def run(shots: list[Shot], out: Path) -> int:
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    from matchapp import demo

    started = time.monotonic()
    project = prepare_database()
    print(f"demo loaded in {time.monotonic() - started:.0f} s; commercialised project id {project}")
    base, server, app = serve()
    out.mkdir(parents=True, exist_ok=True)
    written, skipped, failed = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # One browser context per (user, viewport): a fresh session, logged in once.
            groups: dict[tuple, list[Shot]] = {}
            for shot in shots:
                groups.setdefault((shot.user, shot.viewport["width"]), []).append(shot)
            for (user, _width), group in groups.items():
                viewport = group[0].viewport
                phone = viewport["width"] < 600
                context = browser.new_context(viewport=viewport, locale="en-GB", device_scale_factor=1,
                                              is_mobile=phone, has_touch=phone)
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                try:
                    log_in(page, base, user, demo.DEMO_PASSWORD)
                except (ShotFailed, PlaywrightError) as error:
                    for shot in group:
                        failed.append((shot.name, f"{error}".splitlines()[0]))
                    context.close()
                    continue
                for shot in group:
                    try:
                        written.append(take(page, app, base, shot, out, project))
                    except PageMissing as error:
                        skipped.append((shot.name, str(error)))
                    except (ShotFailed, PlaywrightError) as error:
                        failed.append((shot.name, f"{error}".splitlines()[0]))
                context.close()
            browser.close()
    finally:
        server.shutdown()
    report(written, skipped, failed, out, every_shot=len(shots) == len(SHOTS))
    return 1 if failed else 0


def report(written, skipped, failed, out: Path, every_shot: bool) -> None:
    print(f"\n{len(written)} screenshots written to {out}:")
    for path in written:
        size = path.stat().st_size
        flag = "  <- over 300 KB" if size > MAX_BYTES else ""
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {size // 1024} KB{flag}")
    for name, why in skipped:
        print(f"warning: skipped {name}: {why}", file=sys.stderr)
    for name, why in failed:
        print(f"error: {name}: {why}", file=sys.stderr)
    stale = {p.name for p in out.glob("*.png")} - {p.name for p in written}
    if stale and every_shot:
        print(f"warning: not rewritten this run (left from an earlier one): {', '.join(sorted(stale))}",
              file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "tour", help="folder for the PNGs")
    parser.add_argument("--only", default="", help="comma-separated shot names (default: all)")
    args = parser.parse_args()
    shots = SHOTS
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - {shot.name for shot in SHOTS}
        if unknown:
            print(f"error: unknown shot(s) {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in SHOTS)}",
                  file=sys.stderr)
            return 2
        shots = [shot for shot in SHOTS if shot.name in wanted]
    check_prerequisites()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="matchapp-shots-") as tmp:
        configure_environment(Path(tmp))
        return run(shots, args.out.resolve())


if __name__ == "__main__":
    sys.exit(main())
