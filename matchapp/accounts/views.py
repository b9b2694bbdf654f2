"""Registration, login, logout and profile pages."""
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import audit, jobs, mail
from ..extensions import csrf, db, limiter
from ..models import ApiToken, Country, User
from ..models.base import utcnow
from . import reset, services, signup
from .auth import start_session
from ..formkit import options
from .forms import (ConfirmAddressForm, LoginForm, PasswordChangeForm, PasswordResetForm, PasswordResetRequestForm, ProfileForm,
                    RegistrationForm, TokenForm, timezone_choices)

bp = Blueprint("accounts", __name__, url_prefix="/account")


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else sends the user to the dashboard."""
    if target:
        parts = urlsplit(target.replace("\\", "/"))
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.dashboard")


def country_choices() -> list[tuple[str, str]]:
    countries = db.session.scalars(select(Country)).all()
    return options([("", _("Choose a country"))] + sorted(((c.code, c.name) for c in countries), key=lambda c: c[1]))


def apply_account_error(form, error: services.AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        flash(str(error.message), "error")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTRATION_LIMIT"], methods=["POST"])
def register():
    """Sign-up for company and city users; each registration creates its organisation.

    A well-formed request is always answered "check your inbox": a new address gets a link to
    confirm it, one that already has an account gets a note to its owner (signup.py).
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm()
    form.country.choices = country_choices()
    if form.validate_on_submit():
        try:
            email = services.valid_email(form.email.data)
            existing = services.account_for(email)
            if existing is not None:
                User.hash_like_a_new_account(form.password.data)  # as long as creating one takes
                signup.send_address_taken(existing)
                audit.record("registration_existing_address", email)
            else:
                user = register_organisation(form)
                db.session.flush()
                signup.send_confirmation(user)
                audit.record("registration", email, user=user)
            db.session.commit()
        except services.AccountError as error:
            db.session.rollback()
            apply_account_error(form, error)
        else:
            return render_template("accounts/check_inbox.html", email=email)
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


def register_organisation(form) -> User:
    if form.role.data == "company":
        return services.register_company(
            form.email.data, form.password.data, name=form.organisation_name.data,
            name_ja=form.organisation_name_ja.data or "", home_city=form.home_city.data or "",
            language=form.language.data)
    return services.register_city(
        form.email.data, form.password.data, name=form.organisation_name.data,
        name_ja=form.organisation_name_ja.data or "", country_code=form.country.data,
        language=form.language.data)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token):
    """The link mailed at sign-up. GET only shows a button: mail scanners that open links confirm nothing."""
    try:
        user = signup.user_for_token(token)
    except reset.InvalidToken as error:
        message = (_("This confirmation link has expired. Log in and ask for a new one.") if error.expired
                   else _("This confirmation link is not valid or was already used. Log in to continue."))
        flash(message, "error")
        return redirect(url_for("accounts.login"), 303)
    form = ConfirmAddressForm()
    if form.validate_on_submit():
        signup.confirm(user)
        audit.record("email_confirmed", user.email, user=user)
        db.session.commit()
        if not current_user.is_authenticated or current_user.id != user.id:
            session.clear()
            login_user(user)
            start_session(remember=False)
        flash(_("Thank you: your e-mail address is confirmed. Your organisation can publish listings now."),
              "success")
        return redirect(url_for("main.dashboard"), 303)
    return render_template("accounts/confirm_address.html", form=form, email=user.email)


@bp.route("/confirm", methods=["POST"])
@login_required
@limiter.limit("3 per hour")
def resend_confirmation():
    """Send the confirmation link again (it may have expired or gone to a spam folder)."""
    if current_user.email_verified_at is None:
        signup.send_confirmation(current_user)
        db.session.commit()
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("main.dashboard"), 303)


