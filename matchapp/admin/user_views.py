"""Users: the list with filters, invitations (and their acceptance), role and organisation, deactivation."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts import services
from ..accounts.auth import roles_required, start_session
from ..accounts.reset import InvalidToken
from ..accounts.views import apply_account_error
from ..errors import refused
from ..extensions import db, limiter
from ..models import ROLES, AuditEvent, City, Company, User
from ..models.base import utcnow
from ..templating import ROLE_LABELS
from . import auditlog, bp, invitations
from .forms import AcceptInvitationForm, ActionForm, InviteForm, RoleForm, chosen_organisation, organisation_value
from ..paging import page_number, paged

PER_PAGE = 50
STATES = ("active", "invited", "deactivated")


def user_query(role: str, text: str, state: str):
    """Users by e-mail, filtered in SQL by role, account state and words of their e-mail, name or organisation."""
    query = (select(User).outerjoin(Company, User.company_id == Company.id).outerjoin(City, User.city_id == City.id)
             .options(selectinload(User.company), selectinload(User.city)).order_by(User.email))
    if role in ROLES:
        query = query.where(User.role == role)
    if state == "active":
        query = query.where(User.active.is_(True))
    elif state == "invited":
        query = query.where(User.active.is_(False), User.password_hash == services.INVITED_PASSWORD_HASH)
    elif state == "deactivated":
        query = query.where(User.active.is_(False), User.password_hash != services.INVITED_PASSWORD_HASH)
    for word in text.lower().split()[:8]:
        query = query.where(or_(*(func.lower(column).contains(word, autoescape=True) for column in (
            User.email, User.name, Company.name, Company.name_ja, City.name, City.name_ja))))
    return query


@bp.route("/admin/users")
@roles_required("admin")
def users():
    """Every account, 50 a page, with filters."""
    args = {"role": request.args.get("role", ""), "q": (request.args.get("q") or "").strip()[:200],
            "state": request.args.get("state", "")}
    page = paged(user_query(args["role"], args["q"], args["state"]), page_number(request.args), PER_PAGE)
    return render_template("admin/users.html", page=page, args={k: v for k, v in args.items() if v},
                           roles=ROLES, states=STATES, state_of=services.account_state)


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@roles_required("admin")
def invite():
    """Invite someone by e-mail: an inactive account with the role and organisation, and a mailed link."""
    form = InviteForm().fill_choices()
    if form.validate_on_submit():
        company, city = chosen_organisation(form.organisation.data)
        try:
            invitee = services.invite_user(current_user, form.email.data, form.role.data, company=company,
                                           city=city, name=form.name.data or "", language=form.language.data)
            invitations.send(invitee)
            db.session.commit()
        except services.AccountError as error:
            db.session.rollback()
            apply_account_error(form, error)
        else:
            flash_invitation_sent(invitee)
            return redirect(url_for("admin.user", user_id=invitee.id), 303)
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200


def flash_invitation_sent(user: User) -> None:
    if current_app.config.get("MAIL_SERVER"):
        flash(_("We sent an invitation to %(email)s. The link works once, within %(days)d days.", email=user.email,
                days=invitations.max_age() // 86400), "success")
    else:
        flash(_("The account of %(email)s is ready, but no e-mail was sent: this server has no MAIL_SERVER. "
                "In development the link is written to the server log.", email=user.email), "info")


def user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>")
@roles_required("admin")
def user(user_id):
    """One account: its role and organisation, its state, and what the audit log says about it."""
    account = user_or_404(user_id)
    form = RoleForm(formdata=None, role=account.role, organisation=organisation_value(account)).fill_choices()
    return render_user(account, form)


def render_user(account: User, form: RoleForm, status: int = 200):
    history = db.session.execute(
        select(AuditEvent, User.email).outerjoin(User, AuditEvent.user_id == User.id)
        .where(or_(AuditEvent.target == account.email, and_(AuditEvent.user_id == account.id,
                                                             AuditEvent.action.in_(("login", "logout")))))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template("admin/user.html", account=account, form=form, action_form=ActionForm(),
                           state=services.account_state(account), history=history,
                           action_label=auditlog.action_label), status


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def change_role(user_id):
    account = user_or_404(user_id)
    form = RoleForm().fill_choices()
    if not form.validate_on_submit():
        return render_user(account, form, 400)
    company, city = chosen_organisation(form.organisation.data)
    try:
        changes = services.change_role(current_user, account, form.role.data, company=company, city=city)
        db.session.commit()
    except services.AccountRefused as error:
        return refuse(error, account)
    except services.AccountError as error:
        db.session.rollback()
        apply_account_error(form, error)
        return render_user(account, form, error.status)
    flash(_("Saved: %(email)s is now %(role)s.", email=account.email, role=role_text(account)) if changes
          else _("Nothing was changed."), "success" if changes else "info")
    return redirect(url_for("admin.user", user_id=account.id), 303)


def role_text(account: User) -> str:
    role = str(ROLE_LABELS.get(account.role, account.role))
    return f"{role} ({account.organisation.display_name})" if account.organisation is not None else role


def refuse(error: services.AccountError, account: User):
    """The refusal page: why, nothing changed, and the way back to the account."""
    db.session.rollback()
    flash(str(error.message), "error")
    return refused(error.status, url_for("admin.user", user_id=account.id), _("Back to the user"))


def account_action(user_id: int, change, message: str):
    """One button's change to an account as the request's unit of work."""
    account = user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(account)
        db.session.commit()
    except services.AccountError as error:
        return refuse(error, account)
    flash(message % {"email": account.email}, "success")
    return redirect(url_for("admin.user", user_id=account.id), 303)


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required("admin")
def deactivate(user_id):
    """The user can no longer log in; their sessions end at once."""
    return account_action(user_id, lambda account: services.deactivate(current_user, account),
                          _("%(email)s is deactivated and logged out everywhere."))


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required("admin")
def reactivate(user_id):
    return account_action(user_id, lambda account: services.reactivate(current_user, account),
                          _("%(email)s can log in again."))


@bp.route("/admin/users/<int:user_id>/invitation", methods=["POST"])
@roles_required("admin")
def resend_invitation(user_id):
    """A new link for an invitation not yet accepted; the earlier links stop working."""
    def send_again(account):
        services.invitation_renewed(current_user, account)
        invitations.send(account)

    return account_action(user_id, send_again, _("A new invitation link was sent to %(email)s; earlier links no "
                                                 "longer work."))


@bp.route("/account/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token):
    """The mailed link: the invitee chooses a password and is logged in."""
    try:
        invitee = invitations.user_for_token(token)
    except InvalidToken as error:
        message = (_("This invitation link has expired. Ask the administrator who invited you for a new one.")
                   if error.expired else
                   _("This invitation link is not valid or was already used. If you set your password, log in."))
        return render_template("admin/invitation_invalid.html", message=message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(invitee, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            apply_account_error(form, error)
        else:
            invitee.previous_login_at, invitee.last_login_at = invitee.last_login_at, utcnow()
            audit.record("login", invitee.email, user=invitee)
            db.session.commit()
            language = session.get("language")
            session.clear()  # a fresh session: nothing of whoever used this browser before carries over
            if language:
                session["language"] = language
            login_user(invitee)
            start_session(remember=False)
            flash(_("Welcome to MatchApp: your password is set and you are logged in."), "success")
            return redirect(url_for("main.dashboard"), 303)
    return render_template("admin/accept_invitation.html", form=form, invitee=invitee,
                           min_length=services.MIN_PASSWORD_LENGTH), 400 if form.errors else 200
