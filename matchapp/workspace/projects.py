"""The project pipeline: creating projects, moving them through stages, consortium, funding, MRV.

Every change goes through `change`, which checks the version the coordinator
edited against the stored one: a stale save is refused (ProjectError 409)
instead of silently overwriting a colleague's work.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..matching import outcomes
from .. import jcm
from ..models import (CLOSED_STAGE, STAGES, Funding, Introduction, MonitoringRecord, Project, ProjectDocument,
                      ProjectEvent, ProjectMember, User)
from ..models.base import utcnow
from ..domain import DomainError
from ..locking import save_if_unchanged

PROJECT_READY = ("accepted", "meeting_scheduled", "met", "follow_up")


class ProjectError(DomainError):
    def __init__(self, status: int, message):
        super().__init__(message, status)


def log(project, user, change: str, action: str = "", **params) -> None:
    """One history line: `change` in English (exports), `action` and `params` to show it translated."""
    db.session.add(ProjectEvent(project_id=project.id, change=change[:300], action=action, params=params or None,
                                by_id=user.id if user else None))


def project_of(introduction: Introduction) -> int | None:
    """The id of the project this introduction became, if any."""
    return db.session.scalar(select(Project.id).where(Project.introduction_id == introduction.id))


def can_become_project(introduction: Introduction) -> bool:
    """The rule from_introduction applies, for pages that offer the button."""
    return introduction.state in PROJECT_READY and project_of(introduction) is None


def from_introduction(user, introduction: Introduction) -> Project:
    """A project grows from an accepted introduction, with the two organisations in its consortium."""
    if introduction.state not in PROJECT_READY:
        raise ProjectError(409, _l("Only an accepted introduction can become a project."))
    if project_of(introduction) is not None:
        raise ProjectError(409, _l("This introduction is already a project."))
    need, technology = introduction.need, introduction.technology
    project = Project(title=f"{need.title} / {technology.title}"[:200], introduction_id=introduction.id,
                      need_id=need.id, technology_id=technology.id, city_id=need.city_id,
                      japanese_city=technology.company.home_city, coordinator_id=user.id,
                      sector=need.sectors[0].code if need.sectors else None,
                      expected_co2_t=technology.co2_reduction_t, stage="discovery",
                      members=[ProjectMember(role="representative", company_id=technology.company_id),
                               ProjectMember(role="overseas_city", city_id=need.city_id)])
    db.session.add(project)
    db.session.flush()
    log(project, user, f"created from introduction #{introduction.id} at stage discovery", "created",
        introduction=introduction.id, stage="discovery")
    outcomes.record(need.id, technology.id, "project")
    return project


def change(user, project: Project, version: int, history_line: str, history: tuple[str, dict] = ("", {}),
           **values) -> None:
    """Apply `values` only if nobody saved the project since `version` was read; `history`: (action, params)."""
    if not save_if_unchanged(project, expected_version=version, updated_at=utcnow(), **values):
        raise ProjectError(409, _l("Someone saved this project after you opened it. Your change was not applied: "
                                   "reload the page and try again."))
    log(project, user, history_line, history[0], **history[1])


def move_stage(user, project: Project, version: int, stage: str, reason: str = "") -> None:
    if stage not in STAGES + (CLOSED_STAGE,):
        raise ProjectError(400, _l("Unknown stage."))
    if stage == CLOSED_STAGE and not reason.strip():
        raise ProjectError(400, _l("Say why the project is dropped."))
    change(user, project, version, f"stage {project.stage} → {stage}" + (f": {reason.strip()}" if reason else ""),
           ("stage", {"from": project.stage, "to": stage, "reason": reason.strip()}),
           stage=stage, drop_reason=reason.strip() if stage == CLOSED_STAGE else "")


def add_funding(user, project: Project, source: str, status: str, amount: int | None, year: int | None) -> None:
    project.funding.append(Funding(source=source, status=status, amount_jpy=amount, fiscal_year=year))
    log(project, user, f"funding {source} {status} {amount or ''} JPY {year or ''}".strip(), "funding",
        source=source, status=status, amount=amount, year=year)


def add_member(user, project: Project, role: str, company=None, city=None, name: str = "") -> None:
    project.members.append(ProjectMember(role=role, company=company, city=city, name=name.strip()[:200]))
    member = (company or city).name if (company or city) else name.strip()[:200]
    log(project, user, f"consortium: {role} {member}", "member", role=role, name=member)


def record_monitoring(user, project: Project, year: int, co2_t: float, method: str, evidence=None) -> None:
    """One year's verified reduction; a second record for the same year is refused."""
    if project.stage != "commercialisation":
        raise ProjectError(409, _l("Monitoring starts once the project is commercialised."))
    if any(record.year == year for record in project.monitoring):
        raise ProjectError(409, _l("There is already a monitoring record for %(year)d.", year=year))
    data = evidence.read() if evidence else None
    project.monitoring.append(MonitoringRecord(year=year, co2_t=co2_t, method=method.strip()[:300],
                                               reported_by_id=user.id, evidence=data or None,
                                               evidence_name=(evidence.filename or "")[:255] if data else ""))
    log(project, user, f"monitoring {year}: {co2_t:g} tCO2 ({method.strip()[:100]})", "monitoring",
        year=year, co2=co2_t, method=method.strip()[:100])


