"""Ranking quality on a labelled set: recall@5, recall@10 and MRR, for the engine and a baseline."""
import json
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select

from ..extensions import db
from ..models import Need, Technology
from . import store

LABELLED = Path(__file__).resolve().parent.parent.parent / "bench" / "labelled.json"


def metrics(rankings: dict[str, list[str]], relevant: dict[str, list[str]]) -> dict:
    """Mean recall@5, recall@10 and reciprocal rank of the first relevant technology."""
    totals = {"recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
    for need, wanted in relevant.items():
        ranked = rankings.get(need, [])
        wanted = set(wanted)
        totals["recall@5"] += len(wanted & set(ranked[:5])) / len(wanted)
        totals["recall@10"] += len(wanted & set(ranked[:10])) / len(wanted)
        first = next((i for i, ref in enumerate(ranked, 1) if ref in wanted), None)
        totals["mrr"] += 1 / first if first else 0.0
    return {key: round(value / len(relevant), 3) for key, value in totals.items()}


def engine_rankings(need_refs) -> dict[str, list[str]]:
    count = len(db.session.scalars(select(Technology.id)).all())
    rankings = {}
    for ref in need_refs:
        need = db.session.scalar(select(Need).where(Need.ref == ref))
        rankings[ref] = [r.technology_ref for r in store.rank_need(need, count)]
    return rankings


def baseline_rankings(need_refs) -> dict[str, list[str]]:
    """rapidfuzz WRatio on the raw title and description, nothing else."""
    techs = db.session.scalars(select(Technology)).all()
    rankings = {}
    for ref in need_refs:
        need = db.session.scalar(select(Need).where(Need.ref == ref))
        query = f"{need.title} {need.description}"
        scored = sorted(techs, key=lambda t: (-fuzz.WRatio(query, f"{t.title} {t.description}"), t.id))
        rankings[ref] = [t.ref for t in scored]
    return rankings


def load_labelled(path: Path = LABELLED) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def evaluate(labelled: dict) -> dict:
    """Both rankers on the labelled needs, with the labelled bundle already imported."""
    relevant = labelled["relevant"]
    return {"engine": metrics(engine_rankings(relevant), relevant),
            "baseline": metrics(baseline_rankings(relevant), relevant)}
