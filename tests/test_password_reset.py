"""Password reset by e-mail: a real SMTP server on loopback receives the link; it expires and works once."""
import re
import time
from email import message_from_bytes, policy

from sqlalchemy import select

from matchapp.accounts import reset
from matchapp.models import AuditEvent, OutboxEmail

from .factories import PASSWORD
from .mailserver import start_server, wait_for

NEW_PASSWORD = "a brand new long password"


def request_link(client, smtp_port, email="firm@example.com"):
    """Ask for a reset link through the form; return the path in the e-mail received."""
    controller, inbox = start_server(smtp_port)
    try:
        response = client.post("/account/password-reset", data={"email": email})
        messages = wait_for(inbox)
    finally:
        controller.stop()
    assert response.status_code == 303
    assert len(messages) == 1 and messages[0].rcpt_tos == [email]
    body = message_from_bytes(messages[0].content, policy=policy.default).get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/account/password-reset/\S+)", body).group(1)


def set_password(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def test_a_mailed_link_sets_a_new_password_and_ends_other_sessions(app_config_with_mail, app, smtp_port,
                                                                   client, auth, users):
    other = app.test_client()
    other.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200

    path = request_link(client, smtp_port)
    assert client.get(path).status_code == 200
    response = set_password(client, path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/login")

    assert auth.login("firm@example.com", PASSWORD).status_code == 401
    assert auth.login("firm@example.com", NEW_PASSWORD).status_code == 302
    assert other.get("/dashboard").status_code == 302  # the session from before the reset is gone


def test_a_link_works_once(app_config_with_mail, smtp_port, client, users):
    path = request_link(client, smtp_port)
    assert set_password(client, path).status_code == 303
    again = set_password(client, path, "yet another long password")
    assert again.status_code == 400
    assert "not valid or was already used" in again.get_data(as_text=True)


def test_an_expired_link_is_refused(app, monkeypatch, users, client):
    two_hours_ago = time.time() - 7200
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: two_hours_ago)
        token = reset.make_token(users["company"])
    response = set_password(client, f"/account/password-reset/{token}")
    assert response.status_code == 400 and "has expired" in response.get_data(as_text=True)
    assert client.post("/account/login", data={"email": "firm@example.com",
                                                "password": NEW_PASSWORD}).status_code == 401


def test_a_forged_or_mangled_token_is_refused(client, users):
    for token in ("nonsense", "eyJhIjoxfQ.abc.def", "x" * 300):
        response = client.get(f"/account/password-reset/{token}")
        assert response.status_code == 400


def test_unknown_and_known_addresses_get_the_same_answer_and_only_accounts_get_mail(
        app_config_with_mail, smtp_port, client, db, users):
    known = client.post("/account/password-reset", data={"email": "firm@example.com"})
    unknown = client.post("/account/password-reset", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.history[0].status_code == 303
    assert "If an account uses this address" in unknown.get_data(as_text=True)
    queued = db.session.scalars(select(OutboxEmail)).all()
    assert [e.to for e in queued] == ["firm@example.com"]  # no server was listening: kept for a retry
    assert queued[0].sent_at is None and queued[0].attempts == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("password_reset_requested") == 2


def test_the_reset_mail_is_in_the_users_language(app_config_with_mail, client, db, users):
    users["company"].language = "ja"
    db.session.commit()
    client.post("/account/password-reset", data={"email": "FIRM@example.com "})
    email = db.session.scalar(select(OutboxEmail))
    assert "パスワード" in email.subject and "/account/password-reset/" in email.body


def test_a_deactivated_user_gets_no_link(app_config_with_mail, client, db, users):
    users["company"].active = False
    db.session.commit()
    client.post("/account/password-reset", data={"email": "firm@example.com"})
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_a_reset_revokes_api_tokens_and_the_calendar_feed_and_says_so(app_config_with_mail, app, smtp_port,
                                                                       client, users, db):
    from matchapp.models import ApiToken, User
    token = client.post("/api/v1/tokens", json={"email": "firm@example.com", "password": PASSWORD}).get_json()["token"]
    user = db.session.scalar(select(User).where(User.email == "firm@example.com"))
    user.calendar_token = "feed-" + "x" * 30
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/needs", headers=headers).status_code == 200
    assert client.get(f"/calendar/{user.calendar_token}.ics").status_code == 200
    path = request_link(client, smtp_port)
    email = db.session.scalar(select(OutboxEmail))
    assert "revokes your API tokens" in email.body
    response = set_password(client, path)
    assert response.status_code == 303
    assert "Your API tokens and calendar feed link no longer work" in client.get("/account/login").get_data(as_text=True)
    assert client.get("/api/v1/needs", headers=headers).status_code == 401
    assert client.get("/calendar/feed-" + "x" * 30 + ".ics").status_code == 404
    assert db.session.scalar(select(ApiToken)).revoked_at is not None
    revocation = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credentials_revoked"))
    assert revocation is not None and "1 API token(s)" in revocation.detail
