"""The per-process index of published technologies: columns of numpy arrays, updatable one technology at a time.

Everything ranking reads is a column: sector bitmasks, country and concept
postings, flags, confirmation times, the sentence vectors as one matrix, the token
strings for rapidfuzz. What only reasons need (the terms a listing wrote, its
countries and deliveries) is kept per technology as a compact JSON string and
decoded for the few results shown, so a process can load 100,000 technologies from
a snapshot file in well under a second (see `save` / `load`).

`rank` computes, for one need against every technology at once, exactly what
`engine.score_pair` computes for one pair (a test checks it).
"""
import json
import os
import tempfile

import numpy as np
from rapidfuzz import fuzz, process

from .engine import (POPCOUNT, MatchResult, NeedProfile, TechProfile, combine, reasons, sector_fit, sector_overlap,
                     semantic_fit)
from .glossary import Analysis
from .semantic import DIMENSIONS
from .weights import Weights

SNAPSHOT_FORMAT = 1


def detail_of(profile: TechProfile) -> str:
    """What reasons need of a technology, as one JSON string."""
    return json.dumps([profile.id, profile.ref, profile.company_ref, profile.home_city, sorted(profile.sectors),
                       sorted(profile.countries), profile.delivered, profile.jcm, profile.analysis.concepts],
                      ensure_ascii=False, separators=(",", ":"))


