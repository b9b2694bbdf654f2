"""Stored matches: computing, refreshing only the affected pairs, and reading them back.

For each active need the best `stored_per_need` technologies scoring at least
`min_stored_score` are kept; nothing else is stored.
"""
from collections.abc import Callable, Iterable
from datetime import timedelta

import numpy as np
from sqlalchemy import delete, event, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db
from ..caching import app_cache
from ..models import City, Company, Country, Dismissal, Match, Need, Partnership, Technology
from ..models.base import as_utc, core_rows, utcnow
from ..models.matches import components_of
from ..listings.search import stale_before
from . import alignment, profiles
from .engine import MatchResult, score_bound, score_pair, semantic_fit
from .reasons import render


def dismissed_for_need(need_id: int) -> frozenset:
    return frozenset(db.session.scalars(select(Dismissal.technology_id).where(Dismissal.need_id == need_id)))


def need_profile(need: Need):
    """The need's stored profile, computed now if it has none yet (a listing saved by an older version)."""
    profile = profiles.load_needs([need.id]).get(need.id)
    if profile is None or profile.passage_vectors is None:
        profiles.compute_profiles([need])
        profile = profiles.load_needs([need.id])[need.id]
    return profile


def rank_need(need: Need, top: int, explain: bool = True) -> list[MatchResult]:
    """Live ranking for one need (used by `flask match`, the API and to store matches)."""
    if not profiles.need_is_active(need):
        return []
    profile, exclude = need_profile(need), dismissed_for_need(need.id)
    catalog = profiles.catalog()
    with catalog.lock:  # another thread's sync must not change the arrays while they are ranked
        results = catalog.sync().rank(profile, catalog.weights, top, exclude=exclude,
                                      fresh_after=profiles.fresh_after())
    if explain:
        alignment.explain(profile, results)
    return results


MAX_CACHED_REASONS = 50_000  # stored matches whose reasons were rendered in English: a few hundred bytes each


def stored_items(need: Need, top: int) -> list[dict] | None:
    """The need's `top` best stored matches as CONTRACT items, as `rank_need` would rank them now,
    read with one Core query; None when fewer are stored (weaker pairs are not stored: rank live then).
    Stored matches are current once the need itself has caught up (see `catch_up`) and its
    technologies' jobs have run; a technology gone stale since is left out, as ranking leaves it out.
    A stored match's reasons change only when it is computed again, so their English text is kept."""
    if not profiles.need_is_active(need):
        return []
    rows = core_rows(
        select(Match.id, Match.computed_at, Match.score, Match.sector, Match.country, Match.text, Match.semantic,
               Match.bonus, Match.reasons, Technology.ref.label("technology"), Company.ref.label("company"))
        .join(Technology, Technology.id == Match.technology_id).join(Company, Company.id == Technology.company_id)
        .where(Match.need_id == need.id, Technology.status == "published", Technology.confirmed_at >= stale_before())
        .order_by(Match.score.desc(), Match.id).limit(top))
    if len(rows) < top:
        return None
    cache, items = app_cache("match_reasons", MAX_CACHED_REASONS), []
    for row in rows:
        reasons = cache.get((row.id, row.computed_at))
        if reasons is None:
            reasons = [render(reason, "en") for reason in row.reasons]
            cache.put((row.id, row.computed_at), reasons)
        items.append({"technology": row.technology, "company": row.company, "score": row.score,
                      "components": components_of(row), "reasons": list(reasons)})
    return items


def _row(need_id: int, result: MatchResult, now) -> dict:
    c = result.components
    return dict(need_id=need_id, technology_id=result.technology_id, score=result.score, sector=c["sector"],
                country=c["country"], text=c["text"], semantic=c["semantic"], bonus=c["bonus"],
                reasons=result.reasons, computed_at=now)


def _store(rows: list[dict]) -> None:
    """Insert stored matches with a Core statement (the ORM's bulk path costs more than the ranking)."""
    if rows:
        db.session.execute(insert(Match.__table__), rows)


def refresh_need(need: Need) -> int:
    """Replace the stored matches of one need; returns how many were stored."""
    db.session.execute(delete(Match).where(Match.need_id == need.id))
    weights = profiles.catalog().weights
    results = [r for r in rank_need(need, weights.stored_per_need) if r.score >= weights.min_stored_score]
    now = utcnow()
    _store([_row(need.id, r, now) for r in results])
    return len(results)


