"""Per-process caches of rendered fragments and computed results, keyed by everything they depend on.

A key holds every input that can change (version counters, updated_at, the change log's
position), so an entry is never stale: a changed input makes a new key, and the old entry
ages out of the bounded map.
"""
import threading
from collections import OrderedDict

from flask import current_app
from prometheus_client import Counter

LOOKUPS = Counter("matchapp_cache_lookups_total", "Lookups in the per-process caches", ["cache", "outcome"])


class BoundedCache:
    """A bounded least-recently-used map, safe for the threads of one worker."""

    def __init__(self, name: str, size: int):
        self.name, self.size, self.items, self.lock = name, size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
        LOOKUPS.labels(self.name, "hit" if value is not None else "miss").inc()
        return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def app_cache(name: str, size: int) -> BoundedCache:
    """The application's cache called `name` (made on first use)."""
    key = f"matchapp_cache_{name}"
    if key not in current_app.extensions:  # not setdefault: that would build a cache on every call
        current_app.extensions[key] = BoundedCache(name, size)
    return current_app.extensions[key]
