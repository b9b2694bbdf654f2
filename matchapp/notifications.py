"""Notifications: the in-app inbox, the e-mail outbox with retries, and the weekly digest.

Every notification is stored first (inbox row, and an outbox row when SMTP is
configured), in the same transaction as the change it reports. `flask send-mail`
delivers the outbox; a failed send keeps the e-mail with its error and a later
retry time, so nothing is lost.
"""
import secrets
import smtplib
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import func, or_, select, true, update

from . import mail
from .domain import DomainError
from .extensions import db
from .models import Match, Need, Notification, OutboxEmail, Technology, User
from .models.base import utcnow
from .text import breaks_a_line

DIGEST_MIN_SCORE = 60
DIGEST_MIN_GAP = timedelta(days=6)  # a user gets at most one digest in this time, however often it runs
MAX_BACKOFF = timedelta(hours=6)
# Mail sent to many people at once: it carries one-click unsubscribe and respects the opt-out.
LIST_MAIL = ("digest", "announcement")


class NotificationNotFound(DomainError):
    pass


def sender_name(user) -> str:
    """How a person is named to the other side: "Tanaka Hiroshi (Kanmon Solar)", never by e-mail address.

    Without a name, the organisation alone; staff and partners act for no organisation
    on MatchApp, so their role stands in for it.
    """
    if user is None:
        return ""
    if user.organisation is not None:
        organisation = user.organisation.display_name
    elif user.is_staff:
        organisation = _("Coordinator")
    else:
        organisation = _("Financier or consultant")
    name = " ".join((user.name or "").split())
    return _("%(name)s (%(organisation)s)", name=name, organisation=organisation) if name else organisation


def sender_of(params: dict) -> str:
    """The sender named in a notification, in the current locale. Entries stored before senders
    were kept by id carry an e-mail address: it is looked up, never shown."""
    if params.get("who_id"):
        user = db.session.get(User, params["who_id"])
    elif "@" in (params.get("who") or ""):
        user = db.session.scalar(select(User).where(User.email == params["who"]))
    else:
        return params.get("who") or ""
    return sender_name(user) if user is not None else _("Someone")


def render(kind: str, params: dict) -> str:
    """A notification's text in the current locale."""
    params = dict(params, who=sender_of(params))
    texts = {
        "intro_requested": lambda p: _("%(who)s asks for an introduction: %(need)s ↔ %(technology)s", **p),
        "intro_proposed": lambda p: _("A coordinator proposes an introduction: %(need)s ↔ %(technology)s", **p),
        "intro_accepted": lambda p: _("Introduction accepted: %(need)s ↔ %(technology)s", **p),
        "intro_declined": lambda p: _("Introduction declined: %(need)s ↔ %(technology)s", **p),
        "intro_withdrawn": lambda p: _("Introduction withdrawn: %(need)s ↔ %(technology)s", **p),
        "intro_expired": lambda p: _("Introduction expired without an answer: %(need)s ↔ %(technology)s", **p),
        "intro_reminder": lambda p: _("Reminder: please answer the introduction request %(need)s ↔ %(technology)s before it expires", **p),
        "intro_state": lambda p: _("Introduction %(need)s ↔ %(technology)s is now: %(state)s", **p),
        "message": lambda p: _("New message from %(who)s about %(need)s ↔ %(technology)s", **p),
        "meeting_proposed": lambda p: _("%(who)s proposes meeting times for %(need)s ↔ %(technology)s", **p),
        "meeting_confirmed": lambda p: _("Meeting confirmed for %(need)s ↔ %(technology)s", **p),
        "meeting_rescheduled": lambda p: _("%(who)s proposes new times for the meeting on %(need)s ↔ %(technology)s", **p),
        "meeting_cancelled": lambda p: _("%(who)s cancelled the meeting on %(need)s ↔ %(technology)s", **p),
        "event_published": lambda p: _("The schedule of %(event)s is published: see your agenda", **p),
        "announcement": lambda p: _("Announcement: %(title)s", **p),
        "digest": lambda p: _("%(count)d new good matches for your listings this week", **p),
    }
    return texts[kind](params) if kind in texts else kind


