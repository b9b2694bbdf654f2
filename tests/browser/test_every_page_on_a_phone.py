"""Every page each role may open fits a 360 px phone, in English and in Japanese: nothing scrolls sideways,
and chart labels stay readable. The menu folds into a button on a phone and works without JavaScript.

The pages come from the application's URL map, so a new page is checked without touching this file;
a path parameter the test cannot fill fails it, with the rule named.
"""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for
from playwright.sync_api import Error as PlaywrightError, expect
from sqlalchemy import select

from matchapp import demo, mail
from matchapp.accounts import reset, signup
from matchapp.accounts.services import create_user
from matchapp.events import services as events
from matchapp.introductions import meetings, services as introductions
from matchapp.models import (City, Company, Event, EventParticipant, Message, Need, Notification, PendingUpload,
                             SavedSearch, Technology, User)
from matchapp.models.base import utcnow
from matchapp.workspace import projects

from ..factories import PASSWORD

WIDTH = 360
SMALLEST_TEXT = 11  # px, chart text as rendered on the phone
EXTENSIONS_OF_DOWNLOADS = (".csv", ".ics", ".xlsx", ".json", ".pdf")
NOT_PAGES = {  # GET routes that answer something other than a page a person reads
    "static": "a file",
    "ops.metrics": "figures for Prometheus",
    "ops.healthz": "a health check",
    "accounts.logout": "an action",
    "introductions.attachment": "a download",
    "workspace.document": "a download",
    "listings.export_listings": "a download (.csv or .xlsx)",
    "workspace.pipeline_table": "a download (.csv or .xlsx)",
    "workspace.figures_table": "a download (.csv or .xlsx)",
}
ROLES = {"anonymous": None, **{role: email for email, role, *_ in demo.DEMO_USERS}}
# Pages each role must have opened: proof that logging in worked and the parameters were filled.
KEY_PAGES = {
    "anonymous": {"main.index", "accounts.login", "accounts.register", "accounts.request_password_reset",
                  "accounts.reset_password", "accounts.confirm_address"},
    "company": {"main.dashboard", "listings.browse", "listings.detail", "listings.create", "listings.edit",
                "matching.for_technology", "introductions.detail", "introductions.inbox", "events.detail",
                "events.agenda", "accounts.profile"},
    "city": {"main.dashboard", "listings.browse", "listings.detail", "listings.create", "listings.edit",
             "matching.for_need", "introductions.detail", "events.detail", "events.agenda", "accounts.profile"},
    "coordinator": {"main.dashboard", "listings.browse", "listings.detail", "listings.edit", "main.organisations",
                    "matching.overview", "workspace.dashboard", "workspace.pipeline", "workspace.project",
                    "workspace.consultation", "workspace.yearly_report", "workspace.booklet", "listings.preview",
                    "listings.import_progress", "events.create", "events.agenda", "accounts.profile"},
    "admin": {"main.dashboard", "ops.failed_jobs", "workspace.dashboard", "listings.preview", "listings.stale",
              "accounts.profile"},
    "partner": {"main.dashboard", "listings.browse", "listings.detail", "matching.for_need",
                "matching.for_technology", "accounts.profile"},
}
LONG_URL = "https://meet.example.com/j/kanmon-solar-and-hai-phong-industrial-park-rooftop-solar-feasibility-call-2026"

