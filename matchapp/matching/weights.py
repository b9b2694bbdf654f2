"""Matching weights: one JSON file, replaceable through MATCHAPP_WEIGHTS."""
import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

COMPONENTS = ("sector", "country", "text", "semantic", "bonus")
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "matching_weights.json"


@dataclass(frozen=True)
class Weights:
    sector: float
    country: float
    text: float
    semantic: float
    bonus: float
    text_concepts: float
    text_fuzzy: float
    country_delivered: float
    country_targeted: float
    country_any: float
    country_elsewhere: float
    semantic_low: float
    semantic_high: float
    bonus_partnership: float
    bonus_jcm: float
    min_stored_score: float
    stored_per_need: int


def load(path: str | None = None) -> Weights:
    """Read the weights; ValueError when the file is incomplete or the components do not add up to 1."""
    path = path or os.environ.get("MATCHAPP_WEIGHTS") or DEFAULT_FILE
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    names = {f.name for f in fields(Weights)}
    missing = names - data.keys()
    if missing:
        raise ValueError(f"{path}: missing weights {sorted(missing)}")
    weights = Weights(**{name: data[name] for name in names})
    if abs(sum(getattr(weights, name) for name in COMPONENTS) - 1) > 1e-6:
        raise ValueError(f"{path}: {' + '.join(COMPONENTS)} must add up to 1")
    if not weights.semantic_low < weights.semantic_high:
        raise ValueError(f"{path}: semantic_low must be below semantic_high")
    return weights
