"""Event pages: create, invite, mark interests and availability, set the rules, the interest matrix,
propose and adjust the schedule, publish, agendas, and record what came of each meeting."""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit, calendars, idempotency
from ..accounts.auth import roles_required
from ..accounts.forms import timezone_choices
from ..errors import refused
from ..extensions import db
from ..formkit import id_argument, options
from ..models import City, Company, Event, EventMeeting, EventParticipant, EventSlot
from ..templating import INTRO_STATE_LABELS, listing_text
from . import outcomes, services
from .forms import MODE_LABELS, OUTCOME_LABELS, EventForm
from .matrix import interest_matrix

bp = Blueprint("events", __name__, url_prefix="/events")


def visible_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not services.visible(current_user, event):
        abort(404)
    return event


def back(event):
    return redirect(url_for("events.detail", event_id=event.id), 303)


def refused_back(event, status: int):
    return refused(status, url_for("events.detail", event_id=event.id), _("Back to the event"))


@bp.route("")
@login_required
def index():
    events = [e for e in db.session.scalars(select(Event).order_by(Event.held_on.desc())) if services.visible(current_user, e)]
    return render_template("events/index.html", events=events, modes=MODE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def create():
    form = EventForm()
    form.timezone.choices = timezone_choices()
    form.companies.choices = options((c.ref, c.display_name) for c in db.session.scalars(select(Company).order_by(Company.name)))
    form.cities.choices = options((c.ref, c.display_name) for c in db.session.scalars(select(City).order_by(City.name)))
    if form.validate_on_submit():
        claimed = idempotency.claim_form(current_user, form)
        event = Event(title=form.title.data.strip(), held_on=form.held_on.data, mode=form.mode.data,
                      place=(form.place.data or "").strip(), url=(form.url.data or "").strip(),
                      timezone=form.timezone.data, created_by_id=current_user.id)
        services.make_slots(event, datetime.combine(form.held_on.data, form.first_slot.data), form.slot_minutes.data,
                            form.slot_count.data, form.tables.data)
        for ref in form.companies.data:
            event.participants.append(EventParticipant(company=db.session.scalar(select(Company).where(Company.ref == ref))))
        for ref in form.cities.data:
            event.participants.append(EventParticipant(city=db.session.scalar(select(City).where(City.ref == ref))))
        db.session.add(event)
        db.session.flush()
        idempotency.finish(claimed, url_for("events.detail", event_id=event.id))
        db.session.commit()
        flash(_("Event created. Participants can now mark whom they want to meet."), "success")
        return back(event)
    return render_template("events/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:event_id>")
@login_required
def detail(event_id):
    event = visible_event(event_id)
    me = services.participant_of(current_user, event)
    meetings = sorted(event.meetings, key=lambda m: (m.slot.starts_at, m.slot.table))
    page = {"event": event, "me": me, "modes": MODE_LABELS, "meetings": meetings, "outcome_labels": OUTCOME_LABELS}
    if me:
        page.update(wanted={i.to_id for i in db.session.scalars(select(services.EventInterest).where(
                        services.EventInterest.from_id == me.id))},
                    choices=[p for p in event.participants if services.may_ask(me, p)],
                    times=services.start_times(event), away=services.away_times(me))
    if current_user.is_staff:
        page.update(filled=services.filled(event), counts=outcomes.counts(event),
                    recordable={m.id for m in meetings if outcomes.started(m)})
    return render_template("events/detail.html", **page)


def posted_times(event, field: str) -> set[datetime]:
    """The event's start times named in a form's `field` (ISO values); anything else is ignored."""
    times = {t.isoformat(): t for t in services.start_times(event)}
    return {times[v] for v in request.form.getlist(field) if v in times}


@bp.route("/<int:event_id>/interests", methods=["POST"])
@login_required
def interests(event_id):
    """A participant's wishes (whom to meet) and the times they cannot meet."""
    event = visible_event(event_id)
    me = services.participant_of(current_user, event)
    if me is None:
        abort(403)
    try:
        services.set_interests(me, {int(v) for v in request.form.getlist("meet") if v.isdigit()})
        services.set_availability(me, posted_times(event, "away"))
    except services.EventError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back(event, error.status)
    db.session.commit()
    flash(_("Saved: the coordinator will schedule meetings from everybody's wishes."), "success")
    return back(event)


def staff_event(event_id: int) -> Event:
    if not current_user.is_staff:
        abort(403)
    return visible_event(event_id)


@bp.route("/<int:event_id>/rules", methods=["POST"])
@login_required
def rules(event_id):
    """The coordinator's rules for the event: may companies ask to meet other companies?"""
    event = staff_event(event_id)
    services.set_rules(event, request.form.get("companies_may_meet") == "1")
    db.session.commit()
    flash(_("Companies may now ask to meet other companies.") if event.companies_may_meet
          else _("Companies can now ask to meet cities and agencies only."), "success")
    return back(event)


@bp.route("/<int:event_id>/matrix")
@login_required
def matrix(event_id):
    """Who wants to meet whom, with the match scores, for the coordinator."""
    event = staff_event(event_id)
    return render_template("events/matrix.html", event=event, matrix=interest_matrix(event))


@bp.route("/<int:event_id>/schedule", methods=["POST"])
@login_required
def schedule(event_id):
    event = staff_event(event_id)
    try:
        proposal = services.propose_schedule(event)
        db.session.commit()
        flash(_("%(made)d of %(slots)d slots filled: %(interests)d from interests, %(matches)d from matches. "
                "Adjust them, then publish.", made=proposal.meetings, slots=proposal.slots,
                interests=proposal.from_interests, matches=proposal.from_matches), "success")
    except services.EventError as error:
        flash(str(error.message), "error")
        return refused_back(event, error.status)
    return back(event)


def event_meeting(event, meeting_id) -> EventMeeting:
    meeting = db.session.get(EventMeeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


def adjust(event, change):
    """Run a schedule change; a constraint violation comes back as a 409 with a message."""
    try:
        change()
        db.session.commit()
    except services.EventError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back(event, error.status)
    return back(event)


def posted_item(model, event, field: str):
    """The `model` row the form names in `field`; it must belong to `event` (400 otherwise)."""
    item_id = id_argument(request.form, field)
    item = db.session.get(model, item_id) if item_id else None
    if item is None or item.event_id != event.id:
        abort(400)
    return item


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/move", methods=["POST"])
@login_required
def move(event_id, meeting_id):
    event = staff_event(event_id)
    meeting = event_meeting(event, meeting_id)
    slot = posted_item(EventSlot, event, "slot")
    return adjust(event, lambda: services.move(meeting, slot))


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/add", methods=["POST"])
@login_required
def add_member(event_id, meeting_id):
    event = staff_event(event_id)
    meeting = event_meeting(event, meeting_id)
    participant = posted_item(EventParticipant, event, "participant")
    return adjust(event, lambda: services.add_member(meeting, participant))


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/delete", methods=["POST"])
@login_required
def delete_meeting(event_id, meeting_id):
    event = staff_event(event_id)
    audit.record("delete", f"event {event.id} meeting {meeting_id}")
    db.session.delete(event_meeting(event, meeting_id))
    db.session.commit()
    return back(event)


@bp.route("/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["POST"])
@login_required
def outcome(event_id, meeting_id):
    """After the meeting: held, no-show, or held with a follow-up (which proposes or advances an introduction)."""
    event = staff_event(event_id)
    meeting = event_meeting(event, meeting_id)
    try:
        results = outcomes.record_outcome(current_user, meeting, request.form.get("outcome", ""))
    except services.EventError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back(event, error.status)
    db.session.commit()
    flash(_("Outcome saved."), "success")
    if meeting.outcome == "follow_up" and not results:
        flash(_("No introduction was made: these organisations have no matched need and technology."), "info")
    for result in results:
        flash(follow_up_message(result), "error" if result.change == "refused" else "info")
    return back(event)


def follow_up_message(result) -> str:
    pair = {"need": listing_text(result.need, "title"), "technology": listing_text(result.technology, "title")}
    if result.change == "refused":
        return _("No introduction for %(need)s ↔ %(technology)s: %(reason)s", reason=result.note, **pair)
    state = INTRO_STATE_LABELS.get(result.introduction.state, result.introduction.state)
    if result.change == "proposed":
        return _("Introduction proposed to both sides: %(need)s ↔ %(technology)s.", **pair)
    if result.change == "advanced":
        return _("Introduction moved on to “%(state)s”: %(need)s ↔ %(technology)s.", state=state, **pair)
    return _("This pair already has an introduction (%(state)s): %(need)s ↔ %(technology)s.", state=state, **pair)


@bp.route("/<int:event_id>/publish", methods=["POST"])
@login_required
def publish(event_id):
    event = staff_event(event_id)
    services.publish(event)
    db.session.commit()
    flash(_("Schedule published. Every participant can print their agenda."), "success")
    return back(event)


@bp.route("/<int:event_id>/unpublish", methods=["POST"])
@login_required
def unpublish(event_id):
    """Take the schedule back to draft, e.g. to propose a new one."""
    event = staff_event(event_id)
    event.published = False
    db.session.commit()
    flash(_("The schedule is a draft again."), "success")
    return back(event)


def agenda_participant(event_id: int) -> tuple[Event, EventParticipant]:
    """The event and whose agenda the reader sees: their own, or for staff ?participant=; else 404."""
    event = visible_event(event_id)
    me = services.participant_of(current_user, event)
    chosen = id_argument(request.args, "participant")
    if current_user.is_staff and chosen:
        me = db.session.get(EventParticipant, chosen)
        if me is None or me.event_id != event.id:
            abort(404)
    if me is None or (not event.published and not current_user.is_staff):
        abort(404)
    return event, me


@bp.route("/<int:event_id>/agenda")
@login_required
def agenda(event_id):
    """A participant's printable agenda (staff choose whose with ?participant=)."""
    event, me = agenda_participant(event_id)
    return render_template("events/agenda.html", event=event, participant=me, meetings=services.agenda(event, me),
                           modes=MODE_LABELS)


@bp.route("/<int:event_id>/agenda.ics")
@login_required
def agenda_ics(event_id):
    """The same agenda for a calendar app (the private feed carries it too once published)."""
    event, me = agenda_participant(event_id)
    meetings = services.agenda(event, me)
    body = calendars.calendar([calendars.event_meeting_event(m) for m in meetings], event.title)
    changed = [m.updated_at for m in meetings]
    return calendars.ics_response(body, f"matchapp-event-{event.id}.ics", max(changed) if changed else None)