def refresh_technology(tech: Technology) -> int:
    """Re-score one technology against every active need; store it where it makes the cut.

    A need whose list was full keeps its `stored_per_need` best: the technology enters when it
    beats the list's weakest. A full list the technology leaves (edited to score lower, archived,
    gone stale) is ranked again, since the next best was never stored."""
    weights = profiles.catalog().weights
    floors = dict(core_rows(select(Match.need_id, func.min(Match.score)).group_by(Match.need_id)
                            .having(func.count() >= weights.stored_per_need)))
    vacated = {row.need_id for row in core_rows(select(Match.need_id).where(Match.technology_id == tech.id))
               if row.need_id in floors}
    db.session.execute(delete(Match).where(Match.technology_id == tech.id))
    catalog = profiles.catalog()
    with catalog.lock:
        index = catalog.sync()
        active = profiles.technology_is_active(tech) and tech.id in index.position
        profile = index.profile(index.position[tech.id]) if active else None
    if not active:
        _refill(vacated)
        return 0
    dismissed = set(db.session.scalars(select(Dismissal.need_id).where(Dismissal.technology_id == tech.id)))

    def cut(need_id: int) -> float:
        return max(weights.min_stored_score, floors.get(need_id, 0))

    # Every need's cosine in one product; rapidfuzz and reasons only where the score can make the cut.
    needs = [n for n in profiles.load_active_needs(with_passages=False).values() if n.id not in dismissed]
    fits = semantic_fit(np.vstack([n.vector for n in needs]) @ profile.vector, weights).tolist() if needs else []
    results = [(need, score_pair(need, profile, weights)) for need, fit in zip(needs, fits)
               if score_bound(need, profile, fit, weights) >= cut(need.id)]
    results = [(need, result) for need, result in results if result.score >= cut(need.id)]
    with_passages = profiles.load_needs([need.id for need, _ in results])
    passages = profiles.technology_passages([tech.id])
    rows, full, now = [], [], utcnow()
    for need, result in results:
        alignment.explain(with_passages[need.id], [result], passages)
        rows.append(_row(need.id, result, now))
        if need.id in floors:
            full.append(need.id)
    _store(rows)
    trim(full, weights.stored_per_need)
    _refill(vacated - {need.id for need, _ in results})
    return len(rows)


def _refill(need_ids: set[int]) -> None:
    """Rank these needs again: each lost a stored match from a full list."""
    for need_id in sorted(need_ids):
        need = db.session.get(Need, need_id)
        if need is not None:
            refresh_need(need)


def trim(need_ids: list[int], keep: int) -> None:
    """Keep only the best `keep` stored matches of each of these needs (one statement for all)."""
    for start in range(0, len(need_ids), 500):
        ranked = (select(Match.id, func.row_number().over(partition_by=Match.need_id,
                                                           order_by=(Match.score.desc(), Match.id)).label("place"))
                  .where(Match.need_id.in_(need_ids[start:start + 500])).subquery())
        db.session.execute(delete(Match).where(Match.id.in_(select(ranked.c.id).where(ranked.c.place > keep))))


def listing_changed(listing) -> None:
    """Refresh the pairs a created, edited, published, archived or renewed listing affects (now)."""
    listings_changed([listing])


CATCH_UP_WINDOW = timedelta(minutes=10)


def catch_up(listing) -> bool:
    """Before a match page is shown: if the listing changed after its stored matches were computed
    (its re-score job has not run yet), do that work now, so the owner who saved a moment ago
    sees current matches. Returns whether it did (the caller commits). Idempotent with the job."""
    column = Match.need_id if isinstance(listing, Need) else Match.technology_id
    computed = db.session.scalar(select(func.max(Match.computed_at)).where(column == listing.id))
    changed = as_utc(listing.updated_at) if listing.updated_at else None
    if changed is None or changed < utcnow() - CATCH_UP_WINDOW or (computed and as_utc(computed) >= changed):
        return False
    try:
        with db.session.begin_nested():
            listings_changed([listing])
    except IntegrityError:  # the job stored the same pairs at this very moment: its rows are as good
        return False
    return True


