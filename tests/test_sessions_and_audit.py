"""Sessions die when they should, and sensitive actions are in the audit log."""
from sqlalchemy import select

from matchapp.models import AuditEvent

from .factories import PASSWORD


def session_cookie(client):
    return client.get_cookie("session").value


def test_a_session_cookie_copied_before_logout_is_refused_after(app, client, auth, users):
    auth.login("firm@example.com")
    stolen = session_cookie(client)
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard").status_code == 302  # sent to the login page


def test_deactivating_a_user_logs_them_out_on_the_next_request(client, auth, db, users):
    auth.login("firm@example.com")
    assert client.get("/dashboard").status_code == 200
    users["company"].active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_a_password_change_ends_other_sessions_but_not_this_one(app, client, auth, users):
    auth.login("firm@example.com")
    other = app.test_client()
    other.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200
    client.post("/account/profile", data={"current_password": PASSWORD, "password": "another long password",
                                          "confirm": "another long password", "submit_password": "1"})
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_logins_exports_and_failures_are_audited_for_admins_only(client, auth, db, users):
    client.post("/account/login", data={"email": "firm@example.com", "password": "wrong"})
    auth.login("coordinator@example.com")
    client.get("/listings/export/technologies.csv")
    actions = [(e.action, e.target) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("login_failed", "firm@example.com"), ("login", "coordinator@example.com"),
                       ("export", "technologies.csv")]
    assert client.get("/admin/audit").status_code == 403
    auth.logout()
    auth.login("admin@example.com")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "login_failed" in page and "technologies.csv" in page