DETAIL_FIELDS = ("title", "description", "expected_co2_t", "co2_basis", "investment_jpy", "subsidy_jpy",
                 "next_step", "next_step_due", "next_step_owner_id", "notes")


def update_details(user, project: Project, version: int, **values) -> None:
    """Save the project's numbers and next step (one history line naming what changed)."""
    unknown = set(values) - set(DETAIL_FIELDS)
    if unknown:
        raise ProjectError(400, _l("Unknown field."))
    if not (values.get("title") or "").strip():
        raise ProjectError(400, _l("Give the project a title."))
    for name in ("expected_co2_t", "investment_jpy", "subsidy_jpy"):
        if values.get(name) is not None and values[name] < 0:
            raise ProjectError(400, _l("Amounts cannot be negative."))
    owner_id = values.get("next_step_owner_id")
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.is_staff or not owner.active:
            raise ProjectError(400, _l("The next step's owner must be an active coordinator."))
    if values.get("next_step_due") and not (values.get("next_step") or "").strip():
        raise ProjectError(400, _l("Say what the next step is before giving it a due date."))
    values["title"] = values["title"].strip()
    changed = sorted(name for name, value in values.items() if getattr(project, name) != value)
    change(user, project, version, "details: " + (", ".join(changed) or "no change"),
           ("details", {"fields": changed}), **values)


def overdue(today, limit: int = 20) -> list[Project]:
    """Projects still under way whose next step was due before `today`, most overdue first."""
    return db.session.scalars(select(Project).where(Project.next_step_due < today, Project.stage != CLOSED_STAGE)
                              .order_by(Project.next_step_due, Project.id).limit(limit)).all()


HISTORY_LINES = {
    "created": _l("Created from introduction #%(introduction)s at stage %(stage)s"),
    "stage": _l("Stage %(from)s → %(to)s"),
    "dropped": _l("Stage %(from)s → %(to)s: %(reason)s"),
    "details": _l("Changed: %(fields)s"),
    "funding": _l("Funding: %(source)s, %(status)s, %(amount)s JPY %(year)s"),
    "member": _l("Consortium: %(role)s %(name)s"),
    "monitoring": _l("Monitoring %(year)s: %(co2)s tCO2 (%(method)s)"),
    "document": _l("Document added: %(name)s"),
    "screening_passes": _l("JCM screening run: passes"),
    "screening_fails": _l("JCM screening run: does not pass"),
}


def history_text(event, labels) -> str:
    """A history line in the reader's language; `labels(kind, code)` names stages, fields, sources..."""
    params = dict(event.params or {})
    action = event.action
    if action not in HISTORY_LINES and action != "screening":
        return event.change  # written before history lines kept their codes
    if action == "stage":
        params["from"], params["to"] = labels("stage", params["from"]), labels("stage", params["to"])
        action = "dropped" if params.get("reason") else "stage"
    elif action == "created":
        params["stage"] = labels("stage", params["stage"])
    elif action == "details":
        params["fields"] = ", ".join(str(labels("field", name)) for name in params["fields"]) or "—"
    elif action == "funding":
        params["source"], params["status"] = labels("source", params["source"]), labels("status", params["status"])
        params["amount"] = labels("number", params["amount"]) if params["amount"] is not None else "—"
        params["year"] = f"FY{params['year']}" if params["year"] else ""
    elif action == "member":
        params["role"] = labels("role", params["role"])
    elif action == "monitoring":
        params["co2"] = labels("number", params["co2"])
    elif action == "screening":
        action = "screening_passes" if params.get("passes") else "screening_fails"
    return str(HISTORY_LINES[action] % params).strip()


def add_document(user, project: Project, name: str, content_type: str, data: bytes, max_bytes: int) -> None:
    """Keep a file with the project (the same limits as a message's attachment)."""
    if not data:
        raise ProjectError(400, _l("Choose a file to upload."))
    if len(data) > max_bytes:
        raise ProjectError(400, _l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    name = (name or "document").replace("/", "_").replace("\\", "_")[:255]
    project.documents.append(ProjectDocument(name=name, content_type=(content_type or "")[:100] or
                                             "application/octet-stream", size=len(data), data=data,
                                             uploaded_by_id=user.id))
    log(project, user, f"document {name}", "document", name=name)


def run_screening(user, project: Project, technology: str, life_years, annual_savings) -> dict:
    """Screen the project's own numbers against the JCM rules in force and keep the result with it."""
    if not project.investment_jpy or not project.expected_co2_t:
        raise ProjectError(400, _l("Give the project's investment and expected CO2 reduction first."))
    if project.city is None:
        raise ProjectError(400, _l("The project needs a partner city for its country."))
    arguments = {"investment_jpy": project.investment_jpy, "co2_t_per_year": project.expected_co2_t,
                 "life_years": life_years, "country": project.city.country_code, "technology": technology,
                 "annual_savings_jpy": annual_savings}
    try:
        result = jcm.screen(jcm.ScreeningInput.parse(arguments))
    except jcm.ScreeningError as error:
        raise ProjectError(400, error.message) from None
    project.screening, project.screened_at = result, utcnow()
    outcome = "passes" if result["passes"] else "does not pass"
    log(project, user, f"JCM screening: {outcome}", "screening", passes=result["passes"])
    return result
