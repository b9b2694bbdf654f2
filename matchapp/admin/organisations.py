"""Editing organisation records and merging duplicates; raises OrganisationError, never commits.

A merge moves everything that points at the duplicate (every foreign key to companies.id or
cities.id: users, listings, project members, projects, partnerships, event invitations) to the
survivor and deletes the duplicate, in the caller's one transaction. Moved listings are
announced (signals.listing_changed), so their stored matches are scored again after the commit.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, signals
from ..domain import DomainError
from ..extensions import db
from ..models import City, Company, Country, Event, EventParticipant, Need, Project, ProjectMember, Technology, User


class OrganisationError(DomainError):
    pass


def cleaned_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise OrganisationError(_l("Enter the organisation's name."), 400, "name")
    return name


def apply(record, values: dict) -> list[str]:
    """Set the changed values; "field 'old' → 'new'" for each, for the audit log."""
    changes = []
    for name, value in values.items():
        if getattr(record, name) != value:
            changes.append(f"{name} '{getattr(record, name)}' → '{value}'")
            setattr(record, name, value)
    return changes


def update_company(actor: User, company: Company, *, name: str, name_ja: str = "", home_city: str = "") -> list[str]:
    """New names and home city; a new home city changes the city-partnership bonus of its technologies."""
    changes = apply(company, {"name": cleaned_name(name), "name_ja": (name_ja or "").strip(),
                              "home_city": (home_city or "").strip()})
    if any(change.startswith("home_city ") for change in changes):
        db.session.flush()
        for technology in company.technologies:
            signals.listing_changed.send(technology)
    if changes:
        audit.record("company_edited", company.ref, "; ".join(changes), user=actor)
    return changes


def update_city(actor: User, city: City, *, name: str, name_ja: str = "", country_code: str = "") -> list[str]:
    """New names and country; a new country changes the country fit of the city's needs."""
    country = db.session.get(Country, (country_code or "").upper())
    if country is None:
        raise OrganisationError(_l("Choose a country."), 400, "country")
    changes = apply(city, {"name": cleaned_name(name), "name_ja": (name_ja or "").strip()})
    if city.country_code != country.code:
        changes.append(f"country '{city.country_code}' → '{country.code}'")
        city.country = country
        db.session.flush()
        for need in city.needs:
            signals.listing_changed.send(need)
    if changes:
        audit.record("city_edited", city.ref, "; ".join(changes), user=actor)
    return changes


def refuse_self_merge(duplicate, survivor) -> None:
    if survivor is None:
        raise OrganisationError(_l("Choose the organisation to keep."), 400, "into")
    if duplicate.id == survivor.id:
        raise OrganisationError(_l("An organisation cannot be merged into itself. Choose another one."), 400, "into")


def refuse_shared_events(column, duplicate_id: int, survivor_id: int) -> None:
    """Both invited to one event: their schedules there cannot simply be added up."""
    shared = db.session.scalars(
        select(Event.title).join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(column == duplicate_id, EventParticipant.event_id.in_(
            select(EventParticipant.event_id).where(column == survivor_id)))
        .order_by(Event.held_on)).all()
    if shared:
        raise OrganisationError(_l("Both organisations are invited to the same event (%(events)s). Remove one of "
                                   "them from it first, then merge.", events=", ".join(shared)), 409)


def move_project_members(relation: str, duplicate, survivor) -> int:
    """Project memberships of the duplicate go to the survivor; one it already has in that role is dropped."""
    column = getattr(ProjectMember, f"{relation}_id")
    kept = set(db.session.execute(select(ProjectMember.project_id, ProjectMember.role)
                                  .where(column == survivor.id)).tuples())
    members = db.session.scalars(select(ProjectMember).where(column == duplicate.id)).all()
    for member in members:
        if (member.project_id, member.role) in kept:
            db.session.delete(member)
        else:
            setattr(member, relation, survivor)
            kept.add((member.project_id, member.role))
    return len(members)


def move_rows(model, relation: str, duplicate, survivor) -> int:
    """Point every `model` row's `relation` (company or city) at the survivor instead of the duplicate."""
    rows = db.session.scalars(select(model).where(getattr(model, f"{relation}_id") == duplicate.id)).all()
    for row in rows:
        setattr(row, relation, survivor)
    return len(rows)


def merge_companies(actor: User, duplicate: Company, survivor: Company) -> dict:
    """Move the duplicate company's users, technologies, project memberships and event invitations to
    the survivor, then delete the duplicate. Returns how many of each moved."""
    refuse_self_merge(duplicate, survivor)
    refuse_shared_events(EventParticipant.company_id, duplicate.id, survivor.id)
    technologies = list(duplicate.technologies)
    for technology in technologies:
        technology.company = survivor
    moved = {
        "users": move_rows(User, "company", duplicate, survivor),
        "technologies": len(technologies),
        "project members": move_project_members("company", duplicate, survivor),
        "event invitations": move_rows(EventParticipant, "company", duplicate, survivor),
    }
    finish_merge("company_merged", actor, duplicate, survivor, moved, technologies)
    return moved


def merge_cities(actor: User, duplicate: City, survivor: City) -> dict:
    """Move the duplicate city's users, needs, projects, project memberships, partnerships and event
    invitations to the survivor, then delete the duplicate. Returns how many of each moved."""
    refuse_self_merge(duplicate, survivor)
    refuse_shared_events(EventParticipant.city_id, duplicate.id, survivor.id)
    needs = list(duplicate.needs)
    for need in needs:
        need.city = survivor
    partners = set(survivor.japanese_partners)
    moved_partnerships = 0
    for partnership in list(duplicate.partnerships):
        if partnership.japanese_city not in partners:
            partnership.city = survivor  # leaves the duplicate's collection, so its delete cascade spares it
            partners.add(partnership.japanese_city)
            moved_partnerships += 1
    moved = {
        "users": move_rows(User, "city", duplicate, survivor),
        "needs": len(needs),
        "projects": move_rows(Project, "city", duplicate, survivor),
        "project members": move_project_members("city", duplicate, survivor),
        "partnerships": moved_partnerships,
        "event invitations": move_rows(EventParticipant, "city", duplicate, survivor),
    }
    finish_merge("city_merged", actor, duplicate, survivor, moved, needs)
    return moved


def finish_merge(action: str, actor: User, duplicate, survivor, moved: dict, listings: list) -> None:
    detail = f"'{duplicate.name}' merged into '{survivor.name}'; moved " + ", ".join(
        f"{what}: {count}" for what, count in moved.items())
    audit.record(action, f"{duplicate.ref} → {survivor.ref}", detail, user=actor)
    db.session.flush()  # everything points at the survivor before the duplicate goes
    db.session.delete(duplicate)
    db.session.flush()
    for listing in listings:
        signals.listing_changed.send(listing)


def merge_candidates(model, record) -> list:
    """The organisations `record` could be merged into: every other one of its kind, by name."""
    return db.session.scalars(select(model).where(model.id != record.id).order_by(model.name)).all()


def holdings(record) -> dict:
    """What an organisation holds (users, listings, project memberships, event invitations), shown before a merge."""
    relation = "company" if isinstance(record, Company) else "city"
    listing = Technology if relation == "company" else Need

    def number(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model)
                                 .where(getattr(model, f"{relation}_id") == record.id))

    return {"users": number(User), "listings": number(listing), "project_members": number(ProjectMember),
            "events": number(EventParticipant)}
