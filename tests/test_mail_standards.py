"""Mail as providers expect it: Date, Message-ID, a named sender, text and HTML parts in the
recipient's language, one-click unsubscribe on list mail (RFC 8058), and a transport that speaks
STARTTLS, implicit TLS and AUTH to a real SMTP server on loopback, one connection per batch."""
import email
import ssl
import subprocess
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from matchapp import notifications
from matchapp.models import OutboxEmail, User

from .mailserver import Inbox, start_server, wait_for


class CountingInbox(Inbox):
    """Keeps messages and the client address (host, port) of the connection each came on."""

    def __init__(self):
        super().__init__()
        self.connections = []

    async def handle_DATA(self, server, session, envelope):
        self.connections.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def send_all(runner, smtp_port, inbox_count=1):
    controller, inbox = start_server(smtp_port)
    try:
        result = runner.invoke(args=["send-mail"])
        assert result.exit_code == 0, result.output
        return [parsed(m) for m in wait_for(inbox, inbox_count)]
    finally:
        controller.stop()


@pytest.fixture
def app_config(app_config):
    return dict(app_config, PUBLIC_URL="https://matchapp.test", MAIL_FROM="MatchApp Kitakyushu <noreply@matchapp.test>")


def test_every_message_has_the_headers_and_parts_providers_expect(app_config_with_mail, smtp_port, db, runner, users):
    users["company"].language = "ja"
    db.session.commit()
    long_title = "ハイフォン市 工業団地 屋根置き太陽光 と 蓄電池 の 導入 可能性 調査 第二期 2031 年度"
    notifications.notify([users["company"]], "message", {"need": long_title, "technology": "Rooftop PV", "who": "X"},
                         "/introductions/1")
    db.session.commit()
    [message] = send_all(runner, smtp_port)
    assert message["Date"] and message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@matchapp.test>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"].addresses[0].display_name == "MatchApp Kitakyushu"
    assert message["Content-Language"] == "ja"
    assert long_title in str(message["Subject"])  # folded on the wire, every space kept
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert long_title in text and '<html lang="ja">' in html
    assert '<a href="https://matchapp.test/introductions/1">' in html
    assert "List-Unsubscribe" not in message  # about the user's own work: not list mail


def test_digests_carry_one_click_unsubscribe_that_works(app_config_with_mail, smtp_port, client, db, runner, users):
    notifications.notify([users["company"]], "digest", {"count": 3}, "/dashboard")
    db.session.commit()
    [message] = send_all(runner, smtp_port)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("https://matchapp.test/account/unsubscribe/")
    assert link in message.get_body(("plain",)).get_content()  # and an opt-out link in the body
    path = link.removeprefix("https://matchapp.test")

    # A mail scanner following the link changes nothing; the page asks first.
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert db.session.get(User, users["company"].id).digest_opt_out is False
    # The provider's one-click POST: no cookie, no CSRF token, just the RFC 8058 body.
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "no longer receives digests" in response.get_data(as_text=True)
    assert db.session.get(User, users["company"].id).digest_opt_out is True

    # Opted out: the next announcement reaches the inbox, not the mailbox.
    notifications.notify([users["company"]], "announcement", {"title": "Workshop"}, "/dashboard")
    db.session.commit()
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) is None
    assert client.get(path[:-3] + "xyz").status_code == 404  # a token this server did not sign


def certificate(tmp_path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it through MAIL_CA_FILE)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def only_ada(server, session, envelope, mechanism, auth_data):
    good = auth_data.login == b"ada" and auth_data.password == b"s3cret-pass"
    return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers the refusal with 535


def queue(db, count):
    for n in range(count):
        db.session.add(OutboxEmail(to=f"user{n}@example.com", subject=f"Message {n}", body="Hello"))
    db.session.commit()


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_a_batch_goes_over_one_authenticated_tls_connection(app_config_with_mail, smtp_port, db, runner, tmp_path,
                                                            app, mode):
    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = CountingInbox()
    tls = {"tls_context": context, "require_starttls": True} if mode == "starttls" else {"ssl_context": context}
    # (aiosmtpd counts only STARTTLS as TLS for AUTH; an implicit-TLS session is encrypted from its start)
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port, authenticator=only_ada, auth_required=True,
                            auth_require_tls=mode == "starttls", **tls)
    app.config.update(MAIL_USE_TLS=mode == "starttls", MAIL_USE_SSL=mode == "implicit", MAIL_CA_FILE=cert,
                      MAIL_USERNAME="ada", MAIL_PASSWORD="wrong")
    queue(db, 3)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])
        assert "3 failed" in result.output  # a wrong password is refused: nothing is sent
        assert inbox.messages == []
        errors = [e.last_error for e in db.session.scalars(select(OutboxEmail))]
        assert all("authentication" in e.lower() for e in errors), errors
        app.config["MAIL_PASSWORD"] = "s3cret-pass"
        db.session.execute(OutboxEmail.__table__.update().values(next_attempt_at=OutboxEmail.created_at))
        db.session.commit()
        result = runner.invoke(args=["send-mail"])
        assert result.exit_code == 0 and "Sent 3" in result.output, [e.last_error for e in db.session.scalars(select(OutboxEmail))]
        wait_for(inbox, 3)
    finally:
        controller.stop()
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["user0@example.com", "user1@example.com",
                                                              "user2@example.com"]
    assert len(set(inbox.connections)) == 1  # one connection carried the batch


def test_a_server_whose_certificate_is_not_trusted_gets_no_mail(app_config_with_mail, smtp_port, db, runner,
                                                                tmp_path, app):
    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = CountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port, tls_context=context, require_starttls=True)
    app.config.update(MAIL_USE_TLS=True, MAIL_CA_FILE=None)  # the system's CAs do not know this certificate
    queue(db, 1)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])
    finally:
        controller.stop()
    assert "1 failed" in result.output and inbox.messages == []
    assert "certificate" in db.session.scalar(select(OutboxEmail)).last_error.lower()


def test_the_sign_up_mail_is_in_the_language_it_was_written_in(app_config_with_mail, db, users):
    from flask_babel import force_locale
    with force_locale("ja"):
        notifications.send_soon("new@example.com", "確認", "本文")
    db.session.commit()
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "new@example.com")).language == "ja"
