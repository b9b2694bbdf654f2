"""The administration pages as an administrator meets them: users and invitations, organisation records
(edit, merge) and the audit log with its filters and CSV; coordinators and others are refused."""
import csv
import io
import re
from datetime import timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import func, select

from matchapp.accounts import services
from matchapp.admin import invitations
from matchapp.models import (ApiToken, AuditEvent, City, Company, Event, EventParticipant, JobFailure, Match, Need,
                             Partnership, Project, ProjectMember, Technology, User)
from matchapp.models.base import utcnow

from . import factories
from .factories import PASSWORD
from .mailserver import start_server, wait_for

NEW_PASSWORD = "a sunny terrace in Moji port"


@pytest.fixture
def admin(client, auth, users):
    """The test client, logged in as the administrator."""
    auth.login("admin@example.com")
    return client


def page_of(response) -> str:
    return response.get_data(as_text=True)


def listed(response) -> list[str]:
    """The e-mail addresses in the user list's rows, in order."""
    return re.findall(r'<tr><td><a href="/admin/users/\d+">([^<]+)</a>', page_of(response))


def audit_rows(db, action):
    return [(e.user.email if e.user else None, e.target, e.detail)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def user_by_email(db, email) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def invite(client, **overrides):
    data = {"email": "tanaka@kanmon.example", "name": "Tanaka Hiroshi", "role": "company",
            "organisation": "company:kanmon", "language": "en"}
    data.update(overrides)
    return client.post("/admin/users/invite", data=data)


def invitation_link(user) -> str:
    return f"/account/invitation/{invitations.make_token(user)}"


# --- who may open the pages -------------------------------------------------------------

@pytest.mark.parametrize("email", ["coordinator@example.com", "firm@example.com", "city@example.com"])
def test_only_administrators_open_the_admin_pages(client, auth, users, email):
    auth.login(email)
    for path in ("/admin/users", "/admin/users/invite", "/admin/organisations", "/admin/audit-log",
                 "/admin/audit-log.csv", "/admin/companies/kanmon"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have permission to see this page." in page_of(response)
    assert client.post(f"/admin/users/{users['company'].id}/deactivate").status_code == 403


def test_the_menu_of_an_administrator_leads_to_users_and_the_audit_log(admin):
    dashboard = page_of(admin.get("/dashboard"))
    assert 'href="/admin/users"' in dashboard and 'href="/admin/audit-log"' in dashboard


# --- the list of users -------------------------------------------------------------------

def test_the_user_list_shows_each_account_with_its_role_organisation_state_and_last_login(admin, db, users):
    page = page_of(admin.get("/admin/users"))
    for email in ("firm@example.com", "city@example.com", "coordinator@example.com", "admin@example.com"):
        assert email in page
    assert "Kanmon Solar" in page and "Hai Phong" in page and "Administrator" in page and "Coordinator" in page
    assert "4 users" in page
    logged_in = user_by_email(db, "admin@example.com").last_login_at
    shown = format_datetime(logged_in, "MMM d, y, h:mm\u202fa", tzinfo=ZoneInfo("Asia/Tokyo"), locale="en")
    row = re.search(r"<tr><td><a [^>]*>admin@example.com</a>.*?</tr>", page, re.DOTALL).group(0)
    assert shown in row and "Active" in row
    firm_row = re.search(r"<tr><td><a [^>]*>firm@example.com</a>.*?</tr>", page, re.DOTALL).group(0)
    assert "Never" in firm_row and "Company" in firm_row


def test_the_user_list_is_filtered_by_role_and_by_words(admin, users):
    cities = admin.get("/admin/users?role=city")
    assert listed(cities) == ["city@example.com"] and "1 user" in page_of(cities)
    assert listed(admin.get("/admin/users?q=kanmon")) == ["firm@example.com"]  # the organisation's name
    assert listed(admin.get("/admin/users?q=COORDINATOR@")) == ["coordinator@example.com"]
    assert listed(admin.get("/admin/users?q=ハイフォン")) == ["city@example.com"]  # the Japanese name
    nobody = admin.get("/admin/users?role=company&q=hai+phong")
    assert listed(nobody) == [] and "No user matches these filters." in page_of(nobody)
    assert listed(admin.get("/admin/users?q=%25")) == []  # a SQL wildcard is searched as itself


def test_the_user_list_is_filtered_by_account_state(admin, db, users):
    invite(admin)
    admin.post(f"/admin/users/{users['city'].id}/deactivate")
    assert listed(admin.get("/admin/users?state=invited")) == ["tanaka@kanmon.example"]
    assert listed(admin.get("/admin/users?state=deactivated")) == ["city@example.com"]
    assert "tanaka@kanmon.example" not in listed(admin.get("/admin/users?state=active"))


def test_the_user_list_pages_through_many_accounts(admin, db, users):
    for number in range(55):
        services.create_user(f"person{number:02d}@many.example", PASSWORD, "partner")
    db.session.commit()
    first = admin.get("/admin/users?q=many.example")
    assert "55 users" in page_of(first) and "Page 1 of 2" in page_of(first)
    assert listed(first) == [f"person{number:02d}@many.example" for number in range(50)]
    second = admin.get("/admin/users?q=many.example&page=2")
    assert listed(second) == [f"person{number:02d}@many.example" for number in range(50, 55)]


# --- invitations -------------------------------------------------------------------------

def test_an_invitee_opens_the_mailed_link_sets_a_password_and_is_logged_in(app_config_with_mail, smtp_port, admin,
                                                                        app, db, users):
    controller, inbox = start_server(smtp_port)
    try:
        response = invite(admin)
        messages = wait_for(inbox)
    finally:
        controller.stop()
    assert response.status_code == 303
    page = page_of(admin.get(response.headers["Location"]))
    assert "We sent an invitation to tanaka@kanmon.example" in page and "Invited, not yet accepted" in page
    invitee = user_by_email(db, "tanaka@kanmon.example")
    assert not invitee.active and invitee.company.ref == "kanmon" and invitee.role == "company"
    assert audit_rows(db, "user_invited") == [("admin@example.com", "tanaka@kanmon.example",
                                               "role company; organisation Kanmon Solar")]

    assert len(messages) == 1 and messages[0].rcpt_tos == ["tanaka@kanmon.example"]
    body = message_from_bytes(messages[0].content, policy=policy.default).get_body(("plain",)).get_content()
    assert "invited to MatchApp as Company for Kanmon Solar" in body
    link = re.search(r"https?://[^/\s]+(/account/invitation/\S+)", body).group(1)

    newcomer = app.test_client()
    assert newcomer.post("/account/login", data={"email": "tanaka@kanmon.example", "password": PASSWORD}) \
        .status_code == 401  # no password works before the invitation is accepted
    form = newcomer.get(link)
    assert form.status_code == 200 and "Choose your password" in page_of(form)
    dashboard = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert dashboard.request.path == "/dashboard"
    assert "your password is set and you are logged in" in page_of(dashboard)
    assert "Kanmon Solar" in page_of(dashboard)
    db.session.refresh(invitee)
    assert invitee.active and invitee.email_verified_at is not None and invitee.last_login_at is not None
    assert audit_rows(db, "invitation_accepted") == [("tanaka@kanmon.example", "tanaka@kanmon.example",
                                                      "role company")]

    again = app.test_client().get(link)  # the link works once
    assert again.status_code == 400 and "not valid or was already used" in page_of(again)
    later = app.test_client()
    assert later.post("/account/login", data={"email": "tanaka@kanmon.example", "password": NEW_PASSWORD}) \
        .status_code == 302
    assert later.get("/dashboard").status_code == 200


def test_a_weak_password_is_refused_on_the_invitation_page_and_the_link_still_works(app, admin, db, users):
    invite(admin)
    invitee = user_by_email(db, "tanaka@kanmon.example")
    link = invitation_link(invitee)
    newcomer = app.test_client()
    weak = newcomer.post(link, data={"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 400 and "too common" in page_of(weak)
    db.session.refresh(invitee)
    assert not invitee.active
    assert newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303


def test_an_invitation_needs_the_organisation_its_role_belongs_to(admin, db, users):
    response = invite(admin, organisation="")
    assert response.status_code == 400 and "A company user needs a company." in page_of(response)
    wrong_kind = invite(admin, role="city", organisation="company:kanmon")
    assert wrong_kind.status_code == 400 and "A city user needs a city." in page_of(wrong_kind)
    taken = invite(admin, email="FIRM@example.com")
    assert taken.status_code == 400 and "already exists" in page_of(taken)
    assert user_by_email(db, "tanaka@kanmon.example") is None
    assert audit_rows(db, "user_invited") == []


def test_a_coordinator_is_invited_without_an_organisation(admin, db, users):
    assert invite(admin, email="sato@y-port.example", role="coordinator", organisation="").status_code == 303
    invitee = user_by_email(db, "sato@y-port.example")
    assert invitee.role == "coordinator" and invitee.organisation is None


def test_sending_an_invitation_again_makes_the_earlier_link_stop_working(app, admin, db, users):
    invite(admin)
    invitee = user_by_email(db, "tanaka@kanmon.example")
    old_link = invitation_link(invitee)
    response = admin.post(f"/admin/users/{invitee.id}/invitation", follow_redirects=True)
    assert "A new invitation link was sent to tanaka@kanmon.example" in page_of(response)
    db.session.refresh(invitee)
    assert app.test_client().get(old_link).status_code == 400
    assert app.test_client().get(invitation_link(invitee)).status_code == 200
    assert audit_rows(db, "invitation_resent") == [("admin@example.com", "tanaka@kanmon.example", "")]


def test_a_withdrawn_or_expired_invitation_link_says_so(app, admin, db, users):
    invite(admin)
    invitee = user_by_email(db, "tanaka@kanmon.example")
    link = invitation_link(invitee)
    app.config["INVITATION_MAX_AGE"] = -1
    expired = app.test_client().get(link)
    assert expired.status_code == 400 and "This invitation link has expired" in page_of(expired)
    app.config["INVITATION_MAX_AGE"] = 3600
    withdrawn = admin.post(f"/admin/users/{invitee.id}/deactivate", follow_redirects=True)
    assert "Deactivated" in page_of(withdrawn)
    refused = app.test_client().get(link)
    assert refused.status_code == 400 and "not valid or was already used" in page_of(refused)
    assert audit_rows(db, "user_deactivated") == [("admin@example.com", "tanaka@kanmon.example",
                                                   "invitation withdrawn")]


# --- role, organisation, deactivation ----------------------------------------------------

def test_an_administrator_changes_a_users_role_and_organisation(admin, db, users):
    firm = users["company"]
    response = admin.post(f"/admin/users/{firm.id}/role", data={"role": "city", "organisation": "city:hai-phong"},
                          follow_redirects=True)
    assert "Saved: firm@example.com is now City (Hai Phong)." in page_of(response)
    db.session.refresh(firm)
    assert firm.role == "city" and firm.city.ref == "hai-phong" and firm.company is None
    assert audit_rows(db, "role_change") == [("admin@example.com", "firm@example.com",
                                              "role company → city; organisation Kanmon Solar → Hai Phong")]
    same = admin.post(f"/admin/users/{firm.id}/role", data={"role": "city", "organisation": "city:hai-phong"},
                      follow_redirects=True)
    assert "Nothing was changed." in page_of(same)
    assert len(audit_rows(db, "role_change")) == 1


def test_a_company_role_without_a_company_is_refused_on_the_form(admin, db, users):
    firm = users["company"]
    response = admin.post(f"/admin/users/{firm.id}/role", data={"role": "company", "organisation": ""})
    assert response.status_code == 400 and "A company user needs a company." in page_of(response)
    db.session.refresh(firm)
    assert firm.company.ref == "kanmon"


def test_a_deactivated_user_is_logged_out_and_cannot_log_in_until_reactivated(app, admin, db, users):
    ApiToken.issue(users["company"], "script")
    db.session.commit()
    firm = app.test_client()
    firm.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
    assert firm.get("/dashboard").status_code == 200
    response = admin.post(f"/admin/users/{users['company'].id}/deactivate", follow_redirects=True)
    assert "firm@example.com is deactivated and logged out everywhere." in page_of(response)
    assert "Reactivate" in page_of(response)
    assert firm.get("/dashboard").status_code == 302
    refused = app.test_client().post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
    assert refused.status_code == 401 and "The e-mail address or password is not correct." in page_of(refused)
    assert audit_rows(db, "user_deactivated") == [("admin@example.com", "firm@example.com",
                                                   "1 API token(s) and the calendar feed link revoked")]
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == users["company"].id)) is not None

    again = admin.post(f"/admin/users/{users['company'].id}/deactivate")
    assert again.status_code == 409 and "firm@example.com is already deactivated." in page_of(again)
    admin.post(f"/admin/users/{users['company'].id}/reactivate")
    assert app.test_client().post("/account/login", data={"email": "firm@example.com", "password": PASSWORD}) \
        .status_code == 302
    assert audit_rows(db, "user_reactivated") == [("admin@example.com", "firm@example.com", "")]


def test_an_administrator_cannot_deactivate_or_demote_themself(admin, db, users):
    me = users["admin"]
    response = admin.post(f"/admin/users/{me.id}/deactivate")
    assert response.status_code == 403
    assert "You cannot deactivate your own account." in page_of(response) and "Back to the user" in page_of(response)
    demoted = admin.post(f"/admin/users/{me.id}/role", data={"role": "coordinator", "organisation": ""})
    assert demoted.status_code == 403 and "You cannot change your own role." in page_of(demoted)
    db.session.refresh(me)
    assert me.active and me.role == "admin"
    assert admin.get("/admin/users").status_code == 200  # still logged in


def test_the_last_active_administrator_is_never_removed(db, users):
    """The web cannot reach this (an administrator acts, and they may not remove themself), the services
    refuse it for any other caller."""
    with pytest.raises(services.AccountRefused) as deactivating:
        services.deactivate(users["coordinator"], users["admin"])
    assert deactivating.value.status == 409 and "last active administrator" in str(deactivating.value.message)
    with pytest.raises(services.AccountRefused):
        services.change_role(users["coordinator"], users["admin"], "coordinator")
    second = factories.user("second-admin@example.com", "admin")
    services.deactivate(second, users["admin"])  # with another active administrator it is allowed
    assert not users["admin"].active


# --- organisation records ----------------------------------------------------------------

def test_the_organisation_records_list_companies_and_cities_with_what_they_hold(admin, db, users):
    factories.technology(users["company"].company)
    page = page_of(admin.get("/admin/organisations"))
    assert "Kanmon Solar" in page and "Hai Phong" in page and 'href="/admin/companies/kanmon"' in page
    row = re.search(r"<tr><td><a href=\"/admin/companies/kanmon\">.*?</tr>", page, re.DOTALL).group(0)
    assert re.search(r"<td>1</td><td>1</td></tr>$", row)  # one user, one technology


def test_an_administrator_edits_a_companys_names_and_home_city(admin, db, users):
    response = admin.post("/admin/companies/kanmon", data={"name": "Kanmon Solar Engineering",
                                                           "name_ja": "関門ソーラーエンジニアリング",
                                                           "home_city": "Shimonoseki"}, follow_redirects=True)
    assert "Saved." in page_of(response) and "Kanmon Solar Engineering" in page_of(response)
    company = db.session.scalar(select(Company).where(Company.ref == "kanmon"))
    assert (company.name, company.name_ja, company.home_city) == ("Kanmon Solar Engineering",
                                                                  "関門ソーラーエンジニアリング", "Shimonoseki")
    [(actor, target, detail)] = audit_rows(db, "company_edited")
    assert actor == "admin@example.com" and target == "kanmon"
    assert "home_city 'Kitakyushu' → 'Shimonoseki'" in detail


def test_a_company_needs_a_name_and_one_line_names(admin, db, users):
    empty = admin.post("/admin/companies/kanmon", data={"name": " ", "name_ja": "", "home_city": ""})
    assert empty.status_code == 400 and "This field is required." in page_of(empty)
    broken = admin.post("/admin/companies/kanmon", data={"name": "Kanmon\nSolar", "home_city": ""})
    assert broken.status_code == 400 and "without line breaks" in page_of(broken)
    assert db.session.scalar(select(Company.name).where(Company.ref == "kanmon")) == "Kanmon Solar"


def test_an_administrator_edits_a_citys_names_and_country(admin, db, users):
    response = admin.post("/admin/cities/hai-phong", data={"name": "Hai Phong City", "name_ja": "ハイフォン市",
                                                           "country": "TH"}, follow_redirects=True)
    assert "Saved." in page_of(response)
    city = db.session.scalar(select(City).where(City.ref == "hai-phong"))
    assert city.name == "Hai Phong City" and city.country_code == "TH"
    assert "country 'VN' → 'TH'" in audit_rows(db, "city_edited")[0][2]
    unknown = admin.post("/admin/cities/hai-phong", data={"name": "Hai Phong", "country": "XX"})
    assert unknown.status_code == 400


def duplicate_company_with_everything(db, users):
    """A second record of Kanmon Solar with a user, a technology, a project membership and an event invitation."""
    duplicate = factories.company(ref="kanmon-solar-2", name="Kanmon Solar K.K.", name_ja="")
    factories.user("sales@kanmon.example", "company", company=duplicate)
    factories.technology(duplicate, ref="kanmon-pv-carports", title="Solar carports")
    project = Project(title="Rooftop PV for Dinh Vu", city=users["city"].city,
                      members=[ProjectMember(role="japanese_firm", company_id=duplicate.id)])
    event = Event(title="Kitakyushu pitch day", held_on=utcnow().date(),
                  participants=[EventParticipant(company_id=duplicate.id)])
    db.session.add_all([project, event])
    db.session.commit()
    return duplicate, project, event


def test_merging_a_duplicate_company_moves_its_users_listings_and_memberships_and_deletes_it(admin, db, users):
    _duplicate, project, event = duplicate_company_with_everything(db, users)
    factories.technology(users["company"].company, ref="rooftop-pv")
    factories.need(users["city"].city, ref="ip-solar", title="Solar carports for the industrial park")
    factories.rematch()
    scored = db.session.scalar(select(Match.computed_at).join(Technology).where(Technology.ref == "kanmon-pv-carports"))
    response = admin.post("/admin/companies/kanmon-solar-2/merge", data={"into": "kanmon", "confirm": "y"},
                          follow_redirects=True)
    page = page_of(response)
    assert response.request.path == "/admin/companies/kanmon"
    assert "Kanmon Solar K.K. was merged into Kanmon Solar and deleted" in page
    assert "2 technologies" in page and "2 users" in page
    assert db.session.scalar(select(Company).where(Company.ref == "kanmon-solar-2")) is None
    kanmon = users["company"].company
    assert db.session.scalar(select(Technology.company_id).where(Technology.ref == "kanmon-pv-carports")) == kanmon.id
    assert user_by_email(db, "sales@kanmon.example").company_id == kanmon.id
    assert db.session.get(Project, project.id).members[0].company_id == kanmon.id
    assert db.session.get(Event, event.id).participants[0].company_id == kanmon.id
    [(actor, target, detail)] = audit_rows(db, "company_merged")
    assert actor == "admin@example.com" and target == "kanmon-solar-2 → kanmon"
    assert "moved users: 1, technologies: 1, project members: 1, event invitations: 1" in detail
    listing = page_of(admin.get("/technologies/kanmon-pv-carports"))
    assert "Kanmon Solar" in listing and "Kanmon Solar K.K." not in listing
    # The moved technology was scored again after the commit, now with the survivor's home city.
    rescored = db.session.scalar(select(Match.computed_at).join(Technology).where(Technology.ref == "kanmon-pv-carports"))
    assert scored is not None and rescored > scored
    assert db.session.scalar(select(func.count()).select_from(JobFailure)) == 0


def test_merging_cities_keeps_one_of_each_partnership_and_moves_needs_and_projects(admin, db, users):
    duplicate = factories.city(ref="haiphong", name="Haiphong", partners=("Kitakyushu", "Osaka"))
    factories.need(duplicate, ref="haiphong-landfill", title="Landfill gas")
    factories.user("dnre@haiphong.example", "city", city=duplicate)
    project = Project(title="Landfill gas power", city_id=duplicate.id)
    db.session.add(project)
    db.session.commit()
    response = admin.post("/admin/cities/haiphong/merge", data={"into": "hai-phong", "confirm": "y"})
    assert response.status_code == 303
    hai_phong = db.session.scalar(select(City).where(City.ref == "hai-phong"))
    assert db.session.scalar(select(City).where(City.ref == "haiphong")) is None
    assert sorted(hai_phong.japanese_partners) == ["Kitakyushu", "Osaka"]
    assert db.session.scalar(select(func.count()).select_from(Partnership)) == 2
    assert db.session.scalar(select(Need.city_id).where(Need.ref == "haiphong-landfill")) == hai_phong.id
    assert db.session.get(Project, project.id).city_id == hai_phong.id
    assert user_by_email(db, "dnre@haiphong.example").city_id == hai_phong.id
    assert audit_rows(db, "city_merged")[0][1] == "haiphong → hai-phong"


def test_an_organisation_is_never_merged_into_itself(admin, db, users):
    response = admin.post("/admin/companies/kanmon/merge", data={"into": "kanmon", "confirm": "y"})
    assert response.status_code == 400
    assert "An organisation cannot be merged into itself." in page_of(response)
    assert "Back to the organisation" in page_of(response)
    assert db.session.scalar(select(Company).where(Company.ref == "kanmon")) is not None
    assert audit_rows(db, "company_merged") == []


def test_a_merge_needs_the_box_ticked_and_an_organisation_to_keep(admin, db, users):
    duplicate_company_with_everything(db, users)
    unticked = admin.post("/admin/companies/kanmon-solar-2/merge", data={"into": "kanmon"})
    assert unticked.status_code == 400 and "Tick the box to confirm the merge." in page_of(unticked)
    nothing = admin.post("/admin/companies/kanmon-solar-2/merge", data={"into": "", "confirm": "y"})
    assert nothing.status_code == 400 and "Choose the organisation to keep." in page_of(nothing)
    assert db.session.scalar(select(Company).where(Company.ref == "kanmon-solar-2")) is not None


def test_two_companies_invited_to_one_event_are_not_merged(admin, db, users):
    duplicate, _project, event = duplicate_company_with_everything(db, users)
    event.participants.append(EventParticipant(company_id=users["company"].company.id))
    db.session.commit()
    response = admin.post("/admin/companies/kanmon-solar-2/merge", data={"into": "kanmon", "confirm": "y"})
    assert response.status_code == 409
    assert "Both organisations are invited to the same event (Kitakyushu pitch day)" in page_of(response)
    assert db.session.scalar(select(Technology.company_id).where(Technology.ref == "kanmon-pv-carports")) \
        == duplicate.id


# --- the audit log -----------------------------------------------------------------------

def add_event(db, action, target, days_ago=0, user=None, detail=""):
    db.session.add(AuditEvent(action=action, target=target, detail=detail, ip="127.0.0.1",
                              user_id=user.id if user else None, at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()


def test_the_audit_log_filters_by_actor_action_and_dates_and_shows_labels(admin, db, users):
    add_event(db, "export", "projects.csv", days_ago=40, user=users["coordinator"])
    add_event(db, "login_failed", "firm@example.com", days_ago=3)
    everything = page_of(admin.get("/admin/audit-log"))
    assert "Failed login" in everything and "Export" in everything and "projects.csv" in everything
    by_actor = page_of(admin.get("/admin/audit-log?actor=coordinator@"))
    assert "projects.csv" in by_actor and "Failed login</td>" not in by_actor
    by_action = page_of(admin.get("/admin/audit-log?action=login_failed"))
    assert "firm@example.com" in by_action and "projects.csv" not in by_action and "1 entry" in by_action
    today = utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date()
    recent = page_of(admin.get(f"/admin/audit-log?start={today - timedelta(days=10)}&end={today}"))
    assert "Failed login" in recent and "projects.csv" not in recent
    older = page_of(admin.get(f"/admin/audit-log?end={today - timedelta(days=30)}"))
    assert "projects.csv" in older and "Failed login</td>" not in older


def test_the_audit_log_refuses_a_date_that_is_not_one_with_a_message(admin, users):
    response = admin.get("/admin/audit-log?start=2026-02-30")
    assert response.status_code == 400 and "Give the date as YYYY-MM-DD" in page_of(response)
    csv_response = admin.get("/admin/audit-log.csv?end=soon")
    assert csv_response.status_code == 400 and "Give the date as YYYY-MM-DD" in page_of(csv_response)


def test_the_audit_log_is_paged(admin, db, users):
    for number in range(60):
        db.session.add(AuditEvent(action="export", target=f"file-{number:02d}.csv",
                                  at=utcnow() - timedelta(minutes=60 - number)))
    db.session.commit()
    first = page_of(admin.get("/admin/audit-log?action=export"))
    assert "60 entries" in first and "Page 1 of 2" in first and "file-59.csv" in first and "file-09.csv" not in first
    second = page_of(admin.get("/admin/audit-log?action=export&page=2"))
    assert "file-09.csv" in second and "file-59.csv" not in second


def test_the_audit_log_downloads_as_csv_with_formulas_neutralised(admin, db, users):
    add_event(db, "delete", "=HYPERLINK(\"http://evil.example\")", user=users["coordinator"], detail="+1")
    add_event(db, "login_failed", "nobody@example.com")
    response = admin.get("/admin/audit-log.csv?action=delete")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["time_utc", "actor", "action", "action_label", "target", "detail", "ip"]
    assert len(rows) == 2
    assert rows[1][1:6] == ["coordinator@example.com", "delete", "Deletion", "'=HYPERLINK(\"http://evil.example\")",
                            "'+1"]
    assert audit_rows(db, "export")[-1][:2] == ("admin@example.com", "audit-log.csv")


def test_the_users_page_shows_what_the_audit_log_says_about_them(admin, db, users):
    admin.post(f"/admin/users/{users['company'].id}/deactivate")
    page = page_of(admin.get(f"/admin/users/{users['company'].id}"))
    assert "User deactivated" in page and "admin@example.com" in page
