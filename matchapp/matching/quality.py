"""Ranking quality on a labelled set: recall@5, recall@10 and MRR, overall and for the hard cases.

A labelled set is a bundle plus, per need, the technologies a coordinator would
introduce (`relevant`); optionally `split` (dev / holdout need refs) and `tags`
per need (`mis_tagged`, `many_ticks`, ...). Cross-language pairs are found from the
listings' languages.
"""
import json
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select

from ..extensions import db
from ..models import Need, Technology
from . import profiles, store

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"
LABELLED = BENCH / "labelled.json"
UNSEEN = BENCH / "unseen.json"


def metrics(rankings: dict[str, list[str]], relevant: dict[str, list[str]]) -> dict:
    """Mean recall@5, recall@10 and reciprocal rank of the first relevant technology."""
    totals = {"recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0}
    if not relevant:
        return {**totals, "needs": 0}
    for need, wanted in relevant.items():
        ranked = rankings.get(need, [])
        wanted = set(wanted)
        totals["recall@5"] += len(wanted & set(ranked[:5])) / len(wanted)
        totals["recall@10"] += len(wanted & set(ranked[:10])) / len(wanted)
        first = next((i for i, ref in enumerate(ranked, 1) if ref in wanted), None)
        totals["mrr"] += 1 / first if first else 0.0
    return {**{key: round(value / len(relevant), 3) for key, value in totals.items()}, "needs": len(relevant)}


def load_labelled(path: Path = LABELLED) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def subsets(labelled: dict, needs: list[str] | None = None) -> dict[str, dict[str, list[str]]]:
    """The relevant pairs overall, across languages only, and for needs with wrong or many sector ticks."""
    relevant = {n: r for n, r in labelled["relevant"].items() if needs is None or n in needs}
    language = {x["ref"]: x.get("language", "en") for kind in ("technologies", "needs")
                for x in labelled["bundle"][kind]}
    cross = {n: [t for t in r if language[t] != language[n]] for n, r in relevant.items()}
    tags = labelled.get("tags", {})
    return {"overall": relevant,
            "cross-language": {n: r for n, r in cross.items() if r},
            "mis-tagged": {n: r for n, r in relevant.items() if "mis_tagged" in tags.get(n, ())}}


def _needs(need_refs) -> list[Need]:
    return list(db.session.scalars(select(Need).where(Need.ref.in_(list(need_refs)))))


def engine_rankings(need_refs) -> dict[str, list[str]]:
    count = len(db.session.scalars(select(Technology.id)).all())
    return {need.ref: [r.technology_ref for r in store.rank_need(need, count, explain=False)]
            for need in _needs(need_refs)}


def cosine_rankings(need_refs) -> dict[str, list[str]]:
    """The sentence vectors' cosine alone: no glossary, sectors or countries."""
    index = profiles.catalog().sync()
    refs = [index.profile(i).ref for i in range(index.size)]
    rankings = {}
    for need in _needs(need_refs):
        cosine = index.cosines(store.need_profile(need).vector)
        order = sorted(range(len(refs)), key=lambda i: (-cosine[i], refs[i]))
        rankings[need.ref] = [refs[i] for i in order if index.active[i]]
    return rankings


def baseline_rankings(need_refs) -> dict[str, list[str]]:
    """rapidfuzz WRatio on the raw title and description, nothing else."""
    techs = db.session.scalars(select(Technology)).all()
    rankings = {}
    for need in _needs(need_refs):
        query = f"{need.title} {need.description}"
        scored = sorted(techs, key=lambda t: (-fuzz.WRatio(query, f"{t.title} {t.description}"), t.id))
        rankings[need.ref] = [t.ref for t in scored]
    return rankings


RANKERS = {"engine": engine_rankings, "cosine": cosine_rankings, "wratio": baseline_rankings}


def evaluate(labelled: dict, needs: list[str] | None = None, rankers: dict | None = None) -> dict:
    """Every ranker on the labelled needs (the labelled bundle already imported): ranker -> subset -> metrics."""
    parts = subsets(labelled, needs)
    result = {}
    for name, ranker in (rankers or RANKERS).items():
        rankings = ranker(parts["overall"])
        result[name] = {subset: metrics(rankings, relevant) for subset, relevant in parts.items()}
    return result


def labelled_ids(labelled: dict, needs: list[str] | None = None) -> dict[int, dict[str, set]]:
    """The labelled set's relevant pairs as database ids, in the shape tuning takes."""
    relevant = {n: r for n, r in labelled["relevant"].items() if needs is None or n in needs}
    need_ids = dict(db.session.execute(select(Need.ref, Need.id).where(Need.ref.in_(list(relevant)))).all())
    tech_refs = sorted({t for r in relevant.values() for t in r})
    tech_ids = dict(db.session.execute(select(Technology.ref, Technology.id).where(Technology.ref.in_(tech_refs))).all())
    return {need_ids[n]: {"positive": {tech_ids[t] for t in r if t in tech_ids}, "negative": set()}
            for n, r in relevant.items() if n in need_ids}
