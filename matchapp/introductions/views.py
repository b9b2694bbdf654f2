"""Introduction pages: request, answer, thread, meetings, calendars and the inbox."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import refused
from .. import calendars, idempotency, notifications
from ..events import services as event_services
from ..extensions import db
from ..models import Introduction, Meeting, Message, Need, Notification, Technology, User
from ..downloads import download
from ..workspace import projects
from . import meetings as meeting_service
from . import services
from .forms import MessageForm, ProposeForm, RequestForm

bp = Blueprint("introductions", __name__)


def visible_or_404(introduction_id: int) -> Introduction:
    try:
        return services.get_visible(current_user, introduction_id)
    except services.IntroductionError:
        abort(404)


def back_to(introduction):
    return redirect(url_for("introductions.detail", introduction_id=introduction.id), 303)


def refused_back_to(introduction, status: int):
    return refused(status, url_for("introductions.detail", introduction_id=introduction.id),
                   _("Back to the introduction"))


@bp.route("/introductions")
@login_required
def index():
    query = select(Introduction).order_by(Introduction.updated_at.desc())
    if current_user.city_id is not None:
        query = query.where(Introduction.need.has(Need.city_id == current_user.city_id))
    elif current_user.company_id is not None:
        query = query.where(Introduction.technology.has(Technology.company_id == current_user.company_id))
    elif not current_user.is_staff:
        query = query.where(False)
    introductions = db.session.scalars(query.limit(200)).all()
    for introduction in introductions:
        services.expire_if_due(introduction)
    db.session.commit()
    return render_template("introductions/index.html", introductions=introductions)


@bp.route("/introductions", methods=["POST"])
@login_required
def create():
    form = RequestForm()
    if not form.validate_on_submit():
        abort(400)
    need = db.session.scalar(select(Need).where(Need.ref == form.need.data))
    technology = db.session.scalar(select(Technology).where(Technology.ref == form.technology.data))
    if need is None or technology is None:
        abort(404)
    try:
        introduction = services.request_introduction(current_user, need, technology, form.message.data or "")
        db.session.commit()
    except services.IntroductionError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(str(error.message), "error")
        existing = services.introduction_for_pair(need, technology)
        if existing is not None and services.visible(current_user, existing):
            return back_to(existing)
        return redirect(url_for("listings.detail", kind="needs", ref=need.ref), 303)
    flash(_("Introduction requested. The other side has been notified."), "success")
    return back_to(introduction)


@bp.route("/introductions/<int:introduction_id>")
@login_required
def detail(introduction_id):
    """The introduction with only the buttons the reader may use: each from its handler's own rule."""
    introduction = visible_or_404(introduction_id)
    services.expire_if_due(introduction)
    notifications.mark_read(current_user, services.link(introduction))
    db.session.commit()
    zones = meeting_service.party_timezones(introduction)
    return render_template("introductions/detail.html", introduction=introduction,
                           actions=services.available_actions(current_user, introduction),
                           may_propose=meeting_service.may_propose(current_user, introduction),
                           changeable={m.id for m in introduction.meetings
                                       if meeting_service.may_change(current_user, m)},
                           confirmable={m.id for m in introduction.meetings
                                        if meeting_service.may_confirm(current_user, m)},
                           project=project_step(introduction),
                           message_form=MessageForm(), propose_form=ProposeForm(),
                           reschedule_forms={m.id: reschedule_form(m) for m in introduction.meetings},
                           zones=zones)


def project_step(introduction) -> dict | None:
    """For staff: the project this introduction became (a link), or whether it can become one (a button)."""
    if not current_user.is_staff:
        return None
    existing = projects.project_of(introduction)
    if existing is not None:
        return {"id": existing}
    return {"id": None} if projects.can_become_project(introduction) else None


@bp.route("/introductions/<int:introduction_id>/<any(accept, decline, withdraw, renew, met, follow_up, close):action>",
          methods=["POST"])
@login_required
def act(introduction_id, action):
    introduction = visible_or_404(introduction_id)
    try:
        services.act(current_user, introduction, action, request.form.get("note", ""))
        db.session.commit()
        flash(_("Done."), "success")
    except services.IntroductionError as error:
        flash(str(error.message), "error")
        return refused_back_to(introduction, error.status)
    return back_to(introduction)


@bp.route("/introductions/<int:introduction_id>/messages", methods=["POST"])
@login_required
def post_message(introduction_id):
    introduction = visible_or_404(introduction_id)
    form = MessageForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return refused_back_to(introduction, 400)
    idempotency.claim_form(current_user, form, url_for("introductions.detail", introduction_id=introduction.id))
    upload = form.attachment.data
    data = upload.read() if upload else None
    if data is not None and len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        flash(_("The attachment is larger than 2 MB."), "error")
        return refused_back_to(introduction, 400)
    db.session.add(Message(introduction_id=introduction.id, author_id=current_user.id, body=form.body.data.strip(),
                           attachment=data or None, attachment_name=(upload.filename or "")[:255] if data else "",
                           attachment_type=(upload.mimetype or "")[:100] if data else ""))
    side = services.side_of(current_user, introduction)
    for party in ("city", "company"):
        if party != side:
            notifications.notify(services.users_of(introduction, party), "message",
                                 services.params(introduction, current_user), services.link(introduction))
    db.session.commit()
    return back_to(introduction)


@bp.route("/introductions/<int:introduction_id>/messages/<int:message_id>/attachment")
@login_required
def attachment(introduction_id, message_id):
    introduction = visible_or_404(introduction_id)
    message = db.session.get(Message, message_id)
    if message is None or message.introduction_id != introduction.id or not message.attachment:
        abort(404)
    return download(message.attachment, message.attachment_name)


