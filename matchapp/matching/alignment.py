"""The best-aligned passage pair of a match: the need's sentence and the technology's that say the same.

Shown as a reason so a coordinator can check a match, also across languages: each
side is given in every language its listing is written in (the sentence of that
version nearest to the aligned one), and the reader sees their own language where
the listing has it.
"""
import numpy as np

from .engine import MatchResult, NeedProfile
from .profiles import technology_passages

MIN_SIMILARITY = 0.3  # below this the "aligned" sentences have little in common: no reason is shown


def _versions(passages: list, vectors: np.ndarray, chosen: int) -> dict:
    """The chosen sentence in its language, and its nearest sentence in each other language of the listing."""
    language, text = passages[chosen]
    versions = {language: text}
    similarity = vectors @ vectors[chosen]
    for other in {lang for lang, _text in passages} - {language}:
        rows = [i for i, (lang, _text) in enumerate(passages) if lang == other]
        best = max(rows, key=lambda i: similarity[i])
        versions[other] = passages[best][1]
    return versions


def aligned_passages(need: NeedProfile, tech_passages: list, tech_vectors: np.ndarray) -> dict | None:
    """The reason for the best-aligned pair of sentences, or None when nothing aligns."""
    if need.passage_vectors is None or not len(need.passage_vectors) or not len(tech_vectors):
        return None
    similarity = need.passage_vectors @ tech_vectors.T
    i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
    if similarity[i, j] < MIN_SIMILARITY:
        return None
    return {"code": "passages", "similarity": round(float(similarity[i, j]), 2),
            "need": _versions(need.passages, need.passage_vectors, int(i)),
            "technology": _versions(tech_passages, tech_vectors, int(j))}


def explain(need: NeedProfile, results: list[MatchResult], passages: dict | None = None) -> None:
    """Add the aligned-passage reason to each result (`passages`: technology id -> stored sentences)."""
    if passages is None:
        passages = technology_passages([r.technology_id for r in results])
    for result in results:
        stored = passages.get(result.technology_id)
        reason = aligned_passages(need, *stored) if stored else None
        if reason:
            result.reasons.insert(0, reason)
