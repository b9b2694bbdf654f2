"""Pipeline pages: board and list with filters, CSV, project detail and its changes, dashboard."""
from collections import Counter
from statistics import median

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import audit
from ..accounts.auth import roles_required
from ..errors import refused
from ..extensions import db
from ..formkit import id_argument, options
from ..matching import outcomes
from ..introductions.services import get_visible as visible_introduction, IntroductionError
from ..models import (CLOSED_STAGE, FUNDING_STATUSES, MEMBER_ROLES, PROJECT_FUNDING_SOURCES, STAGES, City, Company, Introduction, Project,
                      Sector, User)
from ..downloads import download
from ..models import ProjectDocument
from ..models.base import as_utc
from ..spreadsheet import table_download
from ..templating import STAGE_LABELS
from . import next_steps, projects
from .blueprint import bp
from .forms import DocumentForm, ProjectDetailsForm, ScreeningForm

STAFF = ("coordinator", "admin")


def filtered_projects(args) -> list[Project]:
    query = select(Project).order_by(Project.updated_at.desc())
    if args.get("stage"):
        query = query.where(Project.stage == args["stage"])
    if args.get("country"):
        query = query.where(Project.city.has(City.country_code == args["country"].upper()))
    if args.get("japanese_city"):
        query = query.where(Project.japanese_city == args["japanese_city"])
    if args.get("sector"):
        query = query.where(Project.sector == args["sector"])
    coordinator = id_argument(args, "coordinator")
    if coordinator:
        query = query.where(Project.coordinator_id == coordinator)
    return db.session.scalars(query).all()


@bp.route("/projects")
@roles_required(*STAFF)
def pipeline():
    """Board by stage (default) or list, with filters."""
    items = filtered_projects(request.args)
    columns = {stage: [p for p in items if p.stage == stage] for stage in STAGES + (CLOSED_STAGE,)}
    return render_template("workspace/pipeline.html", projects=items, columns=columns, args=request.args,
                           view=request.args.get("view", "board"), stages=STAGES + (CLOSED_STAGE,),
                           sectors=db.session.scalars(select(Sector).order_by(Sector.position)).all(),
                           coordinators=db.session.scalars(select(User).where(User.role.in_(STAFF))).all(),
                           japanese_cities=sorted({p.japanese_city for p in db.session.scalars(select(Project))
                                                   if p.japanese_city}))


PROJECT_COLUMNS = ["id", "title", "stage", "city", "country", "japanese_city", "sector", "expected_co2_t",
                   "verified_co2_t", "investment_jpy", "updated_at"]


