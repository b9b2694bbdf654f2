"""Matching profiles: computed and stored when a listing's text changes, read back without text analysis.

A listing's profile (sentence vectors of its texts and sentences, its glossary
analysis) is written to `match_profiles` when the listing is saved; an unchanged
text (same hash, model and glossary) is not computed again. A process builds its
technology index from the stored profiles in a few Core queries, and keeps it
current from the `technology_changes` log: each use reads only the changes after
the last sequence number it saw.
"""
import hashlib
import logging
import os
import threading
import time
from collections import deque
from functools import lru_cache

import numpy as np
from flask import current_app
from sqlalchemy import and_, event, func, insert, null, or_, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..listings.search import stale_before
from ..listings.services import freshness
from ..models import (City, Company, Country, Delivery, MatchingState, MatchProfile, Need, Partnership, Sector,
                      Technology, TechnologyChange)
from ..models.base import as_utc, core_rows
from ..models.listings import need_sectors, technology_countries, technology_sectors
from . import glossary as glossary_module
from . import semantic
from .engine import NO_VECTOR, NeedProfile, TechProfile, analyse, city_key, token_string
from .index import TechIndex
from .glossary import Analysis
from .weights import Weights, load as load_weights

log = logging.getLogger(__name__)
ACTIVE_NEED_STATUSES = ("open", "in_discussion")
MAX_PASSAGES = 24
UNCOMMITTED = "matching_uncommitted_changes"  # session.info key: this transaction logged technology changes
GAP_PATIENCE_S = 300  # how long a missing sequence number may still turn up (a transaction not yet committed)


@lru_cache(maxsize=4)
def glossary_version(path: str = str(glossary_module.GLOSSARY_FILE)) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


# --- computing and storing profiles -----------------------------------------------------

def language_versions(listing) -> list[tuple[str, str, str]]:
    """(language, title, body) of the main text and, when written, the other-language version."""
    extra = [listing.summary] if isinstance(listing, Technology) else [listing.site, listing.scale]
    extra_alt = [listing.summary_alt] if isinstance(listing, Technology) else []
    versions = [(listing.language, listing.title, "\n".join(p for p in [*extra, listing.description] if p))]
    if listing.title_alt or listing.description_alt:
        versions.append((listing.alt_language, listing.title_alt,
                         "\n".join(p for p in [*extra_alt, listing.description_alt] if p)))
    return versions


def passages_of(versions) -> list[list[str]]:
    found = []
    for language, title, body in versions:
        for sentence in [title, *semantic.split_passages(body)]:
            if sentence and [language, sentence] not in found:
                found.append([language, sentence])
    return found[:MAX_PASSAGES]


def profile_hash(versions) -> str:
    return semantic.text_hash(*(part for version in versions for part in version))


def compute_profiles(listings, progress=None, chunk: int = 200, force: bool = False) -> int:
    """Write the profile of every listing whose text (or the model, or the glossary) changed, or of all
    of them with `force`.

    The texts of `chunk` listings are encoded in one batch; `progress(n)` is called after
    each chunk. Returns how many profiles were written.
    """
    db.session.flush()
    listings, written = list(listings), 0
    for start in range(0, len(listings), chunk):
        part = listings[start:start + chunk]
        written += _compute_chunk(part, force)
        if progress:
            progress(len(part))
    return written


