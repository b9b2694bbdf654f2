"""The introduction workflow, shared by pages, API and CLI.

Every state change is a compare-and-set on (state, version): of two people acting
at once, exactly one succeeds and the other gets IntroductionError(409).
"""
from datetime import timedelta

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import notifications
from ..extensions import db
from ..listings.access import can_view
from ..models import Introduction, IntroductionEvent, Need, Technology
from ..models.base import as_utc, utcnow
from .. import signals
from ..domain import DomainError
from ..locking import save_if_unchanged

PARTIES = ("city", "company")
# action: (states it may start from, state it leads to, who may do it)
ACTIONS = {
    "accept": (("requested",), "accepted", "answerer"),
    "decline": (("requested",), "declined", "answerer"),
    "withdraw": (("requested",), "withdrawn", "requester"),
    "renew": (("expired",), "requested", "requester"),
    "met": (("meeting_scheduled",), "met", "involved"),
    "follow_up": (("met",), "follow_up", "involved"),
    "close": (("accepted", "meeting_scheduled", "met", "follow_up"), "closed", "involved"),
}
NOTIFY_KIND = {"accepted": "intro_accepted", "declined": "intro_declined", "withdrawn": "intro_withdrawn",
               "requested": "intro_requested", "expired": "intro_expired"}


class IntroductionError(DomainError):
    """`status`: 400 bad request, 404 not visible, 409 not allowed now or for this side."""

    def __init__(self, status: int, message):
        super().__init__(message, status)


def side_for(user, need, technology) -> str | None:
    """'city', 'company' or 'coordinator' for the people involved; None for everybody else."""
    return side_by_owners(user, need.city_id, technology.company_id)


def side_by_owners(user, city_id: int, company_id: int) -> str | None:
    """side_for() from the owners' ids alone, for callers that hold rows rather than objects."""
    if not user.is_authenticated:
        return None
    if user.city_id is not None and user.city_id == city_id:
        return "city"
    if user.company_id is not None and user.company_id == company_id:
        return "company"
    return "coordinator" if user.is_staff else None


def side_of(user, introduction) -> str | None:
    return side_for(user, introduction.need, introduction.technology)


def introduction_for_pair(need, technology) -> Introduction | None:
    """The introduction of this pair, from the request's prefetched set when there is one."""
    prefetched = g.get("introductions_by_pair")
    if prefetched is not None and (need.id, technology.id) in prefetched:
        return prefetched[(need.id, technology.id)]
    return db.session.scalar(select(Introduction).where(Introduction.need_id == need.id,
                                                        Introduction.technology_id == technology.id))


def prefetch_introductions(pairs) -> None:
    """Read the introductions of many (need_id, technology_id) pairs at once for a list page."""
    pairs = set(pairs)
    found = dict.fromkeys(pairs)
    if pairs:
        need_ids, technology_ids = {n for n, _t in pairs}, {t for _n, t in pairs}
        for introduction in db.session.scalars(select(Introduction).where(
                Introduction.need_id.in_(need_ids), Introduction.technology_id.in_(technology_ids))):
            if (introduction.need_id, introduction.technology_id) in found:
                found[(introduction.need_id, introduction.technology_id)] = introduction
    g.introductions_by_pair = {**g.get("introductions_by_pair", {}), **found}


def visible(user, introduction) -> bool:
    return side_of(user, introduction) is not None


def get_visible(user, introduction_id) -> Introduction:
    introduction = db.session.get(Introduction, introduction_id)
    if introduction is None or not visible(user, introduction):
        raise IntroductionError(404, _l("No such introduction."))
    return introduction


def params(introduction, by=None) -> dict:
    """A notification's parameters; the sender by id, so that each reader sees them named in their language."""
    return {"need": introduction.need.title, "technology": introduction.technology.title,
            "who": notifications.sender_name(by), "who_id": by.id if by is not None else None}


