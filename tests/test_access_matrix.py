"""The access-control matrix: every route x every actor -> the status they get.

The routes come from the application's own URL map, so a new route without an
entry here fails the test. Requests carry session cookies only: the API answers
401 to all of them (it accepts bearer tokens, never cookies).
"""
from sqlalchemy import select

from matchapp.extensions import db
from matchapp.models import User
from matchapp.models.base import utcnow

from . import factories

ACTORS = ("anonymous", "company_a", "company_b", "city_x", "city_y", "coordinator", "admin")
EMAILS = {"company_a": "firm@example.com", "company_b": "b@rival.example", "city_x": "city@example.com",
          "city_y": "y@danang.example", "coordinator": "coordinator@example.com", "admin": "admin@example.com"}


def expect(anonymous=302, company_a=200, company_b=200, city_x=200, city_y=200, coordinator=200, admin=200):
    return dict(zip(ACTORS, (anonymous, company_a, company_b, city_x, city_y, coordinator, admin)))


EVERYONE = expect(anonymous=200)
LOGGED_IN = expect()
STAFF = expect(company_a=403, company_b=403, city_x=403, city_y=403)
ADMIN = expect(company_a=403, company_b=403, city_x=403, city_y=403, coordinator=403)
PARTIES = expect(company_b=404, city_y=404)              # the two organisations of an introduction, and staff
OWN_DRAFT = expect(company_b=404, city_x=404, city_y=404)  # company A's draft
EDIT_A = expect(company_b=403, city_x=403, city_y=403)     # company A's public technology
API = dict.fromkeys(ACTORS, 401)
ANONYMOUS_ONLY = expect(anonymous=200, company_a=302, company_b=302, city_x=302, city_y=302, coordinator=302, admin=302)


def user_id(actor: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == EMAILS[actor]))


