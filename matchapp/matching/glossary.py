"""The bilingual domain glossary: words in either language mapped to shared concepts.

Japanese has no spaces, so terms are found by longest match: one regular
expression with every term, longest first, scanned left to right. ASCII terms
must stand as whole words (an optional plural 's' allowed); Japanese terms match
anywhere. Text left over after the glossary is kept as words (English) and
character bigrams (Japanese) for the fuzzy part of the text score.
"""
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..text import normalise

GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "glossary.json"
STOPWORDS = set("""a an and are as at be by for from has have in into is it its of on or our the their this to
 we with want wants need needs use using new city cities our about more than up per can will would should
 also other such been which who what where when how all any each very""".split())
JAPANESE_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u9fff\uff66-\uff9f]+")  # katakana and kanji: hiragana is mostly grammar
WORD = re.compile(r"[a-z0-9][a-z0-9\-]+")


@dataclass(frozen=True)
class Concept:
    id: str
    sector: str
    en: tuple
    ja: tuple


@dataclass(frozen=True)
class Analysis:
    """What the glossary found in a text: concept → the term that was written, and leftover tokens."""

    concepts: dict
    tokens: frozenset


class Glossary:
    def __init__(self, concepts: list[Concept]):
        self.concepts = {c.id: c for c in concepts}
        self.term_to_concept: dict[str, str] = {}
        for concept in concepts:
            for term in concept.en + concept.ja:
                self.term_to_concept.setdefault(self.fold(term), concept.id)
        terms = sorted(self.term_to_concept, key=len, reverse=True)
        self.pattern = re.compile("|".join(self._term_pattern(t) for t in terms))

    @staticmethod
    def fold(text: str) -> str:
        """Normalised, with hyphens as spaces: 'industrial-park' and 'industrial park' are one term."""
        return normalise(text).replace("-", " ")

    @staticmethod
    def _term_pattern(term: str) -> str:
        escaped = re.escape(term)
        if term.isascii():
            return rf"(?<![a-z0-9]){escaped}(?:e?s)?(?![a-z0-9])"
        return escaped

    def analyse(self, text: str) -> Analysis:
        """Concepts found by longest match, and the remaining words and Japanese bigrams."""
        text = self.fold(text)
        found: dict[str, str] = {}
        leftovers = []
        position = 0
        for match in self.pattern.finditer(text):
            leftovers.append(text[position:match.start()])
            position = match.end()
            written = match.group(0)
            term = written if written in self.term_to_concept else self._singular(written)
            found.setdefault(self.term_to_concept[term], written)
        leftovers.append(text[position:])
        return Analysis(found, frozenset(self._tokens(" ".join(leftovers))))

    def _singular(self, written: str) -> str:
        for cut in (2, 1):
            if written[:-cut] in self.term_to_concept:
                return written[:-cut]
        return written

    @staticmethod
    def _tokens(text: str) -> set[str]:
        tokens = {w.rstrip("s") for w in WORD.findall(text) if w not in STOPWORDS and len(w) > 2}
        for run in JAPANESE_RUN.findall(text):
            tokens.update(run[i:i + 2] for i in range(len(run) - 1))
        return tokens


@lru_cache(maxsize=4)
def load(path: str = str(GLOSSARY_FILE)) -> Glossary:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return Glossary([Concept(c["id"], c["sector"], tuple(c["en"]), tuple(c["ja"])) for c in data["concepts"]])