def link(introduction) -> str:
    return f"/introductions/{introduction.id}"


def users_of(introduction, side: str) -> list:
    if side == "city":
        return notifications.organisation_users(city_id=introduction.need.city_id)
    return notifications.organisation_users(company_id=introduction.technology.company_id)


def record(introduction, action: str, user, note: str = "", side: str | None = None) -> None:
    """The history line of a change, then the domain event its receivers react to (see `connect`)."""
    db.session.add(IntroductionEvent(introduction_id=introduction.id, state=introduction.state, action=action,
                                     by_id=user.id if user is not None else None, note=note[:2000]))
    signals.introduction_changed.send(introduction, action=action, by=user, side=side)


def notify_parties(introduction, action: str, by, side: str | None, **_) -> None:
    """Receiver: tell the sides that did not act what happened (in their language, by mail too)."""
    if action == "request":
        kind = "intro_proposed" if introduction.requester_side == "coordinator" else "intro_requested"
        parties, extra = [p for p in PARTIES if p != introduction.requester_side], {}
    elif action == "expire":
        kind, parties, extra = "intro_expired", list(PARTIES), {}
    elif action in ("propose_meeting", "schedule", "reschedule_meeting", "cancel_meeting"):
        return  # the meeting's own notices say it (meetings.py)
    else:
        kind = NOTIFY_KIND.get(introduction.state, "intro_state")
        parties, extra = [p for p in PARTIES if p != side], {"state": introduction.state}
    for party in parties:
        notifications.notify(users_of(introduction, party), kind, dict(params(introduction, by), **extra),
                             link(introduction))


def connect() -> None:
    signals.introduction_changed.connect(notify_parties)


def request_refusal(user, need: Need, technology: Technology) -> IntroductionError | None:
    """Why `user` may not ask for this pair's introduction now, or None when they may.

    The one rule for both the "Request an introduction" form and its handler."""
    if not can_view(user, need) or not can_view(user, technology):
        return IntroductionError(404, _l("No such need or technology."))
    if side_for(user, need, technology) is None:
        return IntroductionError(409, _l("Only the city, the company or a coordinator can ask for this introduction."))
    if need.status not in ("open", "in_discussion") or technology.status != "published":
        return IntroductionError(409, _l("Both listings must be open and published to ask for an introduction."))
    if introduction_for_pair(need, technology) is not None:
        return IntroductionError(409, _l("There is already an introduction for this pair."))
    return None


def may_request(user, need: Need, technology: Technology) -> bool:
    return request_refusal(user, need, technology) is None


def request_introduction(user, need: Need, technology: Technology, message: str = "") -> Introduction:
    """A city or company asks to meet the other side; a coordinator proposes to both."""
    refusal = request_refusal(user, need, technology)
    if refusal is not None:
        raise refusal
    side = side_for(user, need, technology)
    days = current_app.config["INTRODUCTION_EXPIRY_DAYS"]
    introduction = Introduction(need_id=need.id, technology_id=technology.id, requester_side=side,
                                requested_by_id=user.id, message=(message or "").strip()[:5000],
                                expires_at=utcnow() + timedelta(days=days), state="requested",
                                city_accepted=side == "city", company_accepted=side == "company")
    db.session.add(introduction)
    db.session.flush()
    record(introduction, "request", user, introduction.message, side)
    return introduction


def allowed(introduction, side: str, action: str) -> bool:
    """Whether `side` may take `action` (state aside)."""
    who = ACTIONS[action][2]
    if who == "answerer":
        if introduction.requester_side == "coordinator":
            return side in PARTIES and not getattr(introduction, f"{side}_accepted")
        return side in PARTIES and side != introduction.requester_side
    if who == "requester":
        return side == introduction.requester_side or side == "coordinator"
    return side is not None


