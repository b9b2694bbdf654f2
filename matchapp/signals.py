"""Domain events: what happened, announced to whoever needs to react (blinker signals).

Senders do not know their receivers: listings announce a change and matching reacts
by scheduling a re-score after the commit, without listings importing matching.
Receivers are connected when the application is created (see `connect()` in each
receiving module).
"""
from blinker import Namespace

events = Namespace()

# sender: the listing (Technology or Need), flushed, in the transaction that changed it
listing_changed = events.signal("listing-changed")

# sender: the introduction, after its state changed and its history line was added;
# action: "request", "accept", ..., "expire", "schedule"; by: the user (None for the system);
# side: the acting user's side ("city", "company", "coordinator" or None)
introduction_changed = events.signal("introduction-changed")

# sender: the meeting, after it was proposed ("propose") or a time was confirmed ("confirm");
# by: the user; side: their side of the introduction
meeting_changed = events.signal("meeting-changed")