def _compute_chunk(listings, force: bool) -> int:
    model, glossary_id = semantic.MODEL_ID, glossary_version()
    existing = {}
    techs = [x.id for x in listings if isinstance(x, Technology)]
    needs = [x.id for x in listings if isinstance(x, Need)]
    for column, ids in ((MatchProfile.technology_id, techs), (MatchProfile.need_id, needs)):
        for start in range(0, len(ids), 5000):
            for row in db.session.scalars(select(MatchProfile).where(column.in_(ids[start:start + 5000]))):
                existing[("t", row.technology_id) if row.technology_id else ("n", row.need_id)] = row
    todo = []
    for listing in listings:
        key = ("t" if isinstance(listing, Technology) else "n", listing.id)
        versions = language_versions(listing)
        digest = profile_hash(versions)
        row = existing.get(key)
        if not force and row is not None and (row.text_hash, row.model, row.glossary) == (digest, model, glossary_id):
            continue
        todo.append((listing, key, versions, digest, row))
    if not todo:
        return 0
    glossary = glossary_module.load()
    texts, spans = [], []
    for _listing, _key, versions, _digest, _row in todo:
        whole = [f"{title}\n{body}" for _language, title, body in versions]
        passages = passages_of(versions)
        spans.append((len(texts), len(whole), len(passages)))
        texts += whole + [text for _language, text in passages]
    vectors = semantic.encode(texts)
    for (listing, key, versions, digest, row), (start, n_whole, n_passages) in zip(todo, spans):
        whole = vectors[start:start + n_whole]
        passage_vectors = vectors[start + n_whole:start + n_whole + n_passages]
        analysis = analyse(glossary, *(part for _language, title, body in versions for part in (title, body)))
        values = dict(model=model, glossary=glossary_id, text_hash=digest,
                      vector=semantic.to_bytes(semantic.unit(whole.mean(axis=0))),
                      concepts=analysis.concepts, tokens=token_string(analysis),
                      passages=passages_of(versions), passage_vectors=semantic.to_bytes(passage_vectors))
        if row is None:
            row = MatchProfile(**{"technology_id" if key[0] == "t" else "need_id": listing.id})
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    return len(todo)


PROFILE_OWNERS = ((Technology, MatchProfile.technology_id), (Need, MatchProfile.need_id))


def outdated_ids(model, column):
    """SQL: ids of `model` rows whose profile is missing or from another model or glossary version."""
    current = (MatchProfile.model == semantic.MODEL_ID) & (MatchProfile.glossary == glossary_version())
    return (select(model.id).outerjoin(MatchProfile, column == model.id)
            .where(or_(MatchProfile.id.is_(None), ~current)))


def outdated_profiles() -> int:
    """Listings whose profile is missing or from another model or glossary version."""
    return sum(db.session.scalar(select(func.count()).select_from(outdated_ids(model, column).subquery()))
               for model, column in PROFILE_OWNERS)


def compute_missing_profiles(everything: bool = False, progress=None, chunk: int = 500) -> int:
    """Profiles for every listing without a current one (or for all of them), in chunks."""
    written = 0
    for model, column in PROFILE_OWNERS:
        query = select(model.id) if everything else outdated_ids(model, column)
        ids = list(db.session.scalars(query.order_by(model.id)))
        for start in range(0, len(ids), chunk):
            batch = db.session.scalars(select(model).where(model.id.in_(ids[start:start + chunk]))).all()
            written += compute_profiles(batch, force=everything)
            if progress:
                progress(len(batch))
    return written


# --- the change log ---------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _log_technology_changes(session, _context):
    """Every flush that touches what the index reads of a technology appends to the change log."""
    tech_ids, company_ids = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Technology) and obj.id is not None:
            tech_ids.add(obj.id)
        elif isinstance(obj, (Delivery, MatchProfile)) and getattr(obj, "technology_id", None):
            tech_ids.add(obj.technology_id)
        elif (isinstance(obj, Company) and obj.id is not None and obj in session.dirty
              and session.is_modified(obj, include_collections=False)):
            # A technology added to a company changes its collection, not the company: logging all
            # of the company's technologies then made an import's change log grow with its square.
            company_ids.add(obj.id)
    connection = session.connection()
    if company_ids:
        tech_ids.update(connection.scalars(select(Technology.id).where(Technology.company_id.in_(company_ids))))
    if tech_ids:
        connection.execute(insert(TechnologyChange), [{"technology_id": i} for i in sorted(tech_ids)])
        session.info[UNCOMMITTED] = True


@event.listens_for(Session, "after_commit")
def _changes_committed(session):
    if session.info.pop(UNCOMMITTED, False) or _catalogs:
        for catalog in list(_catalogs.values()):
            catalog.committed(session)


@event.listens_for(Session, "after_rollback")
def _changes_rolled_back(session):
    session.info.pop(UNCOMMITTED, None)
    for catalog in list(_catalogs.values()):
        catalog.rolled_back(session)


# --- reading profiles back ------------------------------------------------------------

def _posix(moment) -> float:
    return as_utc(moment).timestamp() if moment is not None else float("-inf")