# The page's width, and the rendered size of its smallest chart text (scaled by any SVG viewBox).
MEASURES = """() => {
  const sizes = [...document.querySelectorAll("svg text")]
    .map((text) => parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a);
  return [document.documentElement.scrollWidth, sizes.length ? Math.min(...sizes) : null];
}"""
# The innermost elements sticking out of the viewport, widest first, each with its path from <main> or <body>,
# leaving out those a container clips or scrolls: one of its containing blocks (an absolutely positioned
# element's is its nearest positioned ancestor, and it escapes the containers in between).
OFFENDERS = """(limit) => {
  const out = (element) => element.getBoundingClientRect().right > limit + 0.5;
  const lifted = (style) => style.position === "absolute" || style.position === "fixed";
  const clipped = (element) => {
    let skipStatic = lifted(getComputedStyle(element));
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (skipStatic && style.position === "static") continue;
      if (style.overflowX !== "visible" && !out(up)) return true;
      skipStatic = lifted(style);
    }
    return false;
  };
  const name = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + [...element.classList].map((c) => "." + c).join("");
  const describe = (element) => {
    const path = [];
    for (let up = element; up && up !== document.body && up.tagName !== "MAIN"; up = up.parentElement) path.unshift(name(up));
    const box = element.getBoundingClientRect();
    return {path: path.join(" > "), width: Math.round(box.width), right: Math.round(box.right),
            text: (element.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50)};
  };
  const sticking = new Set([...document.body.querySelectorAll("*")].filter((e) => out(e) && !clipped(e)));
  return [...sticking].filter((e) => ![...e.children].some((child) => sticking.has(child))).map(describe).sort((a, b) => b.width - a.width).slice(0, 3);
}"""


def test_every_page_fits_a_360_px_phone_in_english(live_server, browser, app, db, screenshot):
    check_every_page(live_server, browser, app, db, screenshot, "en", "English")


def test_every_page_fits_a_360_px_phone_in_japanese(live_server, browser, app, db, screenshot):
    check_every_page(live_server, browser, app, db, screenshot, "ja", "日本語")


def test_the_menu_folds_on_a_phone_opens_from_the_keyboard_and_stays_open_on_a_wide_screen(live_server, browser,
                                                                                          users):
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    log_in(phone, live_server, "coordinator@example.com", PASSWORD)
    figures = phone.get_by_role("link", name="Figures", exact=True)
    expect(figures).to_be_hidden()
    menu = phone.locator(".menu > summary")
    expect(menu).to_have_accessible_name("Menu")  # the icon alone shows at 360 px
    menu.focus()
    phone.keyboard.press("Enter")
    expect(figures).to_be_visible()
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("link", name="Dashboard", exact=True)).to_be_focused()
    assert phone.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus is visible
    figures.click()
    expect(phone.get_by_role("heading", name="Figures")).to_be_visible()
    expect(figures).to_be_hidden()  # a new page starts with the menu folded
    context.close()

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    desktop = context.new_page()
    log_in(desktop, live_server, "coordinator@example.com", PASSWORD)
    expect(desktop.locator(".menu > summary")).to_be_hidden()
    expect(desktop.get_by_role("link", name="Figures", exact=True)).to_be_visible()
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    context.close()


def check_every_page(live_server, browser, app, db, screenshot, language, switch_label):
    data = demo_with_something_of_everything(db, app)
    rules = page_rules(app)
    urls = {role: urls_for(app, rules, data, role) for role in ROLES}
    problems, opened = [], {}
    for role, email in ROLES.items():
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True)
        phone = context.new_page()
        if email:
            log_in(phone, live_server, email, demo.DEMO_PASSWORD)
        phone.goto(live_server + "/")
        phone.get_by_role("button", name=switch_label).click()
        expect(phone.locator("html")).to_have_attribute("lang", language)
        opened[role], seen = set(), set()
        for endpoint, path in urls[role]:
            try:
                response = phone.goto(live_server + path)
            except PlaywrightError as error:
                if "Download is starting" not in error.message:
                    raise
                pytest.fail(f"{path} ({endpoint}) is a download, not a page: add it to NOT_PAGES")
            if response.status in (403, 404):
                continue  # not this role's page
            if response.status >= 400:
                problems.append(f"{role} ({language}) {path} answered {response.status}")
                continue
            shown = phone.url.removeprefix(live_server)
            if shown != path and urlsplit(shown).path in seen:
                continue  # sent to a page already checked (the login page, the dashboard)
            seen.add(urlsplit(shown).path)
            opened[role].add(endpoint if shown == path else endpoint_of(app, shown))
            width, smallest_chart_text = phone.evaluate(MEASURES)
            if width > WIDTH:
                problems.append(f"{role} ({language}) {shown} is {width} px wide; "
                                f"innermost offenders: {phone.evaluate(OFFENDERS, WIDTH)}")
            if smallest_chart_text is not None and smallest_chart_text < SMALLEST_TEXT:
                problems.append(f"{role} ({language}) {shown} has chart text of {smallest_chart_text:.1f} px")
            if role == "coordinator" and path in data["screenshots"]:
                screenshot(phone, f"{language}-" + re.sub(r"\W+", "-", path).strip("-"))
        context.close()
    assert not problems, "Pages that fail or are wider than the phone:\n" + "\n".join(problems)
    for role, expected in KEY_PAGES.items():
        assert expected <= opened[role], f"{role} did not open {sorted(expected - opened[role])}"


