"""A listing's match cards, rendered once and cached per application by everything they show.

A match page renders 20 cards, each with reasons in the reader's language and two forms;
loading and rendering them is most of the page's cost, and the same list is shown again
and again (each visit to a need's matches, every user of a city). One Core query reads,
best match first, every input of the cards that can change: the match row and when it
was computed, the other listing's version counter and organisation (updated_at), the
owners deciding the reader's side, and the introduction of the pair (id, state, version).
With the reader's language, the listing's own version and the reader's side per card,
that is the cache key; only a changed list is loaded through the ORM and rendered again.
The CSRF token, which differs per session, is put back at each use.
"""
from flask import get_template_attribute
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload

from ..caching import BoundedCache, app_cache
from ..extensions import db
from ..introductions.services import prefetch_introductions, side_by_owners
from ..models import City, Company, Introduction, Match, Need, Technology

PAGE_SIZE = 20
MAX_LISTS = 1_000  # about 40 kB each
CSRF_PLACEHOLDER = "\x1ecsrf\x1e"  # cannot occur in rendered HTML (control character; NUL-free input)
# What a match card shows of the other side, read with the matches instead of a query per card.
# (The listing whose page it is is already in the session, so it is not read again.)
OTHER_SIDE_LOADS = {
    "needs": (joinedload(Match.technology).joinedload(Technology.company),),
    "technologies": (joinedload(Match.need).joinedload(Need.city).joinedload(City.country),),
}
# kind of the page -> (its column in matches, the other listing's column, the other listing,
# the other listing's owner column, that owner)
SIDES = {
    "needs": (Match.need_id, Match.technology_id, Technology, Technology.company_id, Company),
    "technologies": (Match.technology_id, Match.need_id, Need, Need.city_id, City),
}


def cache() -> BoundedCache:
    return app_cache("match_lists", MAX_LISTS)


def card_inputs_statement(kind: str):
    """Per card, best first: (match id, computed_at, score, other listing's id and version,
    its organisation's id and updated_at, the pair's introduction id, state and version).
    Built once: constructing the statement cost as much as running it."""
    column, other_column, other, owner_column, organisation = SIDES[kind]
    return (select(Match.id.label("match_id"), Match.computed_at, Match.score, other.id, other.version,
                   organisation.id.label("owner_id"), organisation.updated_at,
                   Introduction.id, Introduction.state, Introduction.version)
            .join(other, other.id == other_column)
            .join(organisation, organisation.id == owner_column)
            .outerjoin(Introduction, and_(Introduction.need_id == Match.need_id,
                                          Introduction.technology_id == Match.technology_id))
            .where(column == bindparam("listing_id"))
            .order_by(Match.score.desc(), Match.id).limit(PAGE_SIZE))


CARD_INPUTS = {kind: card_inputs_statement(kind) for kind in SIDES}


def card_inputs(kind: str, listing) -> list:
    return db.session.execute(CARD_INPUTS[kind], {"listing_id": listing.id}).all()


def list_key(kind: str, listing, inputs: list) -> tuple:
    """Everything the rendered list depends on, including the reader's side on each card."""
    user = current_user._get_current_object()
    if kind == "needs":
        sides = tuple(side_by_owners(user, listing.city_id, row.owner_id) for row in inputs)
    else:
        sides = tuple(side_by_owners(user, row.owner_id, listing.company_id) for row in inputs)
    return (kind, str(get_locale()), listing.id, listing.version, sides, tuple(tuple(row) for row in inputs))


def render_list(kind: str, match_ids: list) -> str:
    """The cards of these matches (the macro in matching/_match.html), in the given order."""
    matches = db.session.scalars(select(Match).where(Match.id.in_(match_ids)).options(*OTHER_SIDE_LOADS[kind])).all()
    matches.sort(key=lambda match: match_ids.index(match.id))
    prefetch_introductions((m.need_id, m.technology_id) for m in matches)
    card = get_template_attribute("matching/_match.html", "match_card")
    show = "technology" if kind == "needs" else "need"
    return "".join(str(card(match, show)) for match in matches)


def match_list(kind: str, listing) -> Markup:
    """The rendered cards of the listing's best matches, or an empty Markup when there are none."""
    inputs = card_inputs(kind, listing)
    if not inputs:
        return Markup("")
    token = generate_csrf()
    key = list_key(kind, listing, inputs)
    html = cache().get(key)
    if html is None:
        html = render_list(kind, [row.match_id for row in inputs]).replace(token, CSRF_PLACEHOLDER)
        cache().put(key, html)
    return Markup(html.replace(CSRF_PLACEHOLDER, token))