def technology_rows(ids: list[int] | None = None) -> list[tuple]:
    """Published technologies as they are stored (all, or those in `ids`), in a few Core queries:
    (id, ref, company ref, home city key, JCM, confirmed POSIX, vector bytes or None, concepts, tokens,
    sectors, countries, deliveries)."""
    tech = Technology.__table__
    where = [tech.c.status == "published"]
    if ids is not None:
        where.append(tech.c.id.in_(ids))
    profile = MatchProfile.__table__
    rows = db.session.execute(
        select(tech.c.id, tech.c.ref, Company.ref, Company.home_city, tech.c.jcm_experience, tech.c.confirmed_at,
               profile.c.model, profile.c.vector, profile.c.concepts, profile.c.tokens)
        .join(Company, Company.id == tech.c.company_id)
        .outerjoin(profile, profile.c.technology_id == tech.c.id).where(*where)).all()
    if not rows:
        return []
    sectors: dict[int, list] = {}
    countries: dict[int, list] = {}
    delivered: dict[int, dict] = {}

    def restrict(query, column):
        return query.where(column.in_(ids)) if ids is not None else query

    for tech_id, code in db.session.execute(restrict(select(technology_sectors.c.technology_id,
                                                            technology_sectors.c.sector_code),
                                                     technology_sectors.c.technology_id)).all():
        sectors.setdefault(tech_id, []).append(code)
    for tech_id, code in db.session.execute(restrict(select(technology_countries.c.technology_id,
                                                            technology_countries.c.country_code),
                                                     technology_countries.c.technology_id)).all():
        countries.setdefault(tech_id, []).append(code)
    for tech_id, code, year in db.session.execute(restrict(select(Delivery.technology_id, Delivery.country_code,
                                                                  Delivery.year), Delivery.technology_id)).all():
        known = delivered.setdefault(tech_id, {})
        if code not in known or (year or 0) > (known[code] or 0):
            known[code] = year
    model, homes = semantic.MODEL_ID, {}
    found = []
    for tech_id, ref, company_ref, home_city, jcm, confirmed, stored_model, vector, concepts, tokens in rows:
        home = homes.get(home_city)
        if home is None:
            home = homes[home_city] = city_key(home_city or "")
        found.append((tech_id, ref, company_ref, home, bool(jcm), _posix(confirmed),
                      vector if stored_model == model else None, concepts or {}, tokens or "",
                      sectors.get(tech_id, ()), countries.get(tech_id, ()), delivered.get(tech_id, {})))
    return found


def load_technologies(ids: list[int]) -> list[TechProfile]:
    """The profiles of these technologies (the published ones), for changes applied to an index."""
    return [TechProfile(id=tech_id, ref=ref, company_ref=company_ref, home_city=home, sectors=frozenset(sectors),
                        countries=frozenset(countries), delivered=delivered, jcm=jcm,
                        analysis=Analysis(concepts, frozenset()),
                        vector=semantic.from_bytes(vector)[0] if vector else NO_VECTOR, confirmed=confirmed,
                        tokens=tokens)
            for (tech_id, ref, company_ref, home, jcm, confirmed, vector, concepts, tokens, sectors, countries,
                 delivered) in technology_rows(ids)]


def build_index() -> TechIndex:
    """The index of every published technology, from the stored profiles (missing ones computed first)."""
    missing = list(db.session.scalars(outdated_ids(Technology, MatchProfile.technology_id)
                                      .where(Technology.status == "published")))
    if missing:
        log.info("computing %d missing matching profiles", len(missing))
        compute_profiles(db.session.scalars(select(Technology).where(Technology.id.in_(missing))).all())
    return TechIndex.from_rows(list(db.session.scalars(select(Sector.code))), technology_rows())


def load_needs(ids: list[int], with_passages: bool = True) -> dict[int, NeedProfile]:
    """Needs' profiles from the stored rows, with their sentences and the sentences' vectors (for
    reasons) unless `with_passages` is False (scoring alone: half the reading)."""
    return _load_needs(Need.__table__.c.id.in_(ids), with_passages) if ids else {}


