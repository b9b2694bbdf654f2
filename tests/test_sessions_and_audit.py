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
    assert client.get("/admin/audit-log").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    auth.logout()
    auth.login("admin@example.com")
    moved = client.get("/admin/audit?action=export")
    assert moved.status_code == 301 and moved.headers["Location"] == "/admin/audit-log?action=export"
    page = client.get("/admin/audit", follow_redirects=True).get_data(as_text=True)
    assert "<td>Failed login</td>" in page and "technologies.csv" in page and "<td>login_failed</td>" not in page


def age_session(client, **seconds_ago):
    """Move the session's login and last-request stamps into the past."""
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = session[key] - ago


def test_a_session_ends_after_two_idle_hours(client, auth, users):
    auth.login("firm@example.com")
    age_session(client, seen_at=119 * 60)
    assert client.get("/dashboard").status_code == 200  # still inside the idle limit, and now refreshed
    age_session(client, seen_at=121 * 60)
    response = client.get("/listings/technologies?q=pv")
    assert response.status_code == 302
    assert "/account/login?next=/listings/technologies?q%3Dpv" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302
    assert "Your session has ended" in client.get("/account/login").get_data(as_text=True)


def test_a_busy_session_still_ends_twelve_hours_after_login(client, auth, users):
    auth.login("firm@example.com")
    age_session(client, login_at=12 * 3600 + 60)
    assert client.get("/dashboard").status_code == 302


def test_keep_me_logged_in_outlasts_the_idle_limit_but_not_its_own(app, client, users):
    client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    age_session(client, seen_at=5 * 3600, login_at=5 * 3600)
    assert client.get("/dashboard").status_code == 200
    age_session(client, login_at=15 * 24 * 3600)
    assert client.get("/dashboard").status_code == 302
    assert client.get_cookie("remember_token") is None  # removed with the session


def test_the_remember_me_cookie_is_removed_on_logout_and_a_copy_is_refused(app, client, auth, users):
    client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD, "remember": "y"})
    copied = client.get_cookie("remember_token").value
    auth.logout()
    assert client.get_cookie("remember_token") is None
    browser_after_restart = app.test_client()  # no session cookie, only the copied remember-me cookie
    browser_after_restart.set_cookie("remember_token", copied)
    assert browser_after_restart.get("/dashboard").status_code == 302


def test_the_remember_me_cookie_restores_a_login_after_a_browser_restart(app, client, users):
    client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD, "remember": "y"})
    restarted = app.test_client()
    restarted.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert restarted.get("/dashboard").status_code == 200


def test_production_cookies_are_httponly_samesite_and_secure(app_config, users):
    from matchapp import create_app
    from matchapp.config import from_environment
    production = from_environment({"MATCHAPP_ENV": "production", "SECRET_KEY": "s" * 40, "RATELIMIT_STORAGE_URI": "memory://"})
    cookie_settings = {key: value for key, value in production.items() if key.startswith(("SESSION_", "REMEMBER_"))}
    app = create_app(dict(app_config, **cookie_settings))
    response = app.test_client().post("/account/login", data={"email": "firm@example.com", "password": PASSWORD,
                                                              "remember": "y"})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "Secure" in cookies[name] and "SameSite=Lax" in cookies[name]


def test_logout_clears_the_remember_cookie_with_the_flags_it_was_set_with(app_config, users):
    from matchapp import create_app
    from matchapp.config import from_environment
    production = from_environment({"MATCHAPP_ENV": "production", "SECRET_KEY": "s" * 40, "RATELIMIT_STORAGE_URI": "memory://"})
    cookie_settings = {key: value for key, value in production.items() if key.startswith(("SESSION_", "REMEMBER_"))}
    client = create_app(dict(app_config, **cookie_settings)).test_client()
    client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD, "remember": "y"})
    response = client.post("/account/logout")
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert len(cleared) == 1 and ("Max-Age=0" in cleared[0] or "Expires=Thu, 01 Jan 1970" in cleared[0])
    assert "HttpOnly" in cleared[0] and "Secure" in cleared[0] and "SameSite=Lax" in cleared[0]


def test_pages_for_a_logged_in_user_and_api_answers_are_never_cached(client, auth, db, users):
    assert "no-store" not in client.get("/account/login").headers.get("Cache-Control", "")
    auth.login("firm@example.com")
    for url in ("/dashboard", "/account/profile", "/technologies"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    auth.logout()
    response = client.post("/api/v1/tokens", json={"email": "firm@example.com", "password": PASSWORD})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    token = response.get_json()["token"]
    listed = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {token}"})
    assert listed.headers["Cache-Control"] == "no-store"
