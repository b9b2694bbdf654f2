"""Scoring needs against technologies: one reference scorer per pair, and a vectorised ranker.

`score_pair` is the definition of a score. `TechIndex.rank` computes the same
numbers for one need against every technology at once: sector, country, concept
and bonus fits as numpy arrays, then rapidfuzz only for the technologies that can
still reach the top K (their score without the fuzzy part plus its maximum is at
least the K-th best score without it), so the top K is exact.
"""
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..text import normalise
from .glossary import Analysis, Glossary
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


def token_string(analysis: Analysis) -> str:
    """Concepts and leftover words as one sorted string: what rapidfuzz compares."""
    return " ".join(sorted(["~" + c for c in analysis.concepts] + list(analysis.tokens)))


def analyse(glossary: Glossary, *texts: str) -> Analysis:
    return glossary.analyse("\n".join(t for t in texts if t))


def city_key(name: str) -> str:
    return normalise(name).replace(" city", "").replace("市", "").strip()


# --- the reference scorer -------------------------------------------------------------

def sector_fit(need: NeedProfile, tech: TechProfile) -> float:
    """Share of the need's sectors the technology covers (not just any overlap)."""
    return len(need.sectors & tech.sectors) / len(need.sectors) if need.sectors else 0.0


def country_fit(need: NeedProfile, tech: TechProfile, w: Weights) -> float:
    if need.country in tech.delivered:
        return w.country_delivered
    if need.country in tech.countries:
        return w.country_targeted
    return w.country_any if not tech.countries else 0.0


def concept_fit(need: NeedProfile, tech: TechProfile) -> float:
    concepts = need.analysis.concepts
    return len(concepts.keys() & tech.analysis.concepts.keys()) / len(concepts) if concepts else 0.0


def bonus_fit(need: NeedProfile, tech: TechProfile, w: Weights) -> float:
    partnership = tech.home_city != "" and tech.home_city in need.partners
    jcm = need.country_is_jcm and tech.jcm
    return w.bonus_partnership * partnership + w.bonus_jcm * jcm


def combine(w: Weights, sector, country, concepts, fuzzy, bonus):
    """Component points (each weight x fit x 100) and their sum, for scalars or arrays alike."""
    text = w.text_concepts * concepts + w.text_fuzzy * fuzzy
    parts = {"sector": 100 * w.sector * sector, "country": 100 * w.country * country,
             "text": 100 * w.text * text, "bonus": 100 * w.bonus * bonus}
    return parts, parts["sector"] + parts["country"] + parts["text"] + parts["bonus"]


def is_candidate(sector: float, concepts: float) -> bool:
    """A technology sharing neither a sector nor a concept with the need is never proposed."""
    return sector > 0 or concepts > 0


def score_pair(need: NeedProfile, tech: TechProfile, w: Weights) -> MatchResult | None:
    """The score of one pair, with its components and reasons; None when it is no candidate."""
    sector, concepts = sector_fit(need, tech), concept_fit(need, tech)
    if not is_candidate(sector, concepts):
        return None
    fuzzy = fuzz.token_set_ratio(need.tokens, tech.tokens) / 100
    parts, total = combine(w, sector, country_fit(need, tech, w), concepts, fuzzy, bonus_fit(need, tech, w))
    return MatchResult(tech.id, tech.ref, tech.company_ref, round(total, 2),
                       {k: round(v, 2) for k, v in parts.items()}, reasons(need, tech))