def load_active_needs(with_passages: bool = True) -> dict[int, NeedProfile]:
    """The profiles of every active need (see `active_needs_query`), read by condition, not by id list."""
    need = Need.__table__
    return _load_needs(and_(need.c.status.in_(ACTIVE_NEED_STATUSES), need.c.confirmed_at >= stale_before()),
                       with_passages)


def _load_needs(condition, with_passages: bool) -> dict[int, NeedProfile]:
    need = Need.__table__
    profile = MatchProfile.__table__
    passage_columns = (profile.c.passages, profile.c.passage_vectors) if with_passages else (null(), null())
    rows = core_rows(
        select(need.c.id, need.c.ref, City.id, City.name, City.country_code, Country.jcm_signed.isnot(None),
               profile.c.model, profile.c.vector, profile.c.concepts, profile.c.tokens, *passage_columns)
        .join(City, City.id == need.c.city_id).join(Country, Country.code == City.country_code)
        .outerjoin(profile, profile.c.need_id == need.c.id).where(condition))
    city_ids = {row[2] for row in rows}
    partners: dict[int, dict] = {}
    for city_id, name in core_rows(select(Partnership.city_id, Partnership.japanese_city)
                                   .where(Partnership.city_id.in_(city_ids))):
        partners.setdefault(city_id, {})[city_key(name)] = name
    sectors: dict[int, set] = {}
    for need_id, code in core_rows(select(need_sectors.c.need_id, need_sectors.c.sector_code)
                                   .where(need_sectors.c.need_id.in_(select(need.c.id).where(condition)))):
        sectors.setdefault(need_id, set()).add(code)
    # the sentence vectors of all of them decoded at once (float16 bytes -> one float32 matrix)
    current = [row[6] == semantic.MODEL_ID and row[7] is not None and len(row[7]) == semantic.ROW_BYTES
               for row in rows]
    vectors = semantic.from_bytes(b"".join(row[7] for row, ok in zip(rows, current) if ok))
    vector_of = iter(vectors)
    found = {}
    for ok, (need_id, ref, city_id, city, country, is_jcm, model, _vector, concepts, tokens, passages,
             passage_vectors) in zip(current, rows):
        found[need_id] = NeedProfile(
            id=need_id, ref=ref, city=city, country=country, country_is_jcm=bool(is_jcm),
            partners=partners.get(city_id, {}), sectors=frozenset(sectors.get(need_id, ())),
            analysis=Analysis(concepts or {}, frozenset()), tokens=tokens or "",
            vector=next(vector_of) if ok else NO_VECTOR,
            passages=passages or [],
            passage_vectors=semantic.from_bytes(passage_vectors) if model == semantic.MODEL_ID and with_passages
            else None)
    return found


def technology_passages(ids: list[int]) -> dict[int, tuple[list, np.ndarray]]:
    profile = MatchProfile.__table__
    rows = db.session.execute(select(profile.c.technology_id, profile.c.passages, profile.c.passage_vectors)
                              .where(profile.c.technology_id.in_(ids), profile.c.model == semantic.MODEL_ID))
    return {tech_id: (passages or [], semantic.from_bytes(vectors)) for tech_id, passages, vectors in rows}


# --- activity -----------------------------------------------------------------------------

def technology_is_active(tech: Technology) -> bool:
    return tech.status == "published" and not freshness(tech).stale


def need_is_active(need: Need) -> bool:
    return need.status in ACTIVE_NEED_STATUSES and not freshness(need).stale


def active_technologies_query():
    return select(Technology).where(Technology.status == "published", Technology.confirmed_at >= stale_before())


def active_needs_query():
    return select(Need).where(Need.status.in_(ACTIVE_NEED_STATUSES), Need.confirmed_at >= stale_before())


def count_active() -> tuple[int, int]:
    techs = db.session.scalar(select(func.count()).select_from(active_technologies_query().subquery()))
    needs = db.session.scalar(select(func.count()).select_from(active_needs_query().subquery()))
    return techs, needs


def with_vectors(loaded: list[TechProfile]) -> list[TechProfile]:
    """Profiles, the ones without stored vectors computed now (saved by a path that did not compute them).

    Listings saved through the app have theirs already; this is the fallback that keeps a
    technology from being ranked on its sectors alone.
    """
    missing = [p.id for p in loaded if p.vector is NO_VECTOR]
    if not missing:
        return loaded
    log.info("computing %d missing matching profiles", len(missing))
    compute_profiles(db.session.scalars(select(Technology).where(Technology.id.in_(missing))).all())
    again = {p.id: p for p in load_technologies(missing)}
    return [again.get(p.id, p) for p in loaded]