def notify(users, kind: str, params: dict, link: str = "") -> None:
    """Add an inbox entry for each user, and an e-mail when SMTP is configured (not committed).

    `link` is a path on this site; e-mails make it absolute with PUBLIC_URL.
    """
    mailing = bool(current_app.config.get("MAIL_SERVER"))
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        db.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link))
        if mailing:
            listed = kind in LIST_MAIL
            if listed and user.digest_opt_out:
                continue  # opted out of list mail: the inbox entry stays
            with force_locale(user.language):
                text = render(kind, params)
                url = absolute_url(link) if link else ""
                body = text + ("\n\n" + url if url else "") + "\n\n— MatchApp"
                if listed:
                    body += "\n\n" + _("Stop these e-mails (digests and announcements): %(url)s",
                                         url=mail.unsubscribe_url(user.id))
            db.session.add(OutboxEmail(to=user.email, subject=one_line(f"[MatchApp] {text}")[:300], body=body,
                                       language=user.language, list_user_id=user.id if listed else None))


def absolute_url(path: str) -> str:
    """A path on this site as the link a mail carries (PUBLIC_URL)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def link_not_mailed(email: str, link: str) -> bool:
    """Without SMTP nothing is mailed; in development (`make run`) the link is written to the log instead."""
    if current_app.config.get("MAIL_SERVER"):
        return False
    if current_app.config["MATCHAPP_ENV"] == "development":
        current_app.logger.warning("MAIL_SERVER is not set; link for %s: %s", email, link)
    return True


def send_soon(to: str, subject: str, body: str) -> OutboxEmail:
    """Queue an e-mail that should go at once (a reset or confirmation link), not committed.

    It is sent by a background job after the commit, never inside the request: the answer
    takes as long whether or not a mail was sent, and a slow mail server delays nobody.
    A failure leaves it in the outbox for `flask send-mail`.
    """
    from . import jobs
    email = OutboxEmail(to=to, subject=one_line(subject)[:300], body=body, language=str(get_locale() or "en"))
    db.session.add(email)
    db.session.flush()
    jobs.enqueue("send_email", email.id)
    return email


def one_line(text: str) -> str:
    """A subject on one line: any run of whitespace or control characters becomes one space."""
    return " ".join("".join(" " if breaks_a_line(c) else c for c in text).split())


def organisation_users(company_id=None, city_id=None) -> list[User]:
    query = select(User).where(User.active.is_(True))
    if company_id is not None:
        return db.session.scalars(query.where(User.company_id == company_id)).all()
    return db.session.scalars(query.where(User.city_id == city_id)).all()


def unread_query(user):
    """Counts the user's unread notifications (for the navigation badge)."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(user, link: str | None = None) -> int:
    """Mark the user's unread notifications read: all of them, or those pointing to `link` (not committed).

    Opening the page a notification points to counts as reading it, however the reader got
    there (the inbox, the e-mail's link, a list): the badge counts only what is still news.
    """
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if link is not None:
        query = query.where(Notification.link == link)
    return db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def open_for(user, notification_id: int) -> str:
    """Mark one of the user's notifications read and return where it leads (not committed).

    NotificationNotFound for another user's notification or none; a link that is not a path
    on this site leads to the inbox instead, so a stored link can never send the reader away.
    """
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != user.id:
        raise NotificationNotFound(_l("We could not find that page."), 404)
    item.read_at = item.read_at or utcnow()
    return item.link if is_internal_path(item.link) else ""


def is_internal_path(link: str) -> bool:
    """A path on this site: "/..." but not "//host", "/\\host" (browsers read both as another
    host) nor anything with whitespace or control characters, which browsers drop or rewrite."""
    return (link.startswith("/") and not link.startswith("//") and "\\" not in link
            and not any(c <= " " or c == "\x7f" for c in link))


CLAIM_FOR = timedelta(minutes=10)


