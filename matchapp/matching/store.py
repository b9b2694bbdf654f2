"""Stored matches: computing, refreshing only the affected pairs, and reading them back.

For each active need the best `stored_per_need` technologies scoring at least
`min_stored_score` are kept; nothing else is stored.
"""
from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import Dismissal, Match, Need, Technology
from ..models.base import utcnow
from . import profiles
from .engine import MatchResult, score_pair
from .reasons import render


def dismissed_for_need(need_id: int) -> frozenset:
    return frozenset(db.session.scalars(select(Dismissal.technology_id).where(Dismissal.need_id == need_id)))


def rank_need(need: Need, top: int) -> list[MatchResult]:
    """Live ranking for one need (used by `flask match` and to store matches)."""
    catalog = profiles.catalog()
    index = catalog.sync()
    if not profiles.need_is_active(need):
        return []
    return index.rank(catalog.need(need), catalog.weights, top, exclude=dismissed_for_need(need.id))


def _row(need_id: int, result: MatchResult) -> Match:
    c = result.components
    return Match(need_id=need_id, technology_id=result.technology_id, score=result.score, sector=c["sector"],
                 country=c["country"], text=c["text"], bonus=c["bonus"], reasons=result.reasons,
                 computed_at=utcnow())


def refresh_need(need: Need) -> int:
    """Replace the stored matches of one need; returns how many were stored."""
    db.session.execute(delete(Match).where(Match.need_id == need.id))
    weights = profiles.catalog().weights
    results = [r for r in rank_need(need, weights.stored_per_need) if r.score >= weights.min_stored_score]
    db.session.add_all(_row(need.id, r) for r in results)
    return len(results)


def refresh_technology(tech: Technology) -> int:
    """Re-score one technology against every active need; store it where it makes the cut."""
    db.session.execute(delete(Match).where(Match.technology_id == tech.id))
    catalog = profiles.catalog()
    catalog.sync()
    if not profiles.technology_is_active(tech):
        return 0
    weights, profile, stored = catalog.weights, profiles.technology_profile(tech), 0
    floors = dict(db.session.execute(
        select(Match.need_id, func.min(Match.score)).group_by(Match.need_id)
        .having(func.count() >= weights.stored_per_need)).all())
    dismissed = set(db.session.scalars(select(Dismissal.need_id).where(Dismissal.technology_id == tech.id)))
    for need in db.session.scalars(profiles.active_needs_query()):
        if need.id in dismissed:
            continue
        result = score_pair(catalog.need(need), profile, weights)
        if result is None or result.score < max(weights.min_stored_score, floors.get(need.id, 0)):
            continue
        db.session.add(_row(need.id, result))
        stored += 1
        if need.id in floors:  # keep the stored list at its size: drop the weakest
            weakest = db.session.scalar(select(Match).where(Match.need_id == need.id)
                                        .order_by(Match.score, Match.id.desc()).limit(1))
            db.session.delete(weakest)
    return stored


def listing_changed(listing) -> None:
    """Refresh the pairs a created, edited, published, archived or renewed listing affects."""
    db.session.flush()
    if isinstance(listing, Need):
        refresh_need(listing)
    else:
        refresh_technology(listing)


def listings_changed(listings: Iterable) -> None:
    listings = list(listings)
    if len(listings) > 200:
        rematch()
    else:
        for listing in listings:
            listing_changed(listing)


def rematch(progress: Callable[[int], None] | None = None) -> dict:
    """Recompute every stored match; `progress(n)` is called after each need."""
    db.session.execute(delete(Match))
    needs = db.session.scalars(profiles.active_needs_query().order_by(Need.id)).all()
    stored = 0
    for need in needs:
        stored += refresh_need(need)
        if progress:
            progress(1)
    db.session.commit()
    return {"needs": len(needs), "stored": stored}


def as_contract_item(result_or_match) -> dict:
    """The CONTRACT's match item: technology, company, score, components, reasons (in English)."""
    if isinstance(result_or_match, Match):
        match = result_or_match
        return {"technology": match.technology.ref, "company": match.technology.company.ref,
                "score": match.score, "components": match.components,
                "reasons": [render(r, "en") for r in match.reasons]}
    result = result_or_match
    return {"technology": result.technology_ref, "company": result.company_ref, "score": result.score,
            "components": result.components, "reasons": [render(r, "en") for r in result.reasons]}
