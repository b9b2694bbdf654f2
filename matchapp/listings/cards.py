"""Listing cards (browse, search), rendered once per listing version and language.

Loading 20 listings with their sectors, countries and owners and rendering their cards
is most of a browse page's cost, and the same cards are shown again and again. One Core
query reads, for a page's listings, every input of a card that can change: the listing's
version counter (raised by every update, sectors and countries included), its owner's
updated_at and, for a need, whether its country is a JCM partner. Sector and country
names are reference data, fixed for the application's life (see models.reference).
Only cards whose key is new are loaded through the ORM and rendered.
"""
from flask import get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import bindparam, select

from ..caching import app_cache
from ..extensions import db
from ..models import City, Company, Country, Need, Technology

MAX_CARDS = 20_000  # about 1 kB each
CARD_INPUTS = {
    Technology: select(Technology.id, Technology.version, Company.updated_at)
    .join(Company, Company.id == Technology.company_id)
    .where(Technology.id.in_(bindparam("ids", expanding=True))),
    Need: select(Need.id, Need.version, City.updated_at, Country.jcm_signed)
    .join(City, City.id == Need.city_id).join(Country, Country.code == City.country_code)
    .where(Need.id.in_(bindparam("ids", expanding=True))),
}


def listing_cards(kind, ids: list[int], load) -> list[Markup]:
    """The cards of the listings `ids`, in that order; `load(ids)` gives the listings to render."""
    if not ids:
        return []
    locale, cache = str(get_locale()), app_cache("listing_cards", MAX_CARDS)
    keys = {row[0]: (kind.name, locale, *row) for row in db.session.execute(CARD_INPUTS[kind.model], {"ids": ids})}
    html = {listing_id: cache.get(keys[listing_id]) for listing_id in ids if listing_id in keys}
    missing = [listing_id for listing_id in ids if html.get(listing_id) is None]
    if missing:
        card = get_template_attribute("listings/_card.html", "listing_card")
        for listing in load(missing):
            html[listing.id] = str(card(kind, listing))
            cache.put(keys[listing.id], html[listing.id])
    return [Markup(html[listing_id]) for listing_id in ids if listing_id in html]
