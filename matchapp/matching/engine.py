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

`score_pair` is the definition of a score. `TechIndex.rank` computes the same numbers
for one need against every technology at once (one matrix-vector product for the
cosines), then rapidfuzz only for the technologies that can still reach the top K
(their score without the fuzzy part plus its maximum is at least the K-th best score
without it), so the top K is exact.
"""
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..text import normalise
from .glossary import Analysis, Glossary
from .semantic import DIMENSIONS, NO_VECTOR
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
    tokens: str = ""

    def __post_init__(self):
        self.tokens = token_string(self.analysis)


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
        self.tokens = token_string(self.analysis)


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
    """Concepts and leftover words as one sorted string: what rapidfuzz compares."""
    return " ".join(sorted(["~" + c for c in analysis.concepts] + list(analysis.tokens)))


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


# --- the vectorised ranker ------------------------------------------------------------

class TechIndex:
    """Every published technology's profile as arrays, updatable one technology at a time."""

    ARRAYS = {"sector_mask": np.uint16, "open_to_any": bool, "jcm": bool, "home_city": np.int32,
              "active": bool, "confirmed": np.float64}

    def __init__(self, sector_codes: list[str], profiles: list[TechProfile] = ()):
        self.sector_bit = {code: 1 << i for i, code in enumerate(sorted(sector_codes))}
        self.profiles: list[TechProfile] = []
        self.position: dict[int, int] = {}
        self.city_codes: dict[str, int] = {}
        capacity = max(16, len(profiles))
        for name, dtype in self.ARRAYS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.vectors = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        self.postings: dict[tuple, set] = {}
        self._arrays: dict[tuple, np.ndarray] = {}
        for profile in profiles:
            self.put(profile)

    def __len__(self) -> int:
        return int(self.active[:len(self.profiles)].sum())

    def _grow(self, capacity: int) -> None:
        for name in (*self.ARRAYS, "vectors"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)

    def _keys(self, profile: TechProfile):
        yield from (("target", c) for c in profile.countries)
        yield from (("delivered", c) for c in profile.delivered)
        yield from (("concept", c) for c in profile.analysis.concepts)

    def put(self, profile: TechProfile) -> None:
        """Add or replace one technology (an edit touches only its own entries)."""
        if profile.id in self.position:
            pos = self.position[profile.id]
            self._unpost(pos)
            self.profiles[pos] = profile
        else:
            pos = len(self.profiles)
            if pos >= len(self.active):
                self._grow(2 * len(self.active))
            self.profiles.append(profile)
            self.position[profile.id] = pos
        mask = 0
        for code in profile.sectors:
            mask |= self.sector_bit.get(code, 0)
        self.sector_mask[pos] = mask
        self.open_to_any[pos] = not profile.countries
        self.jcm[pos] = profile.jcm
        self.home_city[pos] = self.city_codes.setdefault(profile.home_city, len(self.city_codes)) if profile.home_city else -1
        self.confirmed[pos] = profile.confirmed
        self.vectors[pos] = profile.vector
        self.active[pos] = True
        for key in self._keys(profile):
            self.postings.setdefault(key, set()).add(pos)
            self._arrays.pop(key, None)

    def remove(self, tech_id: int) -> None:
        pos = self.position.get(tech_id)
        if pos is not None and self.active[pos]:
            self.active[pos] = False
            self._unpost(pos)

    def _unpost(self, pos: int) -> None:
        for key in self._keys(self.profiles[pos]):
            self.postings.get(key, set()).discard(pos)
            self._arrays.pop(key, None)

    def _posting(self, key: tuple) -> np.ndarray:
        array = self._arrays.get(key)
        if array is None:
            array = np.fromiter(self.postings.get(key, ()), dtype=np.int64)
            self._arrays[key] = array
        return array

    def cosines(self, vector: np.ndarray) -> np.ndarray:
        return self.vectors[:len(self.profiles)] @ vector

    def cosines_many(self, matrix: np.ndarray) -> np.ndarray:
        """Cosines of several needs' vectors (rows) against every indexed technology: one matrix product."""
        return matrix @ self.vectors[:len(self.profiles)].T

    def fits(self, need: NeedProfile, w: Weights, cosine: np.ndarray | None = None):
        """Sector, country, concept, semantic and bonus fits of every indexed technology for `need`."""
        n = len(self.profiles)
        if cosine is None:
            cosine = self.cosines(need.vector)
        semantic = semantic_fit(cosine, w).astype(np.float32)
        need_mask = 0
        for code in need.sectors:
            need_mask |= self.sector_bit.get(code, 0)
        need_count = min(POPCOUNT[need_mask], 2)
        overlap = (np.minimum(1.0, POPCOUNT[self.sector_mask[:n] & need_mask] / need_count) if need_count
                   else np.zeros(n, np.float32))
        sector = sector_fit(overlap, semantic)
        country = np.where(self.open_to_any[:n], w.country_any, w.country_elsewhere).astype(np.float32)
        country[self._posting(("target", need.country))] = w.country_targeted
        country[self._posting(("delivered", need.country))] = w.country_delivered
        concepts = np.zeros(n, np.float32)
        if need.analysis.concepts:
            hits = [self._posting(("concept", c)) for c in need.analysis.concepts]
            counts = np.bincount(np.concatenate(hits), minlength=n)[:n]
            concepts = (counts / len(need.analysis.concepts)).astype(np.float32)
        partner_codes = [self.city_codes[c] for c in need.partners if c in self.city_codes]
        bonus = w.bonus_partnership * np.isin(self.home_city[:n], partner_codes)
        if need.country_is_jcm:
            bonus = bonus + w.bonus_jcm * self.jcm[:n]
        return sector, country, concepts, semantic, bonus.astype(np.float32)

    def rank(self, need: NeedProfile, w: Weights, top: int, exclude: frozenset = frozenset(),
             fresh_after: float = float("-inf"), workers: int = 1, cosine: np.ndarray | None = None
             ) -> list[MatchResult]:
        """The `top` best active technologies for `need`, exactly as score_pair would rank them.

        `fresh_after`: technologies confirmed before this POSIX time are stale and left out.
        `cosine`: the need's cosines against the index, when a batch computed them already.
        """
        n = len(self.profiles)
        if n == 0 or top <= 0:
            return []
        if cosine is None:
            cosine = self.cosines(need.vector)
        sector, country, concepts, semantic, bonus = self.fits(need, w, cosine)
        eligible = self.active[:n] & (self.confirmed[:n] >= fresh_after)
        for tech_id in exclude:
            if tech_id in self.position:
                eligible[self.position[tech_id]] = False
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return []
        _, lower = combine(w, sector[candidates], country[candidates], concepts[candidates], 0.0,
                           semantic[candidates], bonus[candidates])
        fuzzy_max = 100 * w.text * w.text_fuzzy
        if candidates.size > top:
            kth = np.partition(lower, -top)[-top]
            keep = lower + fuzzy_max >= kth
            candidates, lower = candidates[keep], lower[keep]
        fuzzy = process.cdist([need.tokens], [self.profiles[i].tokens for i in candidates],
                              scorer=fuzz.token_set_ratio, dtype=np.float32, workers=workers)[0] / 100
        totals = lower + fuzzy_max * fuzzy
        order = np.lexsort((candidates, -np.round(totals, 2)))[:top]
        results = []
        for j in order:
            i = candidates[j]
            tech = self.profiles[i]
            parts, total = combine(w, float(sector[i]), float(country[i]), float(concepts[i]), float(fuzzy[j]),
                                   float(semantic[i]), float(bonus[i]))
            overlap = sector_overlap(need, tech)
            results.append(MatchResult(tech.id, tech.ref, tech.company_ref, round(total, 2),
                                       {k: round(v, 2) for k, v in parts.items()},
                                       reasons(need, tech, overlap, float(semantic[i])), float(cosine[i])))
        return results
