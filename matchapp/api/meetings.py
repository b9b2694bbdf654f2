"""API endpoints for introductions' meetings: list mine, propose, reschedule, confirm, cancel, .ics.

The same services as the pages (introductions/meetings.py); bodies are checked strictly against
their models (bodies.py): an unknown property, a time without its offset or a wrong type is a 400
naming the field. A refusal
by the rules (IntroductionError) is answered in one place, errors.handle_domain_error.
"""
from flask import g, jsonify

from .. import calendars
from ..extensions import db
from ..idempotency import idempotent
from ..introductions import meetings as meeting_service
from ..introductions import services as introductions
from ..models import Meeting
from ..models.base import as_utc
from .auth import ApiError, token_required
from .bodies import NoBody, OptionChoice, Proposal, parsed
from .views import bp, introduction_or_404


def meeting_json(meeting: Meeting) -> dict:
    return {
        "id": meeting.id, "introduction": meeting.introduction_id, "state": meeting.state, "mode": meeting.mode,
        "url": meeting.url, "place": meeting.place, "duration_minutes": meeting.duration_minutes,
        "starts_at": as_utc(meeting.starts_at).isoformat() if meeting.starts_at else None,
        "options": [{"id": o.id, "starts_at": as_utc(o.starts_at).isoformat()} for o in meeting.options],
        "proposer_side": meeting.proposer_side, "sequence": meeting.version - 1,
        "updated_at": as_utc(meeting.updated_at).isoformat(),
    }


def proposal() -> tuple:
    """(starts in UTC, mode, url, place, duration) from the request's Proposal body."""
    body = parsed(Proposal)
    return [as_utc(start) for start in body.starts], body.mode, body.url, body.place, body.duration_minutes


def visible_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not introductions.visible(g.api_user, meeting.introduction):
        raise ApiError(404, "not_found", "no such meeting")
    return meeting


@bp.route("/meetings")
@token_required
def list_meetings():
    """The meetings of the caller's organisation (all for coordinators), soonest first."""
    return jsonify([meeting_json(m) for m in meeting_service.meetings_for(g.api_user, proposals=True)])


@bp.route("/introductions/<int:introduction_id>/meetings", methods=["POST"])
@token_required
@idempotent
def propose_meeting(introduction_id):
    introduction = introduction_or_404(introduction_id)
    starts, mode, url, place, duration = proposal()
    meeting = meeting_service.propose(g.api_user, introduction, starts, mode, url, place, duration)
    db.session.commit()
    return jsonify(meeting_json(meeting)), 201


@bp.route("/meetings/<int:meeting_id>/reschedule", methods=["POST"])
@token_required
@idempotent
def reschedule_meeting(meeting_id):
    meeting = visible_meeting(meeting_id)
    starts, mode, url, place, duration = proposal()
    meeting_service.reschedule(g.api_user, meeting, starts, mode, url, place, duration)
    db.session.commit()
    return jsonify(meeting_json(meeting))


@bp.route("/meetings/<int:meeting_id>/confirm", methods=["POST"])
@token_required
@idempotent
def confirm_meeting(meeting_id):
    meeting = visible_meeting(meeting_id)
    meeting_service.confirm(g.api_user, meeting, parsed(OptionChoice).option)
    db.session.commit()
    return jsonify(meeting_json(meeting))


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@token_required
@idempotent
def cancel_meeting(meeting_id):
    meeting = visible_meeting(meeting_id)
    parsed(NoBody)
    meeting_service.cancel(g.api_user, meeting)
    db.session.commit()
    return jsonify(meeting_json(meeting))


@bp.route("/meetings/<int:meeting_id>.ics")
@token_required
def meeting_ics(meeting_id):
    meeting = visible_meeting(meeting_id)
    if not meeting_service.in_calendars(meeting):
        raise ApiError(404, "not_found", "this meeting has no time yet: confirm one first")
    body = calendars.calendar([meeting_service.calendar_event(meeting)], "MatchApp")
    return calendars.ics_response(body, f"matchapp-meeting-{meeting.id}.ics", meeting.updated_at)
