"""What people did with proposed pairs, kept as labelled examples.

An accepted introduction, a meeting held and a project started are positive
examples; a "No thanks" dismissal is a negative one. Each is recorded once per pair
and outcome, with the pair's stored score and rank at that moment, so that
`flask tune-weights` can fit the weights on them and the figures page can show how
well the proposals did over time.
"""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Match, MatchOutcome

POSITIVE = ("accepted", "met", "project")
NEGATIVE = ("dismissed",)


def stored_rank(need_id: int, technology_id: int) -> tuple[float | None, int | None]:
    """The pair's stored score and its place in the need's stored list (None when it is not stored)."""
    score = db.session.scalar(select(Match.score).where(Match.need_id == need_id, Match.technology_id == technology_id))
    if score is None:
        return None, None
    above = db.session.scalar(select(func.count()).select_from(Match)
                              .where(Match.need_id == need_id, Match.score > score))
    return score, above + 1


def record(need_id: int, technology_id: int, outcome: str) -> None:
    """Record an outcome once (a repeat, even a concurrent one, changes nothing)."""
    if outcome not in POSITIVE + NEGATIVE:
        raise ValueError(f"unknown outcome {outcome!r}")
    exists = select(MatchOutcome.id).where(MatchOutcome.need_id == need_id, MatchOutcome.technology_id == technology_id,
                                           MatchOutcome.outcome == outcome)
    if db.session.scalar(exists) is not None:
        return
    score, rank = stored_rank(need_id, technology_id)
    try:
        with db.session.begin_nested():
            db.session.add(MatchOutcome(need_id=need_id, technology_id=technology_id, outcome=outcome,
                                        positive=outcome in POSITIVE, score=score, rank=rank))
    except IntegrityError:  # recorded by a concurrent request a moment ago
        pass


def labelled_pairs() -> dict[int, dict[str, set]]:
    """need id -> {"positive": technology ids, "negative": technology ids}, from every recorded outcome."""
    pairs: dict[int, dict[str, set]] = {}
    for need_id, tech_id, positive in db.session.execute(
            select(MatchOutcome.need_id, MatchOutcome.technology_id, MatchOutcome.positive)):
        entry = pairs.setdefault(need_id, {"positive": set(), "negative": set()})
        entry["positive" if positive else "negative"].add(tech_id)
    for entry in pairs.values():
        entry["negative"] -= entry["positive"]
    return pairs


def quality_by_month() -> list[dict]:
    """Per month of recorded outcomes: how many were positive or dismissed, the share of positives that
    were among the need's top 5 stored matches, their median rank, and the mean scores of both kinds."""
    months: dict[str, dict] = {}
    for created_at, positive, score, rank in db.session.execute(
            select(MatchOutcome.created_at, MatchOutcome.positive, MatchOutcome.score, MatchOutcome.rank)
            .order_by(MatchOutcome.created_at)):
        entry = months.setdefault(created_at.strftime("%Y-%m"), {"positive": [], "negative": []})
        entry["positive" if positive else "negative"].append((score, rank))
    rows = []
    for month, entry in months.items():
        positives, negatives = entry["positive"], entry["negative"]
        ranks = sorted(rank for _score, rank in positives if rank is not None)

        def mean_score(pairs):
            scores = [score for score, _rank in pairs if score is not None]
            return round(sum(scores) / len(scores), 1) if scores else None

        rows.append({"month": month, "positives": len(positives), "dismissed": len(negatives),
                     "top5": round(100 * sum(1 for r in ranks if r <= 5) / len(positives)) if positives else None,
                     "median_rank": ranks[len(ranks) // 2] if ranks else None,
                     "positive_score": mean_score(positives), "dismissed_score": mean_score(negatives)})
    return rows


def record_from_introduction(introduction, **_) -> None:
    """Receiver of `signals.introduction_changed`: an accepted or met pair is a labelled outcome."""
    if introduction.state in ("accepted", "met"):
        record(introduction.need_id, introduction.technology_id, introduction.state)


def connect() -> None:
    from .. import signals
    signals.introduction_changed.connect(record_from_introduction)