@bp.route("/projects.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def pipeline_table(fmt):
    """The projects the pipeline's filters select, as CSV or an Excel workbook."""
    audit.record("export", f"projects.{fmt}")
    db.session.commit()
    rows = [[p.id, p.title, p.stage, p.city.name if p.city else None, p.city.country_code if p.city else None,
             p.japanese_city or None, p.sector, p.expected_co2_t, p.verified_co2_t, p.investment_jpy,
             as_utc(p.updated_at).replace(microsecond=0)] for p in filtered_projects(request.args)]
    return table_download(PROJECT_COLUMNS, rows, "projects", fmt)


def project_or_404(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


@bp.route("/projects/<int:project_id>")
@roles_required(*STAFF)
def project(project_id):
    item = project_or_404(project_id)
    return render_project(item, details_form(item))


def render_project(item: Project, form: ProjectDetailsForm, status: int = 200):
    return render_template("workspace/project.html", project=item, stages=STAGES + (CLOSED_STAGE,),
                           roles=MEMBER_ROLES, sources=PROJECT_FUNDING_SOURCES, funding_statuses=FUNDING_STATUSES,
                           companies=db.session.scalars(select(Company).order_by(Company.name)).all(),
                           details=form, today=next_steps.local_today(current_user),
                           document_form=DocumentForm(), screening_form=ScreeningForm()), status


def details_form(item: Project, formdata=None) -> ProjectDetailsForm:
    """The project's details form, filled from the project (or from what was posted)."""
    form = ProjectDetailsForm(formdata=formdata, obj=None if formdata else item)
    if not formdata:
        form.version.data = item.version
        form.next_step_owner.data = str(item.next_step_owner_id or "")
    staff = db.session.scalars(select(User).where(User.role.in_(STAFF), User.active.is_(True))
                               .order_by(User.name, User.email)).all()
    form.next_step_owner.choices = options([("", "—")] + [(str(u.id), u.name or u.email) for u in staff])
    return form


@bp.route("/projects/<int:project_id>/documents", methods=["POST"])
@roles_required(*STAFF)
def add_document(project_id):
    item = project_or_404(project_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return refused(400, url_for("workspace.project", project_id=item.id), _("Back to the project"))
    upload = form.file.data
    return run(item, lambda: projects.add_document(current_user, item, upload.filename, upload.mimetype, upload.read(),
                                                   current_app.config["ATTACHMENT_MAX_BYTES"]))


@bp.route("/projects/<int:project_id>/documents/<int:document_id>")
@roles_required(*STAFF)
def document(project_id, document_id):
    item = project_or_404(project_id)
    stored = db.session.get(ProjectDocument, document_id)
    if stored is None or stored.project_id != item.id:
        abort(404)
    return download(stored.data, stored.name, stored.content_type)


@bp.route("/projects/<int:project_id>/screening", methods=["POST"])
@roles_required(*STAFF)
def screen_project(project_id):
    item = project_or_404(project_id)
    form = ScreeningForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return refused(400, url_for("workspace.project", project_id=item.id), _("Back to the project"))
    return run(item, lambda: projects.run_screening(current_user, item, form.technology.data,
                                                    float(form.life_years.data), form.annual_savings_jpy.data))


@bp.route("/projects/<int:project_id>/details", methods=["POST"])
@roles_required(*STAFF)
def save_details(project_id):
    item = project_or_404(project_id)
    form = details_form(item, request.form)
    if not form.validate_on_submit():
        return render_project(item, form, 400)
    values = {name: getattr(form, name).data for name in projects.DETAIL_FIELDS if hasattr(form, name)}
    values["expected_co2_t"] = float(form.expected_co2_t.data) if form.expected_co2_t.data is not None else None
    values["next_step_owner_id"] = int(form.next_step_owner.data) if form.next_step_owner.data else None
    values["next_step"], values["co2_basis"] = values["next_step"].strip(), values["co2_basis"].strip()
    version = int(form.version.data) if (form.version.data or "").isdigit() else 0
    return run(item, lambda: projects.update_details(current_user, item, version, **values))


def run(project, action):
    """One project change as the request's unit of work: the service's change, then one commit.

    A change made from the board (`back=board`) returns to the board, otherwise to the project.
    """
    if request.form.get("back") == "board":
        back, label = url_for("workspace.pipeline", view="board"), _("Back to the board")
    else:
        back, label = url_for("workspace.project", project_id=project.id), _("Back to the project")
    try:
        action()
        db.session.commit()
    except projects.ProjectError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused(error.status, back, label)
    flash(_("Saved."), "success")
    return redirect(back, 303)


def form_int(name: str) -> int | None:
    raw = (request.form.get(name) or "").replace(",", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        abort(400)
    return int(raw)


@bp.route("/projects/<int:project_id>/consultation")
@roles_required(*STAFF)
def consultation(project_id):
    """The fields a JCM subsidy consultation asks for, prefilled from the project, ready to print."""
    item = project_or_404(project_id)
    representative = next((m for m in item.members if m.role == "representative"), None)
    partners = [m for m in item.members if m.role != "representative"]
    return render_template("workspace/consultation.html", project=item, representative=representative,
                           partners=partners)


@bp.route("/projects/<int:project_id>/stage", methods=["POST"])
@roles_required(*STAFF)
def move_stage(project_id):
    item = project_or_404(project_id)
    return run(item, lambda: projects.move_stage(current_user, item, form_int("version") or 0,
                                                 request.form.get("stage", ""), request.form.get("reason", "")))


@bp.route("/projects/<int:project_id>/funding", methods=["POST"])
@roles_required(*STAFF)
def add_funding(project_id):
    item = project_or_404(project_id)
    source, status = request.form.get("source"), request.form.get("status")
    if source not in PROJECT_FUNDING_SOURCES or status not in FUNDING_STATUSES:
        abort(400)
    return run(item, lambda: projects.add_funding(current_user, item, source, status, form_int("amount_jpy"),
                                                  form_int("fiscal_year")))


@bp.route("/projects/<int:project_id>/members", methods=["POST"])
@roles_required(*STAFF)
def add_member(project_id):
    item = project_or_404(project_id)
    role = request.form.get("role")
    company = db.session.scalar(select(Company).where(Company.ref == request.form.get("company", "")))
    name = request.form.get("name", "")
    if role not in MEMBER_ROLES or (company is None and not name.strip()):
        flash(_("Choose a role and a company, or type the partner's name."), "error")
        return refused(400, url_for("workspace.project", project_id=item.id), _("Back to the project"))
    return run(item, lambda: projects.add_member(current_user, item, role, company=company, name=name))


@bp.route("/projects/<int:project_id>/monitoring", methods=["POST"])
@roles_required(*STAFF)
def add_monitoring(project_id):
    item = project_or_404(project_id)
    year = form_int("year")
    try:
        co2 = float(request.form.get("co2_t", ""))
    except ValueError:
        co2 = -1
    if year is None or not 2000 <= year <= 2100 or co2 < 0:
        flash(_("Give the year and a reduction of zero or more tonnes."), "error")
        return refused(400, url_for("workspace.project", project_id=item.id), _("Back to the project"))
    return run(item, lambda: projects.record_monitoring(current_user, item, year, co2, request.form.get("method", ""),
                                                        request.files.get("evidence")))


@bp.route("/introductions/<int:introduction_id>/project", methods=["POST"])
@roles_required(*STAFF)
def from_introduction(introduction_id):
    try:
        introduction = visible_introduction(current_user, introduction_id)
        item = projects.from_introduction(current_user, introduction)
        db.session.commit()
    except (IntroductionError, projects.ProjectError) as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused(error.status, url_for("introductions.detail", introduction_id=introduction_id),
                       _("Back to the introduction"))
    flash(_("Project created."), "success")
    return redirect(url_for("workspace.project", project_id=item.id), 303)


def figures(items: list[Project]) -> dict:
    """Every series the figures page charts, as (label, number) rows; the CSV downloads use the same."""
    month = func.substr(func.cast(Introduction.created_at, db.String), 1, 7)
    verified_by_year = Counter()
    for p in items:
        for record in p.monitoring:
            verified_by_year[record.year] += record.co2_t
    return {
        "funnel": [(str(STAGE_LABELS.get(stage, stage)), sum(1 for p in items if p.stage == stage))
                   for stage in STAGES + (CLOSED_STAGE,)],
        "by_country": Counter(p.city.country.name for p in items if p.city).most_common(),
        "by_pair": Counter(f"{p.japanese_city or '—'} – {p.city.name if p.city else '—'}" for p in items).most_common(),
        "by_sector": Counter((db.session.get(Sector, p.sector).name if p.sector else "—") for p in items).most_common(),
        "per_month": [tuple(row) for row in db.session.execute(select(month, func.count()).group_by(month).order_by(month))],
        "verified_by_year": [(str(year), total) for year, total in sorted(verified_by_year.items())],
        "positives_in_top5": [(row["month"], row["top5"]) for row in outcomes.quality_by_month()
                              if row["top5"] is not None],
    }


# Each figure's two columns, on the dashboard's tables and in its downloads.
FIGURE_COLUMNS = {
    "funnel": (_l("Stage"), _l("Projects")), "by_country": (_l("Country"), _l("Projects")),
    "by_pair": (_l("City pair"), _l("Projects")), "by_sector": (_l("Sector"), _l("Projects")),
    "per_month": (_l("Month"), _l("Introductions")), "verified_by_year": (_l("Year"), _l("Verified tCO2")),
    "positives_in_top5": (_l("Month"), _l("Per cent")),
}


@bp.route("/dashboard")
@roles_required(*STAFF)
def dashboard():
    """Funnel by stage, breakdowns and CO2 expected vs verified; every chart has its table and CSV."""
    items = db.session.scalars(select(Project)).all()
    co2 = {"expected": sum(p.expected_co2_t or 0 for p in items if p.stage == "commercialisation"),
           "verified": sum(p.verified_co2_t for p in items)}
    return render_template("workspace/dashboard.html", co2=co2, total=len(items), **figures(items),
                           **introduction_figures(), match_quality=outcomes.quality_by_month(),
                           figure_columns=FIGURE_COLUMNS)


@bp.route("/dashboard/<any(funnel, by_country, by_pair, by_sector, per_month, verified_by_year, positives_in_top5)"
          ":series>.<any(csv, xlsx):fmt>")
@roles_required(*STAFF)
def figures_table(series, fmt):
    """One series of the dashboard, as CSV or an Excel workbook."""
    rows = [[str(label), value] for label, value in figures(db.session.scalars(select(Project)).all())[series]]
    return table_download([str(name) for name in FIGURE_COLUMNS[series]], rows, series, fmt)


def introduction_figures() -> dict:
    """Median days from request to the confirmed meeting and from meeting to feasibility study, and
    how often each side answers."""
    introductions = db.session.scalars(select(Introduction)).all()
    days = [(as_utc(m.starts_at) - as_utc(i.created_at)).days for i in introductions for m in i.meetings
            if m.state == "confirmed"]
    to_study = []
    for project in db.session.scalars(select(Project).where(Project.introduction_id.is_not(None))):
        met = [as_utc(m.starts_at) for m in project.introduction.meetings if m.state == "confirmed"]
        study = [as_utc(e.at) for e in project.history if e.change.endswith("→ feasibility")]
        if met and study and study[0] >= min(met):
            to_study.append((study[0] - min(met)).days)
    rates = []
    for side, label in (("city", _("Companies answering cities")), ("company", _("Cities answering companies"))):
        asked = [i for i in introductions if i.requester_side == side and i.state != "requested"]
        answered = [i for i in asked if i.state not in ("expired", "withdrawn")]
        rates.append((label, round(100 * len(answered) / len(asked)) if asked else 0, len(asked)))
    return {"median_days_to_meeting": median(days) if days else None,
            "median_days_to_study": median(to_study) if to_study else None, "response_rates": rates}