@bp.route("/introductions/<int:introduction_id>/meetings", methods=["POST"])
@login_required
def propose_meeting(introduction_id):
    introduction = visible_or_404(introduction_id)
    form = ProposeForm()
    if not form.validate_on_submit():
        return invalid_proposal(form, introduction)
    idempotency.claim_form(current_user, form, url_for("introductions.detail", introduction_id=introduction.id))
    try:
        meeting_service.propose(current_user, introduction, *proposal_of(form))
        db.session.commit()
    except services.IntroductionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back_to(introduction, error.status)
    flash(_("Times proposed. The other side will pick one."), "success")
    return back_to(introduction)


@bp.route("/meetings/<int:meeting_id>/confirm", methods=["POST"])
@login_required
def confirm_meeting(meeting_id):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not services.visible(current_user, meeting.introduction):
        abort(404)
    try:
        option_id = int(request.form.get("option", ""))
    except ValueError:
        option_id = -1
    try:
        meeting_service.confirm(current_user, meeting, option_id)
        db.session.commit()
    except services.IntroductionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back_to(meeting.introduction, error.status)
    flash(_("Meeting confirmed."), "success")
    return back_to(meeting.introduction)


def invalid_proposal(form: ProposeForm, introduction):
    """The refusal page for a proposal form that did not validate, each of its errors flashed."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return refused_back_to(introduction, 400)


def proposal_of(form: ProposeForm) -> tuple:
    """(starts in UTC, mode, url, place, duration) from a filled proposal form, in the user's zone."""
    zone = current_user.timezone
    starts = [meeting_service.local_to_utc(f.data, zone) for f in (form.option1, form.option2, form.option3) if f.data]
    return starts, form.mode.data, form.url.data or "", form.place.data or "", form.duration.data


def reschedule_form(meeting: Meeting) -> ProposeForm:
    """The proposal form for new times of `meeting`, filled with how it meets now (its own field ids)."""
    return ProposeForm(prefix=f"m{meeting.id}", formdata=None, duration=meeting.duration_minutes, mode=meeting.mode,
                       url=meeting.url, place=meeting.place)


def visible_meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not services.visible(current_user, meeting.introduction):
        abort(404)
    return meeting


@bp.route("/meetings/<int:meeting_id>/reschedule", methods=["POST"])
@login_required
def reschedule_meeting(meeting_id):
    meeting = visible_meeting_or_404(meeting_id)
    form = ProposeForm(prefix=f"m{meeting.id}")
    if not form.validate_on_submit():
        return invalid_proposal(form, meeting.introduction)
    idempotency.claim_form(current_user, form, url_for("introductions.detail", introduction_id=meeting.introduction_id))
    try:
        meeting_service.reschedule(current_user, meeting, *proposal_of(form))
        db.session.commit()
    except services.IntroductionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back_to(meeting.introduction, error.status)
    flash(_("New times proposed. The other side will pick one; until then the meeting keeps its time."), "success")
    return back_to(meeting.introduction)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel_meeting(meeting_id):
    meeting = visible_meeting_or_404(meeting_id)
    try:
        meeting_service.cancel(current_user, meeting)
        db.session.commit()
    except services.IntroductionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused_back_to(meeting.introduction, error.status)
    flash(_("Meeting cancelled. Both sides' calendars show it as cancelled."), "success")
    return back_to(meeting.introduction)


@bp.route("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id):
    meeting = visible_meeting_or_404(meeting_id)
    if not meeting_service.in_calendars(meeting):
        abort(404)
    body = calendars.calendar([meeting_service.calendar_event(meeting)], _("MatchApp meeting"))
    return calendars.ics_response(body, f"matchapp-meeting-{meeting.id}.ics", meeting.updated_at)


@bp.route("/calendar/<token>.ics")
def calendar_feed(token):
    """A private, revocable feed of the user's meetings (introductions' and events') for calendar apps."""
    user = db.session.scalar(select(User).where(User.calendar_token == token)) if len(token) >= 20 else None
    if user is None or not user.active:
        abort(404)
    with force_locale(user.language):
        meetings = meeting_service.meetings_for(user)
        event_meetings = event_services.calendar_meetings(user)
        entries = [meeting_service.calendar_event(m) for m in meetings] + [
            calendars.event_meeting_event(m) for m in event_meetings]
        body = calendars.calendar(entries, _("MatchApp meetings"))
    changed = [m.updated_at for m in meetings + event_meetings]
    return calendars.ics_response(body, "matchapp.ics", max(changed) if changed else None)


@bp.route("/inbox")
@login_required
def inbox():
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)).all()
    return render_template("introductions/inbox.html", items=items)


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_read():
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("introductions.inbox"), 303)


@bp.route("/inbox/<int:notification_id>")
@login_required
def open_notification(notification_id):
    """Open an inbox entry: it is read from now on (the badge drops), and the reader goes where it points."""
    try:
        target = notifications.open_for(current_user, notification_id)
    except notifications.NotificationNotFound:
        abort(404)
    db.session.commit()
    return redirect(target or url_for("introductions.inbox"), 303)


@bp.app_template_global("may_request_introduction")
def may_request_introduction(need, technology) -> bool:
    """Whether the reader gets the "Request an introduction" form: the handler's own rule."""
    return services.may_request(current_user, need, technology)


@bp.app_template_global("sender_name")
def sender_name(user) -> str:
    return notifications.sender_name(user)