def login_account_key() -> str:
    """The account a login names: attempts on one account are counted whichever address they come from."""
    return "account:" + User.normalise_email(request.form.get("email") or "")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=login_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email))
        if User.authenticate(user, form.password.data):
            language = session.get("language")
            session.clear()  # a fresh session on login: nothing from before carries over
            if language:
                session["language"] = language
            login_user(user, remember=form.remember.data)
            start_session(form.remember.data)
            user.previous_login_at, user.last_login_at = user.last_login_at, utcnow()
            audit.record("login", user.email, user=user)
            db.session.commit()
            flash(_("You are logged in."), "success")
            return redirect(safe_next(request.args.get("next")))
        audit.record("login_failed", email)
        db.session.commit()
        flash(_("The e-mail address or password is not correct."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere: the new session version refuses every copy of the old cookies."""
    current_user.session_version += 1
    audit.record("logout", current_user.email)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def request_password_reset():
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        # Whether the address has an account is looked up by the job, after the response: the request
        # does the same work either way, so its timing tells nothing.
        jobs.enqueue("send_password_reset", email)
        audit.record("password_reset_requested", email)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to set a new password. "
                "The link works once, within %(minutes)d minutes.",
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60), "info")
        return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/password_reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token):
    """Set a new password from a reset link; every existing session of the user ends."""
    try:
        user = reset.user_for_token(token)
    except reset.InvalidToken as error:
        message = (_("This reset link has expired. Ask for a new one.") if error.expired
                   else _("This reset link is not valid or was already used. Ask for a new one."))
        return render_template("accounts/password_reset_request.html", form=PasswordResetRequestForm(),
                               link_error=message), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.session_version += 1
        revoked = services.revoke_credentials(user)
        audit.record("password_reset", user.email, user=user)
        audit.record("credentials_revoked", user.email, f"{revoked} API token(s) and the calendar feed link",
                     user=user)
        db.session.commit()
        logout_user()
        flash(_("Your password was changed. Log in with the new password. Your API tokens and calendar feed "
                "link no longer work: create new ones on your profile."), "success")
        return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/password_reset.html", form=form), 400 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Language, time zone and password; two forms on one page."""
    profile_form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    profile_form.timezone.choices = timezone_choices(current_user.timezone)
    password_form = PasswordChangeForm()
    status = 200
    if request.method == "POST" and "submit_password" in request.form:
        if password_form.validate_on_submit():
            try:
                services.change_password(current_user, password_form.current_password.data,
                                         password_form.password.data)
                current_user.session_version += 1  # other sessions end; this one logs in again below
                revoked = services.revoke_credentials(current_user)
                audit.record("password_change", current_user.email)
                audit.record("credentials_revoked", current_user.email,
                             f"{revoked} API token(s) and the calendar feed link")
                db.session.commit()
                remember = session.get("remember", False)
                login_user(current_user._get_current_object(), remember=remember)
                start_session(remember)
                flash(_("Your password was changed. Your API tokens and calendar feed link no longer work: "
                        "create new ones below."), "success")
                return redirect(url_for("accounts.profile"))
            except services.AccountError as error:
                db.session.rollback()
                apply_account_error(password_form, error)
        status = 400
    elif profile_form.validate_on_submit():
        current_user.name = (profile_form.name.data or "").strip()
        current_user.language = profile_form.language.data
        current_user.timezone = profile_form.timezone.data
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("accounts.profile"))
    elif request.method == "POST":
        status = 400
    return render_profile(profile_form, password_form), status


def render_profile(profile_form=None, password_form=None, new_token=None):
    if profile_form is None:
        profile_form = ProfileForm(obj=current_user)
        profile_form.timezone.choices = timezone_choices(current_user.timezone)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id,
                                                       ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
                                .order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/profile.html", profile_form=profile_form,
                           password_form=password_form or PasswordChangeForm(), token_form=TokenForm(),
                           tokens=tokens, new_token=new_token)


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    """A new API token, shown once on the page that answers this request."""
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("accounts.profile"), 303)
    _token, secret = ApiToken.issue(current_user, form.name.data)
    db.session.commit()
    return render_profile(new_token=secret), 201


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    token.revoked_at = utcnow()
    audit.record("token_revoke", token.prefix)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.route("/calendar", methods=["POST"])
@login_required
def calendar_token():
    """Create (or replace) the private calendar feed address; the old one stops working."""
    current_user.calendar_token = secrets.token_urlsafe(24)
    db.session.commit()
    flash(_("Your private calendar address is ready. Anyone with it can see your meeting times."), "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
def revoke_calendar():
    current_user.calendar_token = None
    db.session.commit()
    flash(_("The calendar address was revoked."), "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """The link in list mail (digests, announcements). GET asks first, so a mail scanner that
    follows links unsubscribes nobody; POST — the button, or a provider's one-click (RFC 8058) —
    opts the user out. No login: the signed token is the permission."""
    user = mail.unsubscribing_user(token)
    if user is None:
        abort(404)
    if request.method == "POST":
        user.digest_opt_out = True
        audit.record("unsubscribe", target=user.email, user=user)
        db.session.commit()
    return render_template("accounts/unsubscribe.html", user=user, token=token, done=request.method == "POST")


@bp.route("/digest", methods=["POST"])
@login_required
def digest_preference():
    current_user.digest_opt_out = request.form.get("digest") != "on"
    db.session.commit()
    flash(_("Your e-mail preference was saved."), "success")
    return redirect(url_for("accounts.profile"), 303)
