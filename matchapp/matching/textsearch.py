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


def _from_index(ids: list[int], concepts: set) -> dict[int, tuple[float, float]]:
    """(cosine stand-in: the vector, concept share) for published technologies, read from this process's index."""
    catalog, found = profiles.catalog(), {}
    with catalog.lock:
        index = catalog.sync()
        shares = index.concept_shares(concepts)
        for tech_id in ids:
            pos = index.position.get(tech_id)
            if pos is not None and index.active[pos]:
                found[tech_id] = (index.vectors[pos], float(shares[pos]))  # a view: numpy keeps its array alive
    return found


def _from_database(model, ids: list[int], concepts: set) -> dict[int, tuple[np.ndarray, float]]:
    column = MatchProfile.technology_id if model is Technology else MatchProfile.need_id
    found = {}
    for start in range(0, len(ids), CHUNK):
        for listing_id, model_id, vector, stored in db.session.execute(
                select(column, MatchProfile.model, MatchProfile.vector, MatchProfile.concepts)
                .where(column.in_(ids[start:start + CHUNK]))):
            vector = semantic.from_bytes(vector)[0] if model_id == semantic.MODEL_ID else semantic.NO_VECTOR
            share = len(concepts & set(stored or {})) / len(concepts) if concepts else 0.0
            found[listing_id] = (vector, share)
    return found


def relevance(model, q: str, ids: list[int], substring_ids: set[int]) -> dict[int, float]:
    """Relevance of each of `ids` that matches `q` (listings that do not match are left out)."""
    vector, concepts = query_profile(q)
    stored = _from_index(ids, concepts) if model is Technology else {}
    stored.update(_from_database(model, [i for i in ids if i not in stored], concepts))
    scores = {}
    for listing_id, (listing_vector, shared) in stored.items():
        cosine = float(listing_vector @ vector)
        exact = listing_id in substring_ids
        if exact or shared >= 1 - 1e-6 or cosine >= MIN_COSINE:
            scores[listing_id] = SUBSTRING_BOOST * exact + CONCEPT_BOOST * shared + cosine
    for listing_id in substring_ids:  # listings without a stored profile still match by their words
        scores.setdefault(listing_id, SUBSTRING_BOOST)
    return scores
