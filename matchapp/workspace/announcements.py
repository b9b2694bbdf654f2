"""Announcements replace the mailing list: coordinators post, users see what concerns them."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import notifications
from ..accounts.auth import roles_required
from ..extensions import db
from ..models import ANNOUNCEMENT_KINDS, Announcement, Country, Sector, User
from .blueprint import bp

KIND_LABELS = {"call": _l("Call for City-to-City proposals"), "subsidy": _l("JCM subsidy round"),
               "event": _l("Event"), "pitch": _l("Pitch session"), "news": _l("News")}


def concerns(announcement: Announcement, user) -> bool:
    """Whether an announcement targets this user's organisation (staff see everything)."""
    if user.is_staff:
        return True
    if user.company is not None:
        sectors = {s.code for t in user.company.technologies for s in t.sectors}
        countries = {c.code for t in user.company.technologies for c in t.countries}
        open_to_any = any(not t.countries for t in user.company.technologies)
    elif user.city is not None:
        sectors = {s.code for n in user.city.needs for s in n.sectors}
        countries, open_to_any = {user.city.country_code}, False
    else:
        return False
    sector_ok = not announcement.sectors or bool(sectors & set(announcement.sectors))
    country_ok = not announcement.countries or open_to_any or bool(countries & set(announcement.countries))
    return sector_ok and country_ok


TARGET_COUNTRIES = ("VN", "TH", "PH", "ID", "KH", "MM", "MY", "LA", "MN", "BD", "LK", "PW")


def for_user(user, limit: int = 5) -> list[Announcement]:
    recent = db.session.scalars(select(Announcement).order_by(Announcement.created_at.desc()).limit(100))
    return [a for a in recent if concerns(a, user)][:limit]


@bp.route("/announcements", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def announcements():
    """Post an announcement; everyone it concerns gets it in the inbox (and by e-mail when configured)."""
    status = 200
    if request.method == "POST":
        title, body, kind = (request.form.get("title") or "").strip(), (request.form.get("body") or "").strip(), request.form.get("kind")
        title_ja, body_ja = (request.form.get("title_ja") or "").strip(), (request.form.get("body_ja") or "").strip()
        sectors = [s for s in request.form.getlist("sectors") if db.session.get(Sector, s)]
        countries = [c.upper() for c in request.form.getlist("countries") if db.session.get(Country, c.upper())]
        if (not (title or title_ja) or kind not in ANNOUNCEMENT_KINDS or max(len(title), len(title_ja)) > 200
                or max(len(body), len(body_ja)) > 10000):
            flash(_("Give the announcement a title in English or Japanese (at most 200 characters) and a kind."),
                  "error")
            status = 400
        else:
            announcement = Announcement(kind=kind, title=title, body=body, title_ja=title_ja, body_ja=body_ja,
                                        sectors=sectors, countries=countries, created_by_id=current_user.id)
            db.session.add(announcement)
            db.session.flush()
            recipients = [u for u in db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(("company", "city"))))
                          if concerns(announcement, u)]
            notifications.notify(recipients, "announcement", {"title": title or title_ja}, "/dashboard")
            db.session.commit()
            flash(_("Announcement posted to %(n)d users.", n=len(recipients)), "success")
            return redirect(url_for("workspace.announcements"), 303)
    items = db.session.scalars(select(Announcement).order_by(Announcement.created_at.desc()).limit(50)).all()
    sectors = db.session.scalars(select(Sector).order_by(Sector.position)).all()
    countries = db.session.scalars(select(Country).where(Country.code.in_(TARGET_COUNTRIES))
                                   .order_by(Country.name_en)).all()
    return render_template("workspace/announcements.html", items=items, kinds=KIND_LABELS, sectors=sectors,
                           countries=countries, sector_names={s.code: s.name for s in sectors},
                           country_names={c.code: c.name for c in countries}), status