def get_matrix(w):
    """GET routes: endpoint -> (URL, expected status per actor)."""
    return {
        "static": ("/static/style.css", EVERYONE),
        "main.index": ("/", EVERYONE),
        "main.dashboard": ("/dashboard", LOGGED_IN),
        "main.calendar_page": ("/calendar", LOGGED_IN),
        "main.organisations": ("/organisations", STAFF),
        "main.audit_log": ("/admin/audit", {**ADMIN, "admin": 301}),  # moved to /admin/audit-log
        "accounts.login": ("/account/login", ANONYMOUS_ONLY),
        "accounts.register": ("/account/register", ANONYMOUS_ONLY),
        "accounts.profile": ("/account/profile", LOGGED_IN),
        "accounts.request_password_reset": ("/account/password-reset", EVERYONE),
        "accounts.reset_password": ("/account/password-reset/forged-token", dict.fromkeys(ACTORS, 400)),
        "accounts.confirm_address": ("/account/confirm/forged-token", dict.fromkeys(ACTORS, 303)),
        "admin.accept_invitation": ("/account/invitation/forged-token", dict.fromkeys(ACTORS, 400)),
        "admin.users": ("/admin/users?role=company&q=firm", ADMIN),
        "admin.invite": ("/admin/users/invite", ADMIN),
        "admin.user": (f"/admin/users/{user_id('company_b')}", ADMIN),
        "admin.organisations_page": ("/admin/organisations", ADMIN),
        "admin.edit_company": ("/admin/companies/rival", ADMIN),
        "admin.edit_city": ("/admin/cities/da-nang", ADMIN),
        "admin.reference_data": ("/admin/reference", ADMIN),
        "admin.edit_sector": ("/admin/sectors/renewable_energy", ADMIN),
        "admin.edit_country": ("/admin/countries/VN", ADMIN),
        "admin.audit_log": ("/admin/audit-log?action=login", ADMIN),
        "admin.audit_csv": ("/admin/audit-log.csv", ADMIN),
        "listings.browse": ("/technologies", LOGGED_IN),
        "listings.detail": (f"/technologies/{w['draft']}", OWN_DRAFT),
        "listings.create": ("/technologies/new", expect(city_x=403, city_y=403)),
        "listings.edit": ("/technologies/rooftop-pv/edit", EDIT_A),
        "listings.organisation": ("/organisations/companies/kanmon", LOGGED_IN),
        "listings.saved_searches": ("/searches", LOGGED_IN),
        "listings.stale": ("/listings/stale", STAFF),
        "listings.upload": ("/listings/import", STAFF),
        "listings.preview": (f"/listings/import/{w['upload']}", dict(STAFF, admin=404)),
        "listings.import_progress": (f"/listings/import/{w['upload']}/progress", dict(STAFF, admin=404)),
        "ops.healthz": ("/healthz", EVERYONE),
        "ops.failed_jobs": ("/admin/jobs", ADMIN),
        "ops.metrics": ("/metrics", dict(dict.fromkeys(ACTORS, 404), admin=200)),
        "listings.export_listings": ("/listings/export/needs.xlsx", STAFF),
        "matching.for_need": ("/needs/ip-solar/matches", LOGGED_IN),
        "matching.for_technology": ("/technologies/rooftop-pv/matches", LOGGED_IN),
        "matching.overview": ("/matches", STAFF),
        "introductions.index": ("/introductions", LOGGED_IN),
        "introductions.detail": (f"/introductions/{w['intro']}", PARTIES),
        "introductions.attachment": (f"/introductions/{w['intro']}/messages/{w['message']}/attachment", PARTIES),
        "introductions.inbox": ("/inbox", LOGGED_IN),
        "introductions.open_notification": (f"/inbox/{w['notification']}",
                                            expect(company_a=303, company_b=404, city_x=404, city_y=404,
                                                   coordinator=404, admin=404)),
        "introductions.meeting_ics": (f"/meetings/{w['meeting']}.ics", PARTIES),
        "introductions.calendar_feed": ("/calendar/calendar-token-of-company-a-123.ics", EVERYONE),
        "events.index": ("/events", LOGGED_IN),
        "events.detail": (f"/events/{w['event']}", PARTIES),
        "events.agenda": (f"/events/{w['event']}/agenda?participant={w['participant']}", PARTIES),
        "events.agenda_ics": (f"/events/{w['event']}/agenda.ics?participant={w['participant']}", PARTIES),
        "events.create": ("/events/new", STAFF),
        "events.matrix": (f"/events/{w['event']}/matrix", STAFF),
        "workspace.screening": ("/workspace/jcm", LOGGED_IN),
        "workspace.pipeline": ("/workspace/projects", STAFF),
        "workspace.pipeline_table": ("/workspace/projects.xlsx", STAFF),
        "workspace.project": (f"/workspace/projects/{w['project']}", STAFF),
        "workspace.consultation": (f"/workspace/projects/{w['project']}/consultation", STAFF),
        "workspace.document": (f"/workspace/projects/{w['project']}/documents/1", STAFF),
        "workspace.dashboard": ("/workspace/dashboard", STAFF),
        "workspace.figures_table": ("/workspace/dashboard/funnel.xlsx", STAFF),
        "workspace.reports": ("/workspace/reports", STAFF),
        "workspace.yearly_report": (f"/workspace/reports/Kitakyushu/{utcnow().year}", STAFF),
        "workspace.booklet": ("/workspace/booklet/hai-phong", STAFF),
        "workspace.announcements": ("/workspace/announcements", STAFF),
        "api.openapi": ("/api/v1/openapi.json", EVERYONE),
        "api.needs": ("/api/v1/needs", API),
        "api.need": ("/api/v1/needs/ip-solar", API),
        "api.need_matches": ("/api/v1/needs/ip-solar/matches", API),
        "api.technologies": ("/api/v1/technologies", API),
        "api.technology": ("/api/v1/technologies/rooftop-pv", API),
        "api.get_introduction": (f"/api/v1/introductions/{w['intro']}", API),
        "api.jcm_screen": ("/api/v1/jcm/screen", API),
        "api.list_meetings": ("/api/v1/meetings", API),
        # a token this server did not sign opens nothing, whoever holds it (the signed one: test_mail_standards)
        "accounts.unsubscribe": ("/account/unsubscribe/not-a-signed-token", dict.fromkeys(ACTORS, 404)),
        "api.meeting_ics": (f"/api/v1/meetings/{w['meeting']}.ics", API),
    }