def reasons(need: NeedProfile, tech: TechProfile) -> list[dict]:
    """Why this pair scores: structured, so that each reader sees them in their language."""
    found = []
    covered = sorted(need.sectors & tech.sectors)
    if covered:
        found.append({"code": "sectors", "sectors": covered, "covered": len(covered), "of": len(need.sectors)})
    if need.country in tech.delivered:
        found.append({"code": "delivered", "country": need.country, "year": tech.delivered[need.country]})
    elif need.country in tech.countries:
        found.append({"code": "targets", "country": need.country})
    elif not tech.countries:
        found.append({"code": "any_country"})
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
    """Every active technology's profile as arrays, updatable one technology at a time."""

    def __init__(self, sector_codes: list[str], profiles: list[TechProfile] = ()):
        self.sector_bit = {code: 1 << i for i, code in enumerate(sorted(sector_codes))}
        self.profiles: list[TechProfile] = []
        self.position: dict[int, int] = {}
        self.city_codes: dict[str, int] = {}
        capacity = max(16, len(profiles))
        self.sector_mask = np.zeros(capacity, dtype=np.uint16)
        self.open_to_any = np.zeros(capacity, dtype=bool)
        self.jcm = np.zeros(capacity, dtype=bool)
        self.home_city = np.full(capacity, -1, dtype=np.int32)
        self.active = np.zeros(capacity, dtype=bool)
        self.postings: dict[tuple, set] = {}
        self._arrays: dict[tuple, np.ndarray] = {}
        for profile in profiles:
            self.put(profile)

    def _grow(self) -> None:
        for name in ("sector_mask", "open_to_any", "jcm", "home_city", "active"):
            old = getattr(self, name)
            new = np.full(len(old) * 2, -1 if name == "home_city" else 0, dtype=old.dtype)
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
                self._grow()
            self.profiles.append(profile)
            self.position[profile.id] = pos
        mask = 0
        for code in profile.sectors:
            mask |= self.sector_bit.get(code, 0)
        self.sector_mask[pos] = mask
        self.open_to_any[pos] = not profile.countries
        self.jcm[pos] = profile.jcm
        self.home_city[pos] = self.city_codes.setdefault(profile.home_city, len(self.city_codes)) if profile.home_city else -1
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

    def fits(self, need: NeedProfile, w: Weights):
        """Sector, country, concept and bonus fits of every indexed technology for `need`."""
        n = len(self.profiles)
        need_mask = 0
        for code in need.sectors:
            need_mask |= self.sector_bit.get(code, 0)
        need_count = POPCOUNT[need_mask]
        sector = POPCOUNT[self.sector_mask[:n] & need_mask] / need_count if need_count else np.zeros(n, np.float32)
        country = np.where(self.open_to_any[:n], w.country_any, 0.0).astype(np.float32)
        country[self._posting(("target", need.country))] = w.country_targeted
        country[self._posting(("delivered", need.country))] = w.country_delivered
        concepts = np.zeros(n, np.float32)
        if need.analysis.concepts:
            hits = [self._posting(("concept", c)) for c in need.analysis.concepts]
            counts = np.bincount(np.concatenate(hits), minlength=n)[:n] if hits else np.zeros(n)
            concepts = (counts / len(need.analysis.concepts)).astype(np.float32)
        partner_codes = [self.city_codes[c] for c in need.partners if c in self.city_codes]
        bonus = w.bonus_partnership * np.isin(self.home_city[:n], partner_codes)
        if need.country_is_jcm:
            bonus = bonus + w.bonus_jcm * self.jcm[:n]
        return sector, country, concepts, bonus.astype(np.float32)

    def rank(self, need: NeedProfile, w: Weights, top: int, exclude: frozenset = frozenset(),
             workers: int = -1) -> list[MatchResult]:
        """The `top` best technologies for `need`, exactly as score_pair would rank them."""
        n = len(self.profiles)
        if n == 0 or top <= 0:
            return []
        sector, country, concepts, bonus = self.fits(need, w)
        eligible = self.active[:n] & ((sector > 0) | (concepts > 0))
        for tech_id in exclude:
            if tech_id in self.position:
                eligible[self.position[tech_id]] = False
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return []
        _, lower = combine(w, sector[candidates], country[candidates], concepts[candidates], 0.0,
                           bonus[candidates])
        fuzzy_max = 100 * w.text * w.text_fuzzy
        if candidates.size > top:
            kth = np.partition(lower, -top)[-top]
            keep = lower + fuzzy_max >= kth
            candidates, lower = candidates[keep], lower[keep]
        fuzzy = process.cdist([need.tokens], [self.profiles[i].tokens for i in candidates],
                              scorer=fuzz.token_set_ratio, dtype=np.float32, workers=workers)[0] / 100
        totals = lower + 100 * w.text * w.text_fuzzy * fuzzy
        order = np.lexsort((candidates, -np.round(totals, 2)))[:top]
        results = []
        for j in order:
            i = candidates[j]
            parts, total = combine(w, float(sector[i]), float(country[i]), float(concepts[i]), float(fuzzy[j]),
                                   float(bonus[i]))
            tech = self.profiles[i]
            results.append(MatchResult(tech.id, tech.ref, tech.company_ref, round(total, 2),
                                       {k: round(v, 2) for k, v in parts.items()}, reasons(need, tech)))
        return results
