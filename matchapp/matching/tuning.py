"""Fitting the matching weights on labelled pairs, cross-validated.

Examples are needs with the technologies that were right for them (positives) and,
optionally, ones that were wrong (negatives: "No thanks"). For each need the
weight-independent features of every published technology are computed once
(sector overlap, cosine, country category, concept share, fuzzy ratio, partnership
and JCM flags); a weight set is then scored exactly as the engine scores, and a
coordinate search looks for the set with the best recall@5 + MRR, less the share of
negatives in the top 5. Cross-validation fits on all folds but one and measures on
the one left out, so the printed "after" is a figure on needs the fit did not see.
"""
import random
from dataclasses import asdict, dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from .engine import combine, sector_fit, semantic_fit
from .index import TechIndex
from .weights import COMPONENTS, Weights

DELIVERED, TARGETED, ANY, ELSEWHERE = range(4)
STEPS = {"semantic_low": (-0.1, -0.05, 0.05, 0.1), "semantic_high": (-0.1, -0.05, 0.05, 0.1),
         "text_concepts": (-0.2, -0.1, 0.1, 0.2), "country_elsewhere": (-0.2, -0.1, 0.1, 0.2)}
COMPONENT_FACTORS = (0.5, 0.75, 1.33, 2.0)


@dataclass
class Example:
    need_ref: str
    features: dict
    positive: np.ndarray  # positions in the feature arrays
    negative: np.ndarray


def features(index: TechIndex, need, fresh_after: float) -> tuple[dict, np.ndarray]:
    """Weight-independent features of every active technology for `need`, and their index positions."""
    n = index.size
    positions = np.flatnonzero(index.active[:n] & (index.confirmed[:n] >= fresh_after))
    country = np.where(index.open_to_any[:n], ANY, ELSEWHERE)
    country[index.posting(("target", need.country))] = TARGETED
    country[index.posting(("delivered", need.country))] = DELIVERED
    overlap = index.sector_overlaps(need)[positions]
    country = country[positions]
    concepts = index.concept_shares(need.analysis.concepts)[positions]
    fuzzy = process.cdist([need.tokens], [index.tokens[p] for p in positions],
                          scorer=fuzz.token_set_ratio, dtype=np.float32)[0] / 100
    partner_codes = [index.city_codes[c] for c in need.partners if c in index.city_codes]
    return {"overlap": overlap, "cosine": index.vectors[positions] @ need.vector, "country": country,
            "concepts": concepts, "fuzzy": fuzzy, "partner": np.isin(index.home_city[positions], partner_codes),
            "jcm": index.jcm[positions] & need.country_is_jcm}, positions


def scores(f: dict, w: Weights) -> np.ndarray:
    """The engine's total for every technology in the features, under weights `w`."""
    semantic = semantic_fit(f["cosine"], w)
    country = np.array([w.country_delivered, w.country_targeted, w.country_any, w.country_elsewhere])[f["country"]]
    bonus = w.bonus_partnership * f["partner"] + w.bonus_jcm * f["jcm"]
    return combine(w, sector_fit(f["overlap"], semantic), country, f["concepts"], f["fuzzy"], semantic, bonus)[1]


def measure(examples: list[Example], w: Weights) -> dict:
    recall5 = mrr = wrong = 0.0
    for example in examples:
        total = np.round(scores(example.features, w), 2)
        order = np.lexsort((np.arange(len(total)), -total))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(1, len(order) + 1)
        ranks = rank[example.positive]
        recall5 += float(np.mean(ranks <= 5))
        mrr += 1 / float(ranks.min())
        if len(example.negative):
            wrong += float(np.mean(rank[example.negative] <= 5))
    n = max(len(examples), 1)
    return {"recall@5": round(recall5 / n, 3), "mrr": round(mrr / n, 3), "negatives@5": round(wrong / n, 3)}


def objective(m: dict) -> float:
    return m["recall@5"] + m["mrr"] - 0.5 * m["negatives@5"]


def normalised(w: Weights, **components) -> Weights | None:
    values = {name: components.get(name, getattr(w, name)) for name in COMPONENTS}
    total = sum(values.values())
    values = {name: round(v / total, 4) for name, v in values.items()}
    values["bonus"] = round(1 - sum(v for k, v in values.items() if k != "bonus"), 4)
    return replace(w, **values) if values["bonus"] >= 0 else None


def neighbours(w: Weights):
    for name in COMPONENTS:
        for factor in COMPONENT_FACTORS:
            candidate = normalised(w, **{name: max(getattr(w, name) * factor, 0.01)})
            if candidate:
                yield candidate
    for name, steps in STEPS.items():
        for step in steps:
            value = round(getattr(w, name) + step, 3)
            candidate = replace(w, **{name: value})
            if name == "text_concepts":
                if not 0 <= value <= 1:
                    continue
                candidate = replace(candidate, text_fuzzy=round(1 - value, 3))
            if 0 <= candidate.semantic_low < candidate.semantic_high <= 1 and 0 <= candidate.country_elsewhere <= 1:
                yield candidate


def fit(examples: list[Example], start: Weights, rounds: int = 6) -> Weights:
    """Coordinate search from `start`: the best neighbour while one improves the objective."""
    best, best_value = start, objective(measure(examples, start))
    for _ in range(rounds):
        improved = False
        for candidate in neighbours(best):
            value = objective(measure(examples, candidate))
            if value > best_value + 1e-9:
                best, best_value, improved = candidate, value, True
        if not improved:
            break
    return best


def cross_validate(examples: list[Example], start: Weights, folds: int = 5, seed: int = 7) -> dict:
    """Before/after on needs left out of each fit, and the weights fitted on every example."""
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    folds = max(2, min(folds, len(shuffled)))
    parts = [shuffled[i::folds] for i in range(folds)]
    before, after = [], []
    for i, held_out in enumerate(parts):
        training = [e for j, part in enumerate(parts) if j != i for e in part]
        fitted = fit(training, start)
        before.append((len(held_out), measure(held_out, start)))
        after.append((len(held_out), measure(held_out, fitted)))

    def mean(results):
        total = sum(n for n, _ in results)
        return {k: round(sum(n * m[k] for n, m in results) / total, 3) for k in results[0][1]}

    return {"before": mean(before), "after": mean(after), "folds": folds, "needs": len(examples),
            "weights": fit(examples, start)}


def as_file(w: Weights, about: str) -> dict:
    return {"_about": about, **asdict(w)}


def examples_for(pairs: dict[int, dict[str, set]]) -> list[Example]:
    """Examples from need id -> {"positive": technology ids, "negative": ...}, on the current index.

    Needs whose positives are all unpublished or stale by now are left out.
    """
    from . import profiles  # the app layer: the index and stored need profiles

    index, fresh = profiles.catalog().sync(), profiles.fresh_after()
    needs = profiles.load_needs(sorted(pairs))
    examples = []
    for need_id, labels in sorted(pairs.items()):
        if need_id not in needs:
            continue
        f, positions = features(index, needs[need_id], fresh)
        where = {int(index.ids[p]): i for i, p in enumerate(positions)}
        positive = np.array([where[t] for t in labels["positive"] if t in where], dtype=np.int64)
        negative = np.array([where[t] for t in labels["negative"] if t in where], dtype=np.int64)
        if len(positive):
            examples.append(Example(needs[need_id].ref, f, positive, negative))
    return examples