def available_actions(user, introduction) -> list[str]:
    side = side_of(user, introduction)
    return [a for a, (sources, _t, _w) in ACTIONS.items()
            if introduction.state in sources and allowed(introduction, side, a)
            and not (a == "renew" and introduction.renewed)]


def _compare_and_set(introduction, **values) -> bool:
    """Apply `values` only if nobody changed the introduction since it was read."""
    return save_if_unchanged(introduction, updated_at=utcnow(), **values)


def expire_if_due(introduction) -> bool:
    """Turn an unanswered request past its date into 'expired' (and tell both sides)."""
    if introduction.state != "requested" or as_utc(introduction.expires_at) > utcnow():
        return False
    if _compare_and_set(introduction, state="expired"):
        record(introduction, "expire", None)
        return True
    return False


def act(user, introduction, action: str, note: str = "") -> Introduction:
    """Take `action`; IntroductionError(409) when the state or the user's side does not allow it."""
    if action not in ACTIONS:
        raise IntroductionError(404, _l("Unknown action."))
    expire_if_due(introduction)
    side = side_of(user, introduction)
    sources, target, _who = ACTIONS[action]
    if introduction.state not in sources:
        raise IntroductionError(409, _l("This introduction is %(state)s: that action is not possible now.",
                                        state=introduction.state))
    if not allowed(introduction, side, action):
        raise IntroductionError(409, _l("That action is for the other side of this introduction."))
    values = {}
    if action == "renew":
        if introduction.renewed:
            raise IntroductionError(409, _l("An expired request can be renewed only once."))
        values.update(renewed=True, reminded=False,
                      expires_at=utcnow() + timedelta(days=current_app.config["INTRODUCTION_EXPIRY_DAYS"]))
    if action == "accept" and introduction.requester_side == "coordinator":
        values[f"{side}_accepted"] = True
        other = "company" if side == "city" else "city"
        if not getattr(introduction, f"{other}_accepted"):
            target = "requested"  # waits for the other side
    values["state"] = target
    if not _compare_and_set(introduction, **values):
        raise IntroductionError(409, _l("Someone else changed this introduction at the same moment. Please look again."))
    record(introduction, action, user, note, side)
    return introduction


def housekeeping() -> tuple[int, int]:
    """Remind the answering side before a request expires, and expire overdue requests (the caller commits)."""
    now = utcnow()
    remind_before = now + timedelta(days=current_app.config["INTRODUCTION_REMINDER_DAYS"])
    reminded = expired = 0
    for introduction in db.session.scalars(select(Introduction).where(Introduction.state == "requested")).all():
        if expire_if_due(introduction):
            expired += 1
        elif not introduction.reminded and as_utc(introduction.expires_at) <= remind_before:
            if not claim_reminder(introduction):
                continue  # another worker is sending this reminder
            for party in PARTIES:
                if allowed(introduction, party, "accept"):
                    notifications.notify(users_of(introduction, party), "intro_reminder", params(introduction),
                                         link(introduction))
            reminded += 1
    return reminded, expired


def claim_reminder(introduction) -> bool:
    """Mark the reminder as sent only if nobody has: two housekeeping runs at once send it once."""
    claimed = db.session.execute(update(Introduction).where(Introduction.id == introduction.id,
                                                            Introduction.reminded.is_(False))
                                 .values(reminded=True).execution_options(synchronize_session=False)).rowcount
    introduction.reminded = True
    return claimed == 1


def as_json(introduction) -> dict:
    return {
        "id": introduction.id, "need": introduction.need.ref, "technology": introduction.technology.ref,
        "state": introduction.state, "requester_side": introduction.requester_side,
        "message": introduction.message, "expires_at": as_utc(introduction.expires_at).isoformat(),
        "city_accepted": introduction.city_accepted, "company_accepted": introduction.company_accepted,
        "history": [{"state": e.state, "action": e.action, "by": e.by.email if e.by else None,
                     "at": as_utc(e.at).isoformat()} for e in introduction.history],
    }
