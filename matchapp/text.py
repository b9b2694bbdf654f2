"""Text normalisation shared by search and (later) matching."""
import unicodedata


def normalise(text: str | None) -> str:
    """NFKC (full-width/half-width, compatibility kana) and case folding."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def search_terms(query: str | None) -> list[str]:
    """The whitespace-separated terms of a query, normalised; ideographic spaces count."""
    return [term for term in normalise(query).split() if term]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