def rescore_after_commit(listing, **_) -> None:
    """Receiver of `signals.listing_changed`: re-score the listing's pairs in a job after the commit."""
    from .. import jobs
    jobs.enqueue("rescore_listings", [["technologies" if isinstance(listing, Technology) else "needs", listing.id]])


def connect() -> None:
    from .. import signals
    signals.listing_changed.connect(rescore_after_commit)


@event.listens_for(Session, "after_flush")
def _rescore_when_owners_change(session, _context) -> None:
    """A city's Japanese partners or a country's JCM status enter its needs' scores: re-score them.

    (A company's home city reaches the technology index through the change log.)
    """
    from .. import jobs
    touched = (*session.new, *session.dirty, *session.deleted)
    city_ids = sorted({o.city_id for o in touched if isinstance(o, Partnership) and o.city_id})
    countries = sorted({o.code for o in session.dirty if isinstance(o, Country)})
    if city_ids or countries:
        jobs.enqueue_on(session, "rescore_cities", city_ids, countries)


def rescore_cities(city_ids: list[int], countries: list[str]) -> int:
    """Re-score the open needs of these cities and of every city in these countries."""
    needs = db.session.scalars(select(Need).join(City).where(
        or_(City.id.in_(city_ids), City.country_code.in_(countries)))).all()
    for need in needs:
        refresh_need(need)
    return len(needs)


def listings_changed(listings: Iterable, progress: Callable[[int], None] | None = None) -> None:
    """Profiles of the changed listings (`progress(n)` after each chunk), then their stored matches."""
    listings = list(listings)
    profiles.compute_profiles(listings, progress)
    if len(listings) > 200:
        rematch()
    else:
        for listing in listings:
            if isinstance(listing, Need):
                refresh_need(listing)
            else:
                refresh_technology(listing)


def rematch(progress: Callable[[int], None] | None = None, batch: int = 256) -> dict:
    """Recompute every stored match; `progress(n)` is called after each batch of n needs.

    Needs are ranked in batches: their cosines against every technology are one matrix
    product, and the passages of the technologies they keep are read once per batch.
    """
    profiles.compute_missing_profiles()
    db.session.execute(delete(Match))
    catalog = profiles.catalog()
    with catalog.lock:
        return _rematch(catalog, progress, batch)


def _rematch(catalog, progress, batch: int) -> dict:
    index, weights, fresh = catalog.sync(), catalog.weights, profiles.fresh_after()
    need_ids = list(db.session.scalars(profiles.active_needs_query().with_only_columns(Need.id).order_by(Need.id)))
    dismissed: dict[int, set] = {}
    for need_id, tech_id in db.session.execute(select(Dismissal.need_id, Dismissal.technology_id)):
        dismissed.setdefault(need_id, set()).add(tech_id)
    stored = 0
    for start in range(0, len(need_ids), batch):
        needs = profiles.load_needs(need_ids[start:start + batch])
        chunk = [needs[i] for i in need_ids[start:start + batch] if i in needs]
        cosines = index.cosines_many(np.stack([n.vector for n in chunk])) if chunk else None
        ranked = []
        for row, need in enumerate(chunk):
            results = [r for r in index.rank(need, weights, weights.stored_per_need,
                                             exclude=frozenset(dismissed.get(need.id, ())), fresh_after=fresh,
                                             cosine=cosines[row])
                       if r.score >= weights.min_stored_score]
            ranked.append((need, results))
        passages = profiles.technology_passages(sorted({r.technology_id for _, rs in ranked for r in rs}))
        now, rows = utcnow(), []
        for need, results in ranked:
            alignment.explain(need, results, passages)
            rows += [_row(need.id, r, now) for r in results]
        _store(rows)
        stored += len(rows)
        if progress:
            progress(len(chunk))
    return {"needs": len(need_ids), "stored": stored}


def as_contract_item(result: MatchResult) -> dict:
    """The CONTRACT's match item of a live result (stored matches: `stored_items`): technology,
    company, score, components, reasons (in English)."""
    return {"technology": result.technology_ref, "company": result.company_ref, "score": result.score,
            "components": result.components, "reasons": [render(r, "en") for r in result.reasons]}