def log_in(phone, live_server, email, password):
    phone.goto(live_server + "/account/login")
    phone.get_by_label("E-mail").fill(email)
    phone.get_by_label("Password").fill(password)
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/dashboard")


def endpoint_of(app, shown):
    return app.url_map.bind("localhost").match(urlsplit(shown).path)[0]


def page_rules(app):
    """The GET rules that answer pages, from the URL map."""
    return [rule for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
            if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and not rule.endpoint.startswith("api.")
            and not rule.rule.endswith(EXTENSIONS_OF_DOWNLOADS)]


def urls_for(app, rules, data, role):
    """(endpoint, path) for every page rule, its parameters filled from the data for this role."""
    unknown, urls = [], []
    with app.test_request_context():
        for rule in rules:
            for values in fillings(rule, data, role, unknown):
                query = data["query"].get((rule.endpoint, role), {})
                urls.append((rule.endpoint, url_for(rule.endpoint, **values, **query)))
    if unknown:
        pytest.fail("The test does not know how to fill these path parameters; teach fill() about them:\n"
                    + "\n".join(unknown))
    return urls


def fillings(rule, data, role, unknown):
    """Every combination of values for the rule's parameters: each choice of an <any(...)>, one value of
    every other parameter."""
    combinations = [{}]
    segments = rule.rule.split("/")
    for index, segment in enumerate(segments):
        for converter, name in re.findall(r"<(?:([^<>:]*):)?(\w+)>", segment):
            if converter.startswith("any("):
                choices = [choice.strip() for choice in converter[4:-1].split(",")]
                combinations = [dict(values, **{name: choice}) for values in combinations for choice in choices]
                continue
            filled = []
            for values in combinations:
                options = fill(rule, name, segments[index - 1], values, data, role)
                if options is None:
                    unknown.append(f"{rule.rule} ({rule.endpoint}): <{name}>")
                    return []
                filled += [dict(values, **{name: option}) for option in options]
            combinations = filled
    return combinations


def fill(rule, name, previous_segment, values, data, role):
    """The values to try for one path parameter; None when the test has no idea."""
    if name in ("ref", "code"):  # of the collection the segment before names: "needs", or <kind>'s value
        collection = values.get(re.sub(r".*:|[<>]", "", previous_segment), previous_segment)
        return [data["refs"][collection]] if collection in data["refs"] else None
    if name == "token":
        return [data["tokens"][rule.endpoint]] if rule.endpoint in data["tokens"] else None
    if name in ("notification_id", "upload_id"):
        return [data[name].get(role, 0)]  # 0: this role has none, and gets a 404
    return [data["ids"][name]] if name in data["ids"] else None


def invitation_token(db, users):
    """An administrator's invitation link (made only where the application has invitations)."""
    from matchapp.accounts.services import invite_user
    from matchapp.admin import invitations
    invitee = invite_user(users["admin"], "invited@example.com", "coordinator", name="Invited")
    db.session.flush()
    return invitations.make_token(invitee)