def post_matrix(w):
    """POST-only routes: what an anonymous visitor and an outsider (company B) get; nothing is written."""
    i, p, e = w["intro"], w["project"], w["event"]
    staff_only = {"anonymous": 302, "company_b": 403}
    hidden = {"anonymous": 302, "company_b": 404}
    return {
        "accounts.calendar_token": ("/account/calendar", {"anonymous": 302, "company_b": 303}),
        "accounts.create_token": ("/account/tokens", {"anonymous": 302, "company_b": 303}),
        "accounts.digest_preference": ("/account/digest", {"anonymous": 302, "company_b": 303}),
        "accounts.resend_confirmation": ("/account/confirm", {"anonymous": 302, "company_b": 303}),
        "accounts.revoke_calendar": ("/account/calendar/revoke", {"anonymous": 302, "company_b": 303}),
        "accounts.revoke_token": (f"/account/tokens/{w['token']}/revoke", hidden),
        "admin.change_role": (f"/admin/users/{user_id('city_y')}/role", staff_only),
        "admin.deactivate": (f"/admin/users/{user_id('city_y')}/deactivate", staff_only),
        "admin.reactivate": (f"/admin/users/{user_id('city_y')}/reactivate", staff_only),
        "admin.resend_invitation": (f"/admin/users/{user_id('city_y')}/invitation", staff_only),
        "admin.merge_company": ("/admin/companies/rival/merge", staff_only),
        "admin.merge_city": ("/admin/cities/da-nang/merge", staff_only),
        "admin.add_rule": ("/admin/jcm-rules", staff_only),
        "admin.delete_rule": ("/admin/jcm-rules/1/delete", staff_only),
        "api.create_introduction": ("/api/v1/introductions", {"anonymous": 401, "company_b": 401}),
        "api.create_token": ("/api/v1/tokens", {"anonymous": 400, "company_b": 400}),
        "api.introduction_action": (f"/api/v1/introductions/{i}/close", {"anonymous": 401, "company_b": 401}),
        "api.propose_meeting": (f"/api/v1/introductions/{i}/meetings", {"anonymous": 401, "company_b": 401}),
        "api.reschedule_meeting": (f"/api/v1/meetings/{w['meeting']}/reschedule", {"anonymous": 401, "company_b": 401}),
        "api.confirm_meeting": (f"/api/v1/meetings/{w['meeting']}/confirm", {"anonymous": 401, "company_b": 401}),
        "api.cancel_meeting": (f"/api/v1/meetings/{w['meeting']}/cancel", {"anonymous": 401, "company_b": 401}),
        "events.add_member": (f"/events/{e}/meetings/1/add", staff_only),
        "events.delete_meeting": (f"/events/{e}/meetings/1/delete", staff_only),
        "events.move": (f"/events/{e}/meetings/1/move", staff_only),
        "events.outcome": (f"/events/{e}/meetings/1/outcome", staff_only),
        "events.rules": (f"/events/{e}/rules", staff_only),
        "events.publish": (f"/events/{e}/publish", staff_only),
        "events.schedule": (f"/events/{e}/schedule", staff_only),
        "events.unpublish": (f"/events/{e}/unpublish", staff_only),
        "events.interests": (f"/events/{e}/interests", hidden),
        "introductions.act": (f"/introductions/{i}/close", hidden),
        "introductions.confirm_meeting": (f"/meetings/{w['meeting']}/confirm", hidden),
        "introductions.cancel_meeting": (f"/meetings/{w['meeting']}/cancel", hidden),
        "introductions.reschedule_meeting": (f"/meetings/{w['meeting']}/reschedule", hidden),
        "introductions.post_message": (f"/introductions/{i}/messages", hidden),
        "introductions.propose_meeting": (f"/introductions/{i}/meetings", hidden),
        "introductions.create": ("/introductions", {"anonymous": 302, "company_b": 400}),
        "introductions.mark_read": ("/inbox/read", {"anonymous": 302, "company_b": 303}),
        "listings.change_status": (f"/technologies/{w['draft']}/publish", hidden),
        "listings.delete_search": (f"/searches/{w['search']}/delete", hidden),
        "listings.discard_upload": (f"/listings/import/{w['upload']}/discard", staff_only),
        "listings.mark_seen": (f"/searches/{w['search']}/seen", hidden),
        "listings.save_search": ("/needs/searches", {"anonymous": 302, "company_b": 303}),
        "matching.dismiss": ("/matches/ip-solar/rooftop-pv/dismiss", hidden),
        "main.set_language": ("/language", {"anonymous": 302, "company_b": 302}),
        "workspace.add_funding": (f"/workspace/projects/{p}/funding", staff_only),
        "workspace.add_document": (f"/workspace/projects/{p}/documents", staff_only),
        "workspace.screen_project": (f"/workspace/projects/{p}/screening", staff_only),
        "workspace.add_member": (f"/workspace/projects/{p}/members", staff_only),
        "workspace.add_monitoring": (f"/workspace/projects/{p}/monitoring", staff_only),
        "workspace.from_introduction": (f"/workspace/introductions/{i}/project", staff_only),
        "workspace.move_stage": (f"/workspace/projects/{p}/stage", staff_only),
        "workspace.save_details": (f"/workspace/projects/{p}/details", staff_only),
        "accounts.logout": ("/account/logout", {"anonymous": 302, "company_b": 302}),
    }


def test_every_route_has_an_entry_and_every_actor_gets_the_expected_status(app, world):
    gets, posts = get_matrix(world), post_matrix(world)
    routes = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    missing = sorted(e for e, methods in routes.items() if e not in gets and e not in posts)
    assert missing == [], f"routes without an entry in the access matrix: {missing}"
    assert all("GET" in routes[e] for e in gets) and all("GET" not in routes[e] for e in posts)

    clients = {actor: app.test_client() for actor in ACTORS}
    for actor, email in EMAILS.items():
        response = clients[actor].post("/account/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 302, actor
    wrong = []
    for endpoint, (url, expected) in gets.items():
        for actor in ACTORS:
            status = clients[actor].get(url).status_code
            if status != expected[actor]:
                wrong.append(f"GET {url} as {actor}: {status}, expected {expected[actor]}")
            assert status < 500
    for endpoint, (url, expected) in posts.items():
        for actor, status_expected in expected.items():
            status = clients[actor].post(url).status_code
            if status != status_expected:
                wrong.append(f"POST {url} as {actor}: {status}, expected {status_expected}")
    assert wrong == []
