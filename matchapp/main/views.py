"""Landing page, dashboard per role, organisation overview and language switch."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..accounts.auth import roles_required
from ..accounts.views import safe_next
from ..extensions import db
from ..listings.services import freshness, is_public
from ..errors import refused
from ..workspace import calendar, next_steps
from ..workspace.announcements import KIND_LABELS, for_user as announcements_for
from ..models import City, Company, Match, Need, Technology

bp = Blueprint("main", __name__)


def platform_counts() -> dict[str, int]:
    return {
        "companies": db.session.scalar(select(func.count(Company.id))),
        "cities": db.session.scalar(select(func.count(City.id))),
        "technologies": db.session.scalar(
            select(func.count(Technology.id)).where(Technology.status == "published")),
        "needs": db.session.scalar(select(func.count(Need.id)).where(Need.status == "open")),
    }


@bp.route("/")
def index():
    """Public landing page."""
    return render_template("main/index.html", counts=platform_counts())


@bp.route("/dashboard")
@login_required
def dashboard():
    """What the user's role needs first: own listings, or the platform overview."""
    technologies = needs = []
    if current_user.role == "company":
        technologies = current_user.company.technologies
    elif current_user.role == "city":
        needs = current_user.city.needs
    due = [listing for listing in list(technologies) + list(needs)
           if is_public(listing) and freshness(listing).due]
    return render_template("main/dashboard.html", counts=platform_counts(),
                           technologies=technologies, needs=needs, due=due,
                           announcements=announcements_for(current_user), announcement_kinds=KIND_LABELS,
                           match_counts=match_counts(technologies, needs),
                           steps=next_steps.for_user(current_user))


def match_counts(technologies, needs) -> dict:
    """Stored matches per own listing, keyed by ref, for the dashboard's links."""
    counts = {}
    for listings, column in ((technologies, Match.technology_id), (needs, Match.need_id)):
        if listings:
            by_id = dict(db.session.execute(select(column, func.count()).where(
                column.in_([listing.id for listing in listings])).group_by(column)).all())
            counts.update({listing.ref: by_id.get(listing.id, 0) for listing in listings})
    return counts


@bp.route("/calendar")
@login_required
def calendar_page():
    """The user's confirmed meetings by week or month, in the user's time zone, with the feed link."""
    today = next_steps.local_today(current_user)
    try:
        view, day = calendar.parse(request.args.get("view"), request.args.get("date"), today)
    except calendar.CalendarError as error:
        flash(str(error.message), "error")
        return refused(error.status, url_for("main.calendar_page"), _("Back to the calendar"))
    return render_template("main/calendar.html", period=calendar.period(current_user, view, day), today=today)


@bp.route("/organisations")
@roles_required("coordinator", "admin")
def organisations():
    """Coordinators' overview of every company and partner city."""
    companies = db.session.scalars(select(Company).order_by(Company.name)).all()
    cities = db.session.scalars(select(City).order_by(City.name)).all()
    return render_template("main/organisations.html", companies=companies, cities=cities)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; remembered on the profile when logged in."""
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/admin/audit")
@roles_required("admin")
def audit_log():
    """The first audit page's address: bookmarks land on the filtered, exportable log."""
    return redirect(url_for("admin.audit_log", **request.args), code=301)