def claim_due(limit: int, only: int | None = None) -> list[OutboxEmail]:
    """Claim up to `limit` due e-mails for this sender and commit the claim.

    On PostgreSQL the due rows are locked with SELECT ... FOR UPDATE SKIP LOCKED, so a
    second sender passes over them instead of waiting; on both databases the claim itself
    is a conditional UPDATE that re-checks that nobody holds the row, so two senders never
    hold one message. A sender that dies leaves its claim to expire after CLAIM_FOR.
    `only`: claim just this e-mail (if it is due).
    """
    now, token = utcnow(), secrets.token_hex(16)
    unclaimed = or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now)
    due = (select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None), OutboxEmail.failed_at.is_(None),
                                        OutboxEmail.next_attempt_at <= now, unclaimed,
                                        true() if only is None else OutboxEmail.id == only)
           .order_by(OutboxEmail.id).limit(limit).with_for_update(skip_locked=True))
    ids = db.session.scalars(due).all()
    if ids:
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(ids), OutboxEmail.sent_at.is_(None), unclaimed)
                           .values(claimed_by=token, claimed_until=now + CLAIM_FOR)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.claimed_by == token)
                              .order_by(OutboxEmail.id)).all() if ids else []


def send_pending(limit: int = 100, only: int | None = None) -> tuple[int, int, int]:
    """Send due e-mails; returns (sent, failed and queued again, given up). Each result is committed on its own.

    Safe to run on several hosts at once: each message is claimed by one sender first.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0, 0
    sent = failed = given_up = 0
    with mail.Transport() as transport:  # one connection for the whole batch
        for email in claim_due(limit, only):
            if deliver(email, transport):
                sent += 1
            elif email.failed_at is not None:
                given_up += 1
            else:
                failed += 1
            email.claimed_by = email.claimed_until = None
            db.session.commit()
    return sent, failed, given_up


def deliver(email: OutboxEmail, transport: "mail.Transport") -> bool:
    """Try to send one outbox e-mail now; on failure it stays queued with a later retry time.

    A message that cannot be built at all (a header with a line break, an address that is
    not one) will never go: it is marked failed with the reason, and the others still go.
    """
    email.attempts += 1
    try:
        message = mail.build(email)
    except (ValueError, TypeError) as error:
        email.last_error, email.failed_at = f"cannot be sent: {error}"[:1000], utcnow()
        return False
    try:
        transport.send(message)
    except (OSError, smtplib.SMTPException) as error:
        email.last_error = str(error)[:1000]
        email.next_attempt_at = utcnow() + min(timedelta(minutes=2 ** email.attempts), MAX_BACKOFF)
        return False
    email.sent_at = utcnow()
    return True


def build_digests() -> int:
    """One digest per user with new good matches for their listings since their last digest (the caller commits)."""
    now, made = utcnow(), 0
    for user in db.session.scalars(select(User).where(User.active.is_(True), User.digest_opt_out.is_(False),
                                                      User.role.in_(("company", "city")))):
        since = user.last_digest_at or now - timedelta(days=7)
        if not claim_digest(user, now):
            continue  # another run is building this user's digest
        query = select(func.count()).select_from(Match).where(Match.computed_at > since,
                                                               Match.score >= DIGEST_MIN_SCORE)
        if user.role == "city":
            query = query.join(Need, Match.need_id == Need.id).where(Need.city_id == user.city_id)
        else:
            query = query.join(Technology, Match.technology_id == Technology.id).where(
                Technology.company_id == user.company_id)
        count = db.session.scalar(query)
        if count:
            notify([user], "digest", {"count": count}, "/dashboard")
            made += 1
    return made


def claim_digest(user: User, now) -> bool:
    """Take this week's digest of `user` (a conditional update): two runs at once send one digest."""
    due = or_(User.last_digest_at.is_(None), User.last_digest_at < now - DIGEST_MIN_GAP)
    claimed = db.session.execute(update(User).where(User.id == user.id, due).values(last_digest_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
    return claimed == 1