def demo_with_something_of_everything(db, app):
    """The demo, plus an introduction with a meeting and a message, a published event with a schedule,
    a commercialised project with funding and MRV, saved searches, uploads and notifications."""
    demo.load()
    demo.record_outcomes()
    users = {role: db.session.scalar(select(User).where(User.email == email)) for role, email in ROLES.items() if email}
    kanmon = db.session.scalar(select(Company).where(Company.ref == "kanmon-solar"))
    hai_phong = db.session.scalar(select(City).where(City.ref == "hai-phong"))
    need = db.session.scalar(select(Need).where(Need.ref == "hp-ip-waste-liquid"))
    technology = db.session.scalar(select(Technology).where(Technology.ref == "kanmon-rooftop-solar"))
    introduction = introductions.request_introduction(users["city"], need, technology,
                                                      "We would like to discuss rooftops in the Dinh Vu industrial zone.")
    db.session.commit()
    introductions.act(users["company"], introduction, "accept")
    meeting = meetings.propose(users["company"], introduction, [utcnow() + timedelta(days=5)], "online", LONG_URL)
    db.session.commit()
    meetings.confirm(users["city"], meeting, meeting.options[0].id)
    message = Message(introduction_id=introduction.id, author_id=users["city"].id, attachment=b"%PDF",
                      body=f"Our site survey is at {LONG_URL}; write to hai-phong.international-cooperation@example.gov.vn",
                      attachment_name="dinh-vu-industrial-zone-rooftop-survey-2026-final-version.pdf")
    event = Event(title="Kitakyushu–Hai Phong matching session", held_on=utcnow().date(), timezone="Asia/Tokyo",
                  mode="online", url=LONG_URL, created_by_id=users["coordinator"].id,
                  participants=[EventParticipant(company_id=kanmon.id), EventParticipant(city_id=hai_phong.id)])
    db.session.add_all([message, event])
    events.make_slots(event, utcnow().replace(tzinfo=None), 30, 3, 2)
    db.session.flush()
    events.set_interests(event.participants[0], {event.participants[1].id})
    events.propose_schedule(event)
    db.session.commit()
    events.publish(event)
    project = projects.from_introduction(users["coordinator"], introduction)
    db.session.commit()
    projects.move_stage(users["coordinator"], project, project.version, "commercialisation")
    projects.add_funding(users["coordinator"], project, "jcm_subsidy", "granted", 120_000_000, utcnow().year)
    projects.record_monitoring(users["coordinator"], project, utcnow().year, 1250.5, "Metered PV output x grid factor")
    bundle_text = demo.DEMO_BUNDLE.read_text(encoding="utf-8")
    uploads = {role: PendingUpload(user_id=users[role].id, kind="bundle", payload=bundle_text,
                                   filename="matchapp-demo-bundle-with-a-rather-long-file-name-2026-12.json")
               for role in ("coordinator", "admin")}
    db.session.add_all([SavedSearch(user_id=user.id, kind="technologies", name="Solar for industrial parks")
                        for user in users.values()] + list(uploads.values()))
    newcomer = create_user("newcomer@example.com", demo.DEMO_PASSWORD, "company", company=kanmon, verified=False)
    db.session.flush()  # the tokens carry the users' ids
    tokens = {"accounts.confirm_address": lambda: signup.make_token(newcomer),
              "accounts.reset_password": lambda: reset.make_token(users["company"]),
              "admin.accept_invitation": lambda: invitation_token(db, users),
              "accounts.unsubscribe": lambda: mail.unsubscribe_token(users["city"].id)}
    tokens = {endpoint: make() for endpoint, make in tokens.items() if endpoint in app.view_functions}
    db.session.commit()
    notifications = {role: db.session.scalar(select(Notification.id).where(Notification.user_id == user.id)
                                             .order_by(Notification.id.desc()).limit(1))
                     for role, user in users.items()}
    with app.test_request_context():
        screenshots = {url_for("workspace.dashboard"), url_for("main.dashboard"),
                       url_for("listings.detail", kind="technologies", ref=technology.ref)}
    return {
        "refs": {"technologies": technology.ref, "needs": need.ref, "companies": kanmon.ref, "cities": hai_phong.ref,
                 "countries": hai_phong.country.code, "sectors": need.sectors[0].code},
        "ids": {"introduction_id": introduction.id, "event_id": event.id, "project_id": project.id,
                "user_id": users["company"].id, "city_ref": hai_phong.ref, "japanese_city": project.japanese_city,
                "year": utcnow().year},
        "notification_id": {role: value for role, value in notifications.items() if value},
        "upload_id": {role: upload.id for role, upload in uploads.items()},
        "tokens": tokens,
        "query": {("events.agenda", role): {"participant": event.participants[0].id} for role in ("coordinator", "admin")},
        "screenshots": screenshots,
    }
