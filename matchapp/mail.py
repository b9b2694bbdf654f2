"""E-mail as mail providers expect it (RFC 5322, RFC 8058) and the SMTP transport.

Every message has Date and Message-ID, `Auto-Submitted: auto-generated` (RFC 3834: no
out-of-office replies), a From with a display name, and a plain-text and an HTML part in the
recipient's language, built with the modern `email.policy` (headers folded without losing
spaces). List mail — digests and announcements — carries `List-Unsubscribe` with a signed link
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, so providers show an unsubscribe button
that works in one POST. One SMTP connection (STARTTLS or implicit TLS, with a login if
configured) carries a whole batch.
"""
import html
import re
import smtplib
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .extensions import db
from .models import OutboxEmail, User
from .models.base import as_utc

UNSUBSCRIBE_SALT = "list-unsubscribe"
LINK = re.compile(r"https?://[^\s<>\"]+")


def unsubscribe_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    """A link token that opts this user out of list mail; it does not expire (RFC 8058 asks that it keeps working)."""
    return unsubscribe_signer().dumps(user_id)


def unsubscribe_url(user_id: int) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + f"/account/unsubscribe/{unsubscribe_token(user_id)}"


def unsubscribing_user(token: str):
    """The active user an unsubscribe token names, or None for a token this server did not sign."""
    try:
        user_id = unsubscribe_signer().loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    return user if user is not None and user.active else None


def sender() -> Address:
    """MAIL_FROM as an address with a display name ("MatchApp" when the setting gives none)."""
    name, address = parseaddr(current_app.config.get("MAIL_FROM") or "matchapp@localhost")
    username, _at, domain = address.partition("@")
    return Address(display_name=name or "MatchApp", username=username, domain=domain or "localhost")


def html_part(text: str, language: str) -> str:
    """The text as a small HTML document: paragraphs kept, links clickable, everything escaped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return (f'<!doctype html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>\n'
            f'<body style="font-family: sans-serif; line-height: 1.5">\n' + "\n".join(paragraphs) + "\n</body></html>\n")


def build(email: OutboxEmail) -> EmailMessage:
    """The message for an outbox row; ValueError/TypeError when a header cannot be carried."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender()
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(as_utc(email.created_at))
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "matchapp"
    message["Message-ID"] = make_msgid(f"outbox.{email.id}", domain=host)
    message["Auto-Submitted"] = "auto-generated"
    if email.list_user_id is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url(email.list_user_id)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body)
    message.add_alternative(html_part(email.body, email.language or "en"), subtype="html")
    message["Content-Language"] = email.language or "en"  # after the parts: they take Content-* headers along
    return message


class Transport:
    """One SMTP session for a batch of messages, opened on first use (`with Transport() as smtp`)."""

    def __init__(self):
        self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self.connection = None

    def open(self) -> smtplib.SMTP:
        config = current_app.config
        server, port = config["MAIL_SERVER"], config.get("MAIL_PORT", 25)
        context = ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)
        if config.get("MAIL_USE_SSL"):
            connection = smtplib.SMTP_SSL(server, port, timeout=10, context=context)
        else:
            connection = smtplib.SMTP(server, port, timeout=10)
            if config.get("MAIL_USE_TLS"):
                connection.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        return connection

    def send(self, message: EmailMessage) -> None:
        """Send on the open session; a session the server dropped is reopened once."""
        if self.connection is None:
            self.connection = self.open()
            self.connection.send_message(message)
            return
        try:
            self.connection.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.connection = self.open()
            self.connection.send_message(message)
