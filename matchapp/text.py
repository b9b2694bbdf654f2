"""Text normalisation shared by search and matching, and the check for single-line text."""
import unicodedata


def normalise(text: str | None) -> str:
    """NFKC (full-width/half-width, compatibility kana) and case folding."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def search_terms(query: str | None) -> list[str]:
    """The whitespace-separated terms of a query, normalised; ideographic spaces count."""
    return [term for term in normalise(query).split() if term]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def breaks_a_line(text: str | None) -> bool:
    """Whether single-line text holds a control character (CR, LF, tab, ...) or a Unicode line separator.

    Single-line values end up in mail subjects, calendar lines and CSV cells, where a line
    break is a new header, property or row.
    """
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text or "")
