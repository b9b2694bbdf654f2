"""Rendered match cards, cached per application by everything a card shows.

A match page renders 20 cards, each with reasons in the reader's language and two forms;
rendering is most of the page's cost, and the same cards are shown again and again (each
visit to a need's matches, every user of a city). The key holds every input of the card:
the match row and when it was computed, both listings' version counters, the other side's
organisation (updated_at), the introduction of the pair (id, state, version), the reader's
language and side. The CSRF token, which differs per session, is put back at each use.
"""
import threading
from collections import OrderedDict

from flask import current_app, g, get_template_attribute
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..introductions.services import introduction_for_pair, side_for

MAX_CARDS = 20_000
CSRF_PLACEHOLDER = "\x1ecsrf\x1e"  # cannot occur in rendered HTML (control character; NUL-free input)


class CardCache:
    """A bounded least-recently-used map, safe for the threads of one worker."""

    def __init__(self, size: int = MAX_CARDS):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def cache() -> CardCache:
    return current_app.extensions.setdefault("matchapp_match_cards", CardCache())


def reader() -> tuple:
    """(language, user) of this request, looked up once for all the page's cards."""
    if "match_card_reader" not in g:
        g.match_card_reader = (str(get_locale()), current_user._get_current_object())
    return g.match_card_reader


def card_key(match, show: str) -> tuple:
    need, technology = match.need, match.technology
    introduction = introduction_for_pair(need, technology)
    language, user = reader()
    return (language, side_for(user, need, technology), show, match.id, match.computed_at,
            match.score, need.version, technology.version, need.city.updated_at, technology.company.updated_at,
            (introduction.id, introduction.state, introduction.version) if introduction else None)


def match_card(match, show: str) -> Markup:
    """The card of `match` (the macro in matching/_match.html), from the cache when unchanged."""
    token = generate_csrf()
    key = card_key(match, show)
    html = cache().get(key)
    if html is None:
        rendered = str(get_template_attribute("matching/_match.html", "match_card")(match, show))
        html = rendered.replace(token, CSRF_PLACEHOLDER)
        cache().put(key, html)
    return Markup(html.replace(CSRF_PLACEHOLDER, token))
