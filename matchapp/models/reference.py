"""Reference data: countries (with JCM partnership) and the sector taxonomy."""
import time
from typing import Optional

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def wants_japanese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "ja"


def localized_pair(english: str, japanese: str) -> str:
    """The Japanese text in a Japanese session when there is one, else the English."""
    return japanese if wants_japanese() and japanese else english


def localized(obj, field: str) -> str:
    """The `<field>_ja` or `<field>_en` attribute, following the current locale."""
    return localized_pair(getattr(obj, f"{field}_en"), getattr(obj, f"{field}_ja"))


class Country(db.Model):
    """An ISO 3166-1 country; JCM partners carry their signing date."""

    __tablename__ = "countries"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ja: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[Optional[str]] = mapped_column(String(64))
    # Partial ISO date ("2013-07-02" or "2022-08"): some signings are known only by month.
    jcm_signed: Mapped[Optional[str]] = mapped_column(String(10))

    @property
    def is_jcm_partner(self) -> bool:
        return self.jcm_signed is not None

    @property
    def name(self) -> str:
        return localized(self, "name")


class Sector(db.Model):
    """A field of the City-to-City programme (DOMAIN.md taxonomy)."""

    __tablename__ = "sectors"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ja: Mapped[str] = mapped_column(String(120))
    description_en: Mapped[str] = mapped_column(String(255), default="")
    description_ja: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def name(self) -> str:
        return localized(self, "name")


REFERENCE_TTL = 60.0


def _fresh_cache(name: str) -> dict:
    """The application's cache `name`, emptied when older than REFERENCE_TTL."""
    now = time.monotonic()
    stamp = current_app.extensions.get(f"{name}_at", 0.0)
    if now - stamp > REFERENCE_TTL:
        current_app.extensions[name] = {}
        current_app.extensions[f"{name}_at"] = now
    return current_app.extensions.setdefault(name, {})


def reference_names(model) -> dict[str, tuple[str, str]]:
    """code -> (English, Japanese) for every sector (in taxonomy order) or country.

    Read once per application and kept REFERENCE_TTL seconds: administrators rarely edit these
    names (the process that saves an edit forgets its copy at once; the others within the TTL).
    Pages and match reasons use it instead of a query each.
    """
    cache = _fresh_cache("matchapp_reference_names")
    if model not in cache:
        order = model.position if model is Sector else model.code
        rows = db.session.execute(select(model.code, model.name_en, model.name_ja).order_by(order))
        cache[model] = {code: (english, japanese) for code, english, japanese in rows}
    return cache[model]


def reference_options(model) -> list[tuple[str, str]]:
    """(code, name in the current language): sectors in taxonomy order, countries by name.

    Made once per application and language, like reference_names (forms and filters list
    every country on each page)."""
    cache = _fresh_cache("matchapp_reference_options")
    key = (model, wants_japanese())
    if key not in cache:
        pairs = [(code, localized_pair(*names)) for code, names in reference_names(model).items()]
        cache[key] = pairs if model is Sector else sorted(pairs, key=lambda pair: pair[1])
    return cache[key]
