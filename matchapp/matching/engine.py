"""Scoring needs against technologies: one reference scorer per pair, and a vectorised ranker.

A score is 0..100, the sum of named components (weights in data/matching_weights.json):
- semantic: the cosine of the two texts' sentence vectors (multilingual, so a Japanese
  need and an English technology compare directly), mapped from [semantic_low,
  semantic_high] to 0..1;
- text: glossary concepts both texts name, and rapidfuzz's token-set ratio of what is
  left, so exact product words and abbreviations still count;
- sector: a soft signal: full when the technology covers one of the need's sectors (two
  when the need ticks several, so many ticks do not dilute it), and never less than the
  semantic fit, so wrong ticks cannot sink a pair whose texts clearly match;
- country: delivered there, offered there, or anything else (any country, or a delivery
  record elsewhere: never below "any country");
- bonus: a Japanese-city partnership and JCM experience in a JCM partner country.
There is no candidate gate: every active technology is ranked.

`score_pair` is the definition of a score. `index.TechIndex.rank` computes the same
numbers for one need against every technology at once (one matrix-vector product for
the cosines), then rapidfuzz only for the technologies that can still reach the top K
(their score without the fuzzy part plus its maximum is at least the K-th best score
without it), so the top K is exact.
"""
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from ..text import normalise
from .glossary import Analysis, Glossary
from .semantic import NO_VECTOR
from .weights import Weights

POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.float32)


@dataclass
class TechProfile:
    id: int
    ref: str
    company_ref: str
    home_city: str
    sectors: frozenset
    countries: frozenset
    delivered: dict
    jcm: bool
    analysis: Analysis
    vector: np.ndarray = field(default_factory=lambda: NO_VECTOR)
    confirmed: float = float("inf")  # confirmed_at as a POSIX timestamp: the index hides stale ones
    tokens: str = ""  # computed from the analysis unless given

    def __post_init__(self):
        self.tokens = self.tokens or token_string(self.analysis)


@dataclass
class NeedProfile:
    id: int
    ref: str
    city: str
    country: str
    country_is_jcm: bool
    partners: dict  # city_key(name) -> name as written
    sectors: frozenset
    analysis: Analysis
    vector: np.ndarray = field(default_factory=lambda: NO_VECTOR)
    passages: list = field(default_factory=list)  # [language, sentence] pairs
    passage_vectors: np.ndarray | None = None
    tokens: str = ""

    def __post_init__(self):
        self.tokens = self.tokens or token_string(self.analysis)


@dataclass
class MatchResult:
    technology_id: int
    technology_ref: str
    company_ref: str
    score: float
    components: dict
    reasons: list = field(default_factory=list)
    cosine: float = 0.0


def token_string(analysis: Analysis) -> str:
    """Concepts and leftover words as one string: what rapidfuzz compares (token_set_ratio sorts them itself)."""
    return " ".join(["~" + c for c in analysis.concepts] + list(analysis.tokens))


def analyse(glossary: Glossary, *texts: str) -> Analysis:
    return glossary.analyse("\n".join(t for t in texts if t))


def city_key(name: str) -> str:
    return normalise(name).replace(" city", "").replace("市", "").strip()


# --- the reference scorer -------------------------------------------------------------

def semantic_fit(cosine, w: Weights):
    """The cosine mapped onto 0..1 between the weights' low and high marks (scalars or arrays)."""
    return np.clip((cosine - w.semantic_low) / (w.semantic_high - w.semantic_low), 0.0, 1.0)


def sector_overlap(need: NeedProfile, tech: TechProfile) -> float:
    """Covered sectors over the need's, counting at most two: a need ticking six is not diluted."""
    if not need.sectors:
        return 0.0
    return min(1.0, len(need.sectors & tech.sectors) / min(len(need.sectors), 2))


def sector_fit(overlap, semantic):
    """Sectors as a soft signal: a pair whose texts match is not sunk by the need's ticks."""
    return np.maximum(overlap, semantic)