# --- the per-process index ------------------------------------------------------------

class Catalog:
    """The index of published technologies for this process, kept current from the change log.

    A fresh process loads the index from a snapshot file (MATCHING_INDEX_CACHE) when one
    matches the database, the model and the glossary, then applies the changes logged
    since; otherwise it builds the index from the stored profiles and writes a snapshot.
    """

    RESAVE_AFTER = 5000  # changes applied since the snapshot before it is written again
    HISTORY = 1000  # syncs whose changed technologies are remembered (see changed_since)

    def __init__(self):
        self.index: TechIndex | None = None
        self.weights: Weights = load_weights()
        self.last_seq = 0
        self.saved_seq = 0
        self.gaps: dict[int, float] = {}  # sequence numbers not seen yet below last_seq -> first missed at
        # Changes a session applied while its own writes were uncommitted: undone if it rolls back.
        self.provisional: dict[int, tuple[int, dict, set]] = {}
        self.reload: set[int] = set()
        self.save_pending = False
        self.instance: str | None = None  # MatchingState.instance of the database the index was built from
        self.lock = threading.RLock()
        # Which technologies each sync found changed, newest last: results computed from the index
        # at one (builds, generation) are brought up to date by re-reading only those technologies.
        self.builds, self.generation = 0, 0
        self.history: deque[frozenset] = deque(maxlen=self.HISTORY)

    def _snapshot_path(self) -> str | None:
        folder = current_app.config.get("MATCHING_INDEX_CACHE")
        if not folder:
            return None
        name = hashlib.sha256(str(db.engine.url).encode()).hexdigest()[:16]
        return os.path.join(folder, f"index-{name}.npz")

    def _meta(self) -> dict:
        return {"seq": self.last_seq, "gaps": sorted(self.gaps), "model": semantic.MODEL_ID,
                "glossary": glossary_version(), "instance": self.instance}

    def _load_snapshot(self, newest_seq: int) -> bool:
        path = self._snapshot_path()
        if not path or not os.path.exists(path):
            return False
        try:
            index, meta = TechIndex.load(path)
        except ValueError as error:
            log.warning("ignoring the matching index snapshot: %s", error)
            return False
        sectors = sorted(db.session.scalars(select(Sector.code)))
        if (meta["model"], meta["glossary"], meta["sectors"], meta.get("instance")) != \
                (semantic.MODEL_ID, glossary_version(), sectors, self.instance) or meta["seq"] > newest_seq:
            return False
        self.index, self.last_seq, self.saved_seq = index, meta["seq"], meta["seq"]
        now = time.monotonic()
        self.gaps = {s: now for s in meta["gaps"]}
        return True

    def save_snapshot(self) -> None:
        """Write the snapshot now if the index holds only committed changes, else after the commit."""
        if db.session.info.get(UNCOMMITTED):
            self.save_pending = True
            return
        path = self._snapshot_path()
        if path and self.index is not None:
            try:
                self.index.save(path, self._meta())
                self.saved_seq = self.last_seq
            except OSError as error:
                log.warning("could not write the matching index snapshot %s: %s", path, error)
        self.save_pending = False

    def committed(self, session) -> None:
        with self.lock:
            self.provisional.pop(id(session), None)
            if self.save_pending and not self.provisional:
                self.save_snapshot()

    def rolled_back(self, session) -> None:
        with self.lock:
            saved = self.provisional.pop(id(session), None)
            if saved and saved[0] < 0:
                self.index = None  # built from a state that never committed: build again on next use
            elif saved:
                last_seq, gaps, touched = saved
                self.last_seq, self.gaps = min(self.last_seq, last_seq), {**gaps, **self.gaps}
                self.reload |= touched
            if saved:
                self.save_pending = False

    def sync(self) -> TechIndex:
        with self.lock:
            return self._sync()

    def _pending(self) -> list:
        """(database instance, seq, technology id) of each change not applied yet, or one row with
        no change: the database's identity and the changes in one round trip."""
        seq = TechnologyChange.seq
        condition = seq > self.last_seq
        if self.gaps:
            condition = or_(condition, seq.in_(list(self.gaps)))
        return db.session.execute(select(MatchingState.instance, seq, TechnologyChange.technology_id)
                                  .select_from(MatchingState).outerjoin(TechnologyChange, condition)).all()

    def _sync(self) -> TechIndex:
        rows = self._pending()
        instance = rows[0][0] if rows else None
        if instance != self.instance:  # another database behind the same URL: start again
            self.index, self.instance, self.gaps, self.provisional, self.reload = None, instance, {}, {}, set()
        if self.index is None:
            self.builds, self.generation = self.builds + 1, 0
            self.history.clear()
            newest = db.session.scalar(select(func.max(TechnologyChange.seq))) or 0
            if not self._load_snapshot(newest):
                self.last_seq = newest
                self.index = build_index()
                if db.session.info.get(UNCOMMITTED):  # built with this transaction's own writes in it
                    self.provisional[id(db.session())] = (-1, {}, set())
                self.save_snapshot()
                return self.index
            rows = self._pending()  # the changes logged since the snapshot
        if db.session.info.get(UNCOMMITTED) and id(db.session()) not in self.provisional:
            self.provisional[id(db.session())] = (self.last_seq, dict(self.gaps), set())
        changes = [(change, tech_id) for _instance, change, tech_id in rows if change is not None]
        changed = {tech_id for _, tech_id in changes} | self.reload
        if changes:
            self._note_gaps([s for s, _ in changes])
        if changed:
            self.reload = set()
            if id(db.session()) in self.provisional:
                self.provisional[id(db.session())][2].update(changed)
            fresh = {p.id: p for p in with_vectors(load_technologies(sorted(changed)))}
            for tech_id in changed:
                if tech_id in fresh:
                    self.index.put(fresh[tech_id])
                else:
                    self.index.remove(tech_id)
            self.generation += 1
            self.history.append(frozenset(changed))
            if self.last_seq - self.saved_seq >= self.RESAVE_AFTER:
                self.save_snapshot()
        self._forget_old_gaps()
        return self.index

    def position(self) -> tuple[int, int]:
        """Where the index stands: (builds, generation), for `changed_since`."""
        return self.builds, self.generation

    def changed_since(self, position: tuple[int, int]) -> frozenset | None:
        """The technologies changed since the index stood at `position`; None when that is not
        known any more (the index was built again, or too many syncs ago)."""
        with self.lock:
            builds, generation = position
            behind = self.generation - generation
            if builds != self.builds or behind < 0 or behind > len(self.history):
                return None
            return frozenset().union(*list(self.history)[len(self.history) - behind:])

    def _note_gaps(self, seen: list[int]) -> None:
        now = time.monotonic()
        for s in seen:
            self.gaps.pop(s, None)
        top = max(seen)
        if top > self.last_seq:
            present = set(seen)
            for missing in range(self.last_seq + 1, top):
                if missing not in present:
                    self.gaps.setdefault(missing, now)
            self.last_seq = top

    def _forget_old_gaps(self) -> None:
        cutoff = time.monotonic() - GAP_PATIENCE_S
        self.gaps = {s: t for s, t in self.gaps.items() if t >= cutoff}


_catalogs: dict[str, Catalog] = {}


def catalog() -> Catalog:
    """One catalog per database URL (tests run several databases in one process)."""
    key = str(db.engine.url)
    if key not in _catalogs:
        _catalogs[key] = Catalog()
    return _catalogs[key]


def warm_up() -> None:
    """Before a process serves its first request or job: load the sentence encoder and the
    glossary (about 1.5 s) and build or load the matching index, so no request waits for them."""
    semantic.encode(["warm up"])
    glossary_module.load()
    catalog().sync()


def forget_index() -> None:
    """Drop this process's index and the database's snapshot (after a restore: they describe other data)."""
    catalog = _catalogs.pop(str(db.engine.url), None) or Catalog()
    path = catalog._snapshot_path()
    if path and os.path.exists(path):
        os.unlink(path)


def fresh_after() -> float:
    return stale_before().timestamp()
