"""Printable outputs: the yearly report per Japanese city and the technology booklet for a partner city."""
from collections import defaultdict

from flask import abort, render_template, request
from flask_babel import force_locale, get_locale
from sqlalchemy import extract, select

from ..accounts.auth import roles_required
from ..extensions import db
from ..models import City, Company, Match, Need, Project, Technology
from .blueprint import bp

STAFF = ("coordinator", "admin")
STUDY_STAGES = ("feasibility", "commercialisation")


@bp.route("/reports")
@roles_required(*STAFF)
def reports():
    cities = sorted({p.japanese_city for p in db.session.scalars(select(Project)) if p.japanese_city})
    years = sorted({p.created_at.year for p in db.session.scalars(select(Project))}, reverse=True)
    partner_cities = db.session.scalars(select(City).order_by(City.name)).all()
    return render_template("workspace/reports.html", cities=cities, years=years, partner_cities=partner_cities)


@bp.route("/reports/<japanese_city>/<int:year>")
@roles_required(*STAFF)
def yearly_report(japanese_city, year):
    """What one Japanese city's cooperation produced in a year: studies, commercialised projects, CO2."""
    projects = db.session.scalars(select(Project).where(Project.japanese_city == japanese_city,
                                                        extract("year", Project.created_at) <= year)).all()
    studies = [p for p in projects if p.stage in STUDY_STAGES]
    commercialised = [p for p in projects if p.stage == "commercialisation"]
    verified = sum(r.co2_t for p in projects for r in p.monitoring if r.year == year)
    expected = sum(p.expected_co2_t or 0 for p in commercialised)
    by_partner = defaultdict(list)
    for p in projects:
        by_partner[p.city.display_name if p.city else "—"].append(p)
    return render_template("workspace/yearly_report.html", japanese_city=japanese_city, year=year,
                           projects=projects, studies=studies, commercialised=commercialised,
                           verified=verified, expected=expected, by_partner=dict(by_partner))


@bp.route("/booklet/<city_ref>")
@roles_required(*STAFF)
def booklet(city_ref):
    """A bilingual booklet of technologies for a partner city: chosen refs, or the best matches for its needs."""
    city = db.session.scalar(select(City).where(City.ref == city_ref))
    if city is None:
        abort(404)
    chosen = [r.strip() for r in request.args.get("refs", "").split(",") if r.strip()]
    if chosen:
        technologies = db.session.scalars(select(Technology).where(Technology.ref.in_(chosen),
                                                                   Technology.status == "published")).all()
    else:
        technologies = db.session.scalars(
            select(Technology).join(Match, Match.technology_id == Technology.id).join(Need, Match.need_id == Need.id)
            .where(Need.city_id == city.id, Match.score >= 40, Technology.status == "published")
            .order_by(Match.score.desc())).unique().all()[:20]
    by_company: dict[Company, list] = {}
    for technology in technologies:
        by_company.setdefault(technology.company, []).append(technology)
    language = request.args.get("language") or str(get_locale().language)
    if language not in BOOKLET_LANGUAGES:
        abort(400)
    with force_locale(language):  # the whole booklet in its language, whatever the reader's menu
        return render_template("workspace/booklet.html", city=city, by_company=by_company, language=language,
                               refs=request.args.get("refs", ""))


BOOKLET_LANGUAGES = ("en", "ja")
