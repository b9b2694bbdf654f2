"""The coordinator's interest matrix: for every invited city (rows) and company (columns), who asked to
meet whom, the pair's best stored match and whether the schedule has them meet."""
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Event, EventInterest, EventParticipant, Need, Technology
from .services import BestMatch, best_matches, may_ask


@dataclass(frozen=True)
class Cell:
    city_asked: bool
    company_asked: bool
    meets: bool
    match: BestMatch | None = None
    need: Need | None = None
    technology: Technology | None = None


@dataclass(frozen=True)
class Wish:
    """A wish between two companies or two cities (outside the matrix), and whether the event's rule allows it."""

    asker: EventParticipant
    wanted: EventParticipant
    allowed: bool


@dataclass(frozen=True)
class Matrix:
    cities: list[EventParticipant]
    companies: list[EventParticipant]
    rows: list[tuple[EventParticipant, list[Cell]]]
    others: list[Wish]


def interest_matrix(event: Event) -> Matrix:
    by_id = {p.id: p for p in event.participants}
    cities = sorted((p for p in event.participants if p.city_id), key=lambda p: p.organisation.display_name)
    companies = sorted((p for p in event.participants if p.company_id), key=lambda p: p.organisation.display_name)
    wants = {(i.from_id, i.to_id) for i in db.session.scalars(select(EventInterest)
                                                                .where(EventInterest.event_id == event.id))}
    meets = {frozenset((a.participant_id, b.participant_id))
             for meeting in event.meetings for a in meeting.members for b in meeting.members if a.id != b.id}
    best = best_matches(event)
    needs = listings(Need, {m.need_id for m in best.values()})
    technologies = listings(Technology, {m.technology_id for m in best.values()})
    rows = []
    for city in cities:
        cells = []
        for company in companies:
            match = best.get((company.id, city.id))
            cells.append(Cell((city.id, company.id) in wants, (company.id, city.id) in wants,
                              frozenset((city.id, company.id)) in meets, match,
                              needs.get(match.need_id) if match else None,
                              technologies.get(match.technology_id) if match else None))
        rows.append((city, cells))
    others = [Wish(by_id[a], by_id[b], may_ask(by_id[a], by_id[b])) for a, b in sorted(wants)
              if a in by_id and b in by_id and bool(by_id[a].company_id) == bool(by_id[b].company_id)]
    return Matrix(cities, companies, rows, others)


def listings(model, ids: set[int]) -> dict:
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