def _utf8(strings: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _strings(array: np.ndarray, count: int) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n") if count else []


class TechIndex:
    """Every published technology as columns; `put` adds or replaces one, `remove` hides one."""

    ARRAYS = {"ids": np.int64, "sector_mask": np.uint16, "open_to_any": bool, "jcm": bool, "home_city": np.int32,
              "active": bool, "confirmed": np.float64}

    def __init__(self, sector_codes: list[str], profiles: list[TechProfile] = (), capacity: int = 16):
        self.sector_codes = sorted(sector_codes)
        self.sector_bit = {code: 1 << i for i, code in enumerate(self.sector_codes)}
        self.size = 0
        # A TechProfile, or until it is needed its details as a tuple (built from rows) or JSON (from a snapshot)
        self.details: list = []
        self.tokens: list[str] = []
        self.position: dict[int, int] = {}
        self.city_codes: dict[str, int] = {}
        capacity = max(capacity, len(profiles), 16)
        for name, dtype in self.ARRAYS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.vectors = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        self._sets: dict[tuple, set] = {}  # postings changed since loading, as sets
        self._arrays: dict[tuple, np.ndarray] = {}  # every posting as an array of positions
        for profile in profiles:
            self.put(profile)

    def __len__(self) -> int:
        return int(self.active[:self.size].sum())

    @classmethod
    def from_rows(cls, sector_codes: list[str], rows: list[tuple]) -> "TechIndex":
        """An index of many technologies at once, from `profiles.technology_rows` (columns, no per-row objects)."""
        n = len(rows)
        index = cls(sector_codes, capacity=n + 16)
        if not n:
            return index
        (ids, refs, companies, homes, jcm, confirmed, vectors, concepts, tokens, sectors, countries,
         delivered) = zip(*rows)
        index.size = n
        index.ids[:n] = ids
        index.jcm[:n] = jcm
        index.confirmed[:n] = confirmed
        index.active[:n] = True
        present = [i for i, v in enumerate(vectors) if v]
        if present:
            stored = np.frombuffer(b"".join(vectors[i] for i in present), dtype=np.float16)
            index.vectors[present] = stored.reshape(-1, DIMENSIONS)
        bits, masks = index.sector_bit, index.sector_mask
        for pos, codes in enumerate(sectors):
            mask = 0
            for code in codes:
                mask |= bits.get(code, 0)
            masks[pos] = mask
        index.open_to_any[:n] = [not c for c in countries]
        city_codes = index.city_codes
        index.home_city[:n] = [city_codes.setdefault(h, len(city_codes)) if h else -1 for h in homes]
        postings: dict[tuple, list] = {}
        for pos in range(n):
            for c in countries[pos]:
                postings.setdefault(("target", c), []).append(pos)
            for c in delivered[pos]:
                postings.setdefault(("delivered", c), []).append(pos)
            for c in concepts[pos]:
                postings.setdefault(("concept", c), []).append(pos)
        index._arrays = {key: np.array(positions, dtype=np.int64) for key, positions in postings.items()}
        index.tokens = list(tokens)
        index.details = [(i, r, c, h, s, co, d, j, cc) for i, r, c, h, s, co, d, j, cc in
                         zip(ids, refs, companies, homes, sectors, countries, delivered, jcm, concepts)]
        index.position = dict(zip(ids, range(n)))
        return index

    # --- one technology at a time ----------------------------------------------------

    def profile(self, pos: int) -> TechProfile:
        """The technology at `pos` (decoded from its detail string on first use)."""
        entry = self.details[pos]
        if isinstance(entry, TechProfile):
            return entry
        tech_id, ref, company, home, sectors, countries, delivered, jcm, concepts = \
            json.loads(entry) if isinstance(entry, str) else entry
        profile = TechProfile(tech_id, ref, company, home, frozenset(sectors), frozenset(countries), delivered, jcm,
                              Analysis(concepts, frozenset()), self.vectors[pos], float(self.confirmed[pos]),
                              tokens=self.tokens[pos])
        self.details[pos] = profile
        return profile

    def _grow(self, capacity: int) -> None:
        for name in (*self.ARRAYS, "vectors"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)

    @staticmethod
    def _keys(profile: TechProfile):
        yield from (("target", c) for c in profile.countries)
        yield from (("delivered", c) for c in profile.delivered)
        yield from (("concept", c) for c in profile.analysis.concepts)

    def _set(self, key: tuple) -> set:
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = set(self._arrays.get(key, np.zeros(0, np.int64)).tolist())
        return found

    def put(self, profile: TechProfile) -> None:
        """Add or replace one technology (an edit touches only its own entries)."""
        if profile.id in self.position:
            pos = self.position[profile.id]
            self._unpost(pos)
            self.details[pos] = profile
            self.tokens[pos] = profile.tokens
        else:
            pos = self.size
            if pos >= len(self.active):
                self._grow(2 * len(self.active))
            self.details.append(profile)
            self.tokens.append(profile.tokens)
            self.position[profile.id] = pos
            self.size += 1
        mask = 0
        for code in profile.sectors:
            mask |= self.sector_bit.get(code, 0)
        self.ids[pos] = profile.id
        self.sector_mask[pos] = mask
        self.open_to_any[pos] = not profile.countries
        self.jcm[pos] = profile.jcm
        self.home_city[pos] = self.city_codes.setdefault(profile.home_city, len(self.city_codes)) if profile.home_city else -1
        self.confirmed[pos] = profile.confirmed
        self.vectors[pos] = profile.vector
        self.active[pos] = True
        for key in self._keys(profile):
            self._set(key).add(pos)
            self._arrays.pop(key, None)

    def remove(self, tech_id: int) -> None:
        pos = self.position.get(tech_id)
        if pos is not None and self.active[pos]:
            self.active[pos] = False
            self._unpost(pos)

    def _unpost(self, pos: int) -> None:
        for key in self._keys(self.profile(pos)):
            self._set(key).discard(pos)
            self._arrays.pop(key, None)

    def posting(self, key: tuple) -> np.ndarray:
        """Positions of the technologies under one key: ("target" | "delivered", country) or ("concept", id)."""
        array = self._arrays.get(key)
        if array is None:
            array = np.fromiter(self._sets.get(key, ()), dtype=np.int64)
            self._arrays[key] = array
        return array

    # --- scoring ------------------------------------------------------------------------

    def cosines(self, vector: np.ndarray) -> np.ndarray:
        return self.vectors[:self.size] @ vector

    def cosines_many(self, matrix: np.ndarray) -> np.ndarray:
        """Cosines of several needs' vectors (rows) against every indexed technology: one matrix product."""
        return matrix @ self.vectors[:self.size].T

    def sector_overlaps(self, need: NeedProfile, positions=slice(None)) -> np.ndarray:
        need_mask = 0
        for code in need.sectors:
            need_mask |= self.sector_bit.get(code, 0)
        need_count = min(POPCOUNT[need_mask], 2)
        masks = self.sector_mask[:self.size][positions]
        if not need_count:
            return np.zeros(len(masks), np.float32)
        return np.minimum(1.0, POPCOUNT[masks & need_mask] / need_count)

    def concept_shares(self, concepts) -> np.ndarray:
        """For every technology, the share of these glossary concepts it names."""
        n = self.size
        if not concepts:
            return np.zeros(n, np.float32)
        counts = np.bincount(np.concatenate([self.posting(("concept", c)) for c in concepts]), minlength=n)[:n]
        return (counts / len(concepts)).astype(np.float32)

    def fits(self, need: NeedProfile, w: Weights, cosine: np.ndarray | None = None):
        """Sector, country, concept, semantic and bonus fits of every indexed technology for `need`."""
        n = self.size
        if cosine is None:
            cosine = self.cosines(need.vector)
        semantic = semantic_fit(cosine, w).astype(np.float32)
        sector = sector_fit(self.sector_overlaps(need), semantic)
        country = np.where(self.open_to_any[:n], w.country_any, w.country_elsewhere).astype(np.float32)
        country[self.posting(("target", need.country))] = w.country_targeted
        country[self.posting(("delivered", need.country))] = w.country_delivered
        concepts = self.concept_shares(need.analysis.concepts)
        partner_codes = [self.city_codes[c] for c in need.partners if c in self.city_codes]
        bonus = w.bonus_partnership * np.isin(self.home_city[:n], partner_codes)
        if need.country_is_jcm:
            bonus = bonus + w.bonus_jcm * self.jcm[:n]
        return sector, country, concepts, semantic, bonus.astype(np.float32)

    def fuzzy(self, need: NeedProfile, positions: np.ndarray, workers: int = 1) -> np.ndarray:
        if positions.size == 0:
            return np.zeros(0, np.float32)
        tokens = self.tokens
        return process.cdist([need.tokens], [tokens[i] for i in positions], scorer=fuzz.token_set_ratio,
                             dtype=np.float32, workers=workers)[0] / 100

    def _with_fuzzy(self, need: NeedProfile, candidates, lower, w: Weights, top: int, workers: int):
        """The candidates that can still reach the top `top` once the fuzzy part is added, with that part.

        The fuzzy ratio is computed first for the best few hundred by their score without it;
        the K-th best total among those raises the bar the others must reach with the fuzzy
        maximum, so most of them never need it. The result is exact.
        """
        fuzzy_max = 100 * w.text * w.text_fuzzy
        if candidates.size > top:
            kth = np.partition(lower, -top)[-top]
            keep = lower + fuzzy_max >= kth
            candidates, lower = candidates[keep], lower[keep]
        by_lower = np.argsort(-lower, kind="stable")
        first = by_lower[:max(4 * top, 256)]
        fuzzy = np.zeros(candidates.size, np.float32)
        fuzzy[first] = self.fuzzy(need, candidates[first], workers)
        rest = by_lower[len(first):]
        if rest.size:
            kth = np.partition(lower[first] + fuzzy_max * fuzzy[first], -top)[-top]
            rest = rest[lower[rest] + fuzzy_max >= kth]
            fuzzy[rest] = self.fuzzy(need, candidates[rest], workers)
            keep = np.zeros(candidates.size, bool)
            keep[first] = True
            keep[rest] = True
            candidates, lower, fuzzy = candidates[keep], lower[keep], fuzzy[keep]
        return candidates, lower, fuzzy

    def rank(self, need: NeedProfile, w: Weights, top: int, exclude: frozenset = frozenset(),
             fresh_after: float = float("-inf"), workers: int = 1, cosine: np.ndarray | None = None
             ) -> list[MatchResult]:
        """The `top` best active technologies for `need`, exactly as score_pair would rank them.

        `fresh_after`: technologies confirmed before this POSIX time are stale and left out.
        `cosine`: the need's cosines against the index, when a batch computed them already.
        """
        n = self.size
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
        candidates, lower, fuzzy = self._with_fuzzy(need, candidates, lower, w, top, workers)
        totals = lower + 100 * w.text * w.text_fuzzy * fuzzy
        order = np.lexsort((candidates, -np.round(totals, 2)))[:top]
        results = []
        for j in order:
            i = candidates[j]
            tech = self.profile(i)
            parts, total = combine(w, float(sector[i]), float(country[i]), float(concepts[i]), float(fuzzy[j]),
                                   float(semantic[i]), float(bonus[i]))
            overlap = sector_overlap(need, tech)
            results.append(MatchResult(tech.id, tech.ref, tech.company_ref, round(total, 2),
                                       {k: round(v, 2) for k, v in parts.items()},
                                       reasons(need, tech, overlap, float(semantic[i])), float(cosine[i])))
        return results

    # --- snapshots ---------------------------------------------------------------------

    def save(self, path: str, meta: dict) -> None:
        """Write the whole index to `path` (atomically: a reader sees the old file or the new one)."""
        n = self.size
        keys = sorted({*self._arrays, *self._sets})
        postings = [self.posting(key) for key in keys]
        details = [d if isinstance(d, str) else detail_of(d) if isinstance(d, TechProfile)
                   else json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in self.details[:n]]
        folder = os.path.dirname(path) or "."
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, **{name: getattr(self, name)[:n] for name in self.ARRAYS},
                         vectors=self.vectors[:n].astype(np.float16), tokens=_utf8(self.tokens[:n]),
                         details=_utf8(details), offsets=np.cumsum([0] + [len(p) for p in postings]),
                         positions=np.concatenate(postings) if postings else np.zeros(0, np.int64),
                         meta=_utf8([json.dumps({**meta, "format": SNAPSHOT_FORMAT, "size": n,
                                                 "sectors": self.sector_codes, "keys": keys,
                                                 "cities": self.city_codes}, ensure_ascii=False)]))
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: str) -> tuple["TechIndex", dict]:
        """An index written by `save`, and the meta it was written with; ValueError when unreadable."""
        try:
            with np.load(path) as data:
                meta = json.loads(data["meta"].tobytes().decode("utf-8"))
                if meta.get("format") != SNAPSHOT_FORMAT:
                    raise ValueError("another snapshot format")
                n = meta["size"]
                index = cls(meta["sectors"], capacity=n + 16)
                for name in cls.ARRAYS:
                    getattr(index, name)[:n] = data[name]
                index.vectors[:n] = data["vectors"]
                index.tokens = _strings(data["tokens"], n)
                index.details = _strings(data["details"], n)
                offsets, positions = data["offsets"], data["positions"]
        except (OSError, KeyError, ValueError, EOFError) as error:
            raise ValueError(f"{path}: {error}") from error
        index.size = n
        index.position = dict(zip(index.ids[:n].tolist(), range(n)))
        index.city_codes = meta["cities"]
        index._arrays = {tuple(key): positions[offsets[i]:offsets[i + 1]] for i, key in enumerate(meta["keys"])}
        return index, meta