def country_fit(need: NeedProfile, tech: TechProfile, w: Weights) -> float:
    if need.country in tech.delivered:
        return w.country_delivered
    if need.country in tech.countries:
        return w.country_targeted
    return w.country_any if not tech.countries else w.country_elsewhere


def concept_fit(need: NeedProfile, tech: TechProfile) -> float:
    concepts = need.analysis.concepts
    return len(concepts.keys() & tech.analysis.concepts.keys()) / len(concepts) if concepts else 0.0


def bonus_fit(need: NeedProfile, tech: TechProfile, w: Weights) -> float:
    partnership = tech.home_city != "" and tech.home_city in need.partners
    jcm = need.country_is_jcm and tech.jcm
    return w.bonus_partnership * partnership + w.bonus_jcm * jcm


def combine(w: Weights, sector, country, concepts, fuzzy, semantic, bonus):
    """Component points (each weight x fit x 100) and their sum, for scalars or arrays alike."""
    text = w.text_concepts * concepts + w.text_fuzzy * fuzzy
    parts = {"sector": 100 * w.sector * sector, "country": 100 * w.country * country,
             "text": 100 * w.text * text, "semantic": 100 * w.semantic * semantic,
             "bonus": 100 * w.bonus * bonus}
    return parts, parts["sector"] + parts["country"] + parts["text"] + parts["semantic"] + parts["bonus"]


def score_pair(need: NeedProfile, tech: TechProfile, w: Weights) -> MatchResult:
    """The score of one pair, with its components and reasons."""
    cosine = float(need.vector @ tech.vector)
    semantic = float(semantic_fit(cosine, w))
    overlap = sector_overlap(need, tech)
    fuzzy = fuzz.token_set_ratio(need.tokens, tech.tokens) / 100
    parts, total = combine(w, float(sector_fit(overlap, semantic)), country_fit(need, tech, w),
                           concept_fit(need, tech), fuzzy, semantic, bonus_fit(need, tech, w))
    return MatchResult(tech.id, tech.ref, tech.company_ref, round(total, 2),
                       {k: round(float(v), 2) for k, v in parts.items()}, reasons(need, tech, overlap, semantic),
                       cosine)


def score_bound(need: NeedProfile, tech: TechProfile, semantic: float, w: Weights) -> float:
    """The most `score_pair` can give this pair, without rapidfuzz (its fuzzy part taken as 1), from
    the semantic fit given (one matrix product and one clip for many pairs): pairs that cannot reach
    a cut-off are skipped."""
    _parts, total = combine(w, max(sector_overlap(need, tech), semantic), country_fit(need, tech, w),
                            concept_fit(need, tech), 1.0, semantic, bonus_fit(need, tech, w))
    return total + 0.01  # score_pair rounds to two decimals


def reasons(need: NeedProfile, tech: TechProfile, overlap: float, semantic: float) -> list[dict]:
    """Why this pair scores: structured, so that each reader sees them in their language."""
    found = []
    covered = sorted(need.sectors & tech.sectors)
    if covered:
        found.append({"code": "sectors", "sectors": covered, "covered": len(covered), "of": len(need.sectors)})
    elif semantic > overlap:
        found.append({"code": "sectors_differ", "need": sorted(need.sectors), "technology": sorted(tech.sectors)})
    if need.country in tech.delivered:
        found.append({"code": "delivered", "country": need.country, "year": tech.delivered[need.country]})
    elif need.country in tech.countries:
        found.append({"code": "targets", "country": need.country})
    elif not tech.countries:
        found.append({"code": "any_country"})
    else:
        found.append({"code": "experience_elsewhere", "countries": sorted(set(tech.delivered) | tech.countries)[:6]})
    shared = [c for c in need.analysis.concepts if c in tech.analysis.concepts]
    if shared:
        found.append({"code": "terms", "pairs": [[need.analysis.concepts[c], tech.analysis.concepts[c], c]
                                                 for c in shared[:6]]})
    if tech.home_city and tech.home_city in need.partners:
        found.append({"code": "partnership", "japanese_city": need.partners[tech.home_city], "city": need.city})
    if need.country_is_jcm and tech.jcm:
        found.append({"code": "jcm", "country": need.country})
    return found
