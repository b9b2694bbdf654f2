"""Search by meaning across languages: a query finds listings whose text says the same in any language.

A listing matches a query when its normalised text contains every term (the
substring search people rely on for exact names), when it names every glossary
concept the query names (太陽光 and "solar PV" are one concept), or when its
sentence vector is close to the query's. Results are ranked by relevance: exact matches
first, then concepts, then the cosine.
"""
import numpy as np
from sqlalchemy import select

from ..extensions import db
from ..models import MatchProfile, Technology
from . import glossary as glossary_module
from . import profiles, semantic

MIN_COSINE = 0.35  # measured on the demo: one-word queries reach 0.35-0.45 with their listing, others mostly below
SUBSTRING_BOOST = 1.0
CONCEPT_BOOST = 0.5
CHUNK = 5000


def query_profile(q: str) -> tuple[np.ndarray, set]:
    return semantic.encode([q])[0], set(glossary_module.load().analyse(q).concepts)


def index_position() -> tuple | None:
    """Where this process's technology index stands, after catching up with the change log: results
    read from the database at that point are current until `changed_since` names technologies.
    None while this session holds writes of its own not yet committed (no one else sees those)."""
    session = db.session()

    def own_writes() -> bool:
        return bool(session.new or session.dirty or session.deleted or session.info.get(profiles.UNCOMMITTED))

    if own_writes():
        return None
    catalog = profiles.catalog()
    with catalog.lock:
        catalog.sync()  # may store profiles missing so far: writes of this session
        return None if own_writes() else (catalog.instance, *catalog.position())


def changed_since(position: tuple) -> frozenset | None:
    """Technologies changed since `index_position()` gave `position` (None: not known, read everything)."""
    catalog = profiles.catalog()
    return catalog.changed_since(position[1:]) if position[0] == catalog.instance else None


def _from_index(ids: np.ndarray, vector: np.ndarray, concepts: set) -> tuple[np.ndarray, ...]:
    """(ids found, their cosines, their concept shares) for technologies of `ids` in this process's index:
    one matrix product over the whole index, then the candidates' positions."""
    catalog = profiles.catalog()
    with catalog.lock:
        index = catalog.sync()
        position = index.position
        positions = np.fromiter((position.get(i, -1) for i in ids.tolist()), np.int64, len(ids))
        found = positions >= 0
        found[found] = index.active[positions[found]]
        positions = positions[found]
        cosines = index.cosines(vector)[positions]
        shares = index.concept_shares(concepts)[positions]
    return ids[found], cosines, shares


def _from_database(model, ids: np.ndarray, vector: np.ndarray, concepts: set) -> tuple[np.ndarray, ...]:
    column = MatchProfile.technology_id if model is Technology else MatchProfile.need_id
    found, vectors, shares = [], [], []
    listing_ids = ids.tolist()
    for start in range(0, len(listing_ids), CHUNK):
        for listing_id, model_id, stored_vector, stored in db.session.execute(
                select(column, MatchProfile.model, MatchProfile.vector, MatchProfile.concepts)
                .where(column.in_(listing_ids[start:start + CHUNK]))):
            found.append(listing_id)
            vectors.append(semantic.from_bytes(stored_vector)[0] if model_id == semantic.MODEL_ID
                           else semantic.NO_VECTOR)
            shares.append(len(concepts & set(stored or {})) / len(concepts) if concepts else 0.0)
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32)
    return np.array(found, np.int64), np.vstack(vectors) @ vector, np.array(shares, np.float32)


def relevance_arrays(model, q: str, ids, substring_ids: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, relevance) of those of `ids` that match `q`, in no particular order."""
    vector, concepts = query_profile(q)
    ids = np.asarray(ids, dtype=np.int64)
    parts = []
    if model is Technology and len(ids):
        parts.append(_from_index(ids, vector, concepts))
        ids = ids[~np.isin(ids, parts[0][0])]
    parts.append(_from_database(model, ids, vector, concepts))
    found = np.concatenate([part[0] for part in parts])
    cosines = np.concatenate([part[1] for part in parts]).astype(np.float64)
    shares = np.concatenate([part[2] for part in parts]).astype(np.float64)
    exact = np.isin(found, np.fromiter(substring_ids, np.int64, len(substring_ids)))
    scores = SUBSTRING_BOOST * exact + CONCEPT_BOOST * shares + cosines
    keep = exact | (shares >= 1 - 1e-6) | (cosines >= MIN_COSINE)
    found, scores = found[keep], scores[keep]
    unprofiled = np.array(sorted(set(substring_ids) - set(found.tolist())), np.int64)
    # listings without a stored profile still match by their words
    return np.concatenate([found, unprofiled]), np.concatenate([scores, np.full(len(unprofiled), SUBSTRING_BOOST)])


def relevance(model, q: str, ids: list[int], substring_ids: set[int]) -> dict[int, float]:
    """Relevance of each of `ids` that matches `q` (listings that do not match are left out)."""
    found, scores = relevance_arrays(model, q, ids, substring_ids)
    return dict(zip(found.tolist(), scores.tolist()))
