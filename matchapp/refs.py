"""Readable, unique refs for new records (used in URLs and bundles)."""
import re
import unicodedata

from sqlalchemy import select

from .extensions import db


def unique_ref(model, text: str, fallback: str) -> str:
    """A URL-safe ref derived from `text` (ASCII letters and digits), unique within `model`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or fallback
    ref, n = base, 1
    while db.session.scalar(select(model.id).where(model.ref == ref)) is not None:
        n += 1
        ref = f"{base}-{n}"
    return ref
