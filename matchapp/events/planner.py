"""The 1:1 schedule as a pure assignment: candidate pairs, best first, onto the event's times and tables.

No database here: the service reads interests, availability and match scores, this
module decides, the service writes. The rules it keeps are the ones the database
enforces too: a slot (a time at a table) holds one meeting, nobody is in two meetings
at the same time; and one it alone knows: nobody meets at a time they said they are away.

Pairs are placed in priority order — both asked, one asked, then the strongest stored
matches — each at the earliest time both are free. When a pair finds no such time,
one meeting that blocks it (one of the two is busy then, or every table is taken) is
moved to another time where it still fits: a one-step repair that fills the slots a
plain greedy pass leaves empty, without ever removing a meeting placed before.
"""
from dataclasses import dataclass
from datetime import datetime

TIERS = {"mutual": 0, "interest": 1, "match": 2}


@dataclass(frozen=True)
class Pair:
    """Two participants who should meet, and why."""

    a: int
    b: int
    reason: str  # mutual | interest | match
    score: float | None = None  # the best stored match of the pair, if any
    asked_by: int | None = None  # for `interest`: the participant who asked
    need_id: int | None = None
    technology_id: int | None = None

    @property
    def priority(self) -> tuple:
        return TIERS[self.reason], -(self.score or 0.0), self.a, self.b

    @property
    def members(self) -> tuple[int, int]:
        return self.a, self.b


class Plan:
    """Which pairs meet at which time; tables are handed out at the end."""

    def __init__(self, slots: list[tuple[int, datetime]], away: dict[int, set[datetime]]):
        self.slots = slots
        self.times = sorted({start for _slot, start in slots})
        self.capacity = {t: sum(1 for _slot, start in slots if start == t) for t in self.times}
        self.away = away
        self.at: dict[datetime, list[Pair]] = {t: [] for t in self.times}
        self.busy: dict[int, set[datetime]] = {}

    def fits(self, pair: Pair, t: datetime) -> bool:
        return len(self.at[t]) < self.capacity[t] and all(
            t not in self.away.get(p, ()) and t not in self.busy.get(p, ()) for p in pair.members)

    def put(self, pair: Pair, t: datetime) -> None:
        self.at[t].append(pair)
        for p in pair.members:
            self.busy.setdefault(p, set()).add(t)

    def take(self, pair: Pair, t: datetime) -> None:
        self.at[t].remove(pair)
        for p in pair.members:
            self.busy[p].discard(t)

    def place(self, pair: Pair) -> bool:
        """At the earliest time that fits, else after moving one blocking meeting elsewhere."""
        for t in self.times:
            if self.fits(pair, t):
                self.put(pair, t)
                return True
        return any(self.place_by_moving(pair, t) for t in self.times)

    def place_by_moving(self, pair: Pair, t: datetime) -> bool:
        if any(t in self.away.get(p, ()) for p in pair.members):
            return False
        blockers = [m for m in self.at[t] if set(m.members) & set(pair.members)]
        if len(self.at[t]) - len(blockers) >= self.capacity[t]:  # every table taken by others: one may move
            other = next((m for m in self.at[t] if m not in blockers and self.movable(m, t)), None)
            if other is None:
                return False
            blockers.append(other)
        moved = []
        for blocker in blockers:
            self.take(blocker, t)
            target = next((u for u in self.times if u != t and self.fits(blocker, u)), None)
            if target is None:
                self.put(blocker, t)
                break
            self.put(blocker, target)
            moved.append((blocker, target))
        if len(moved) == len(blockers) and self.fits(pair, t):
            self.put(pair, t)
            return True
        for blocker, target in moved:  # undo: the schedule stays as it was
            self.take(blocker, target)
            self.put(blocker, t)
        return False

    def movable(self, meeting: Pair, t: datetime) -> bool:
        self.take(meeting, t)
        ok = any(u != t and self.fits(meeting, u) for u in self.times)
        self.put(meeting, t)
        return ok

    def by_slot(self) -> dict[int, Pair]:
        """slot id -> pair: at each time, the best pairs get the first tables."""
        result = {}
        for t in self.times:
            free = [slot for slot, start in self.slots if start == t]
            for slot, pair in zip(free, sorted(self.at[t], key=lambda p: p.priority)):
                result[slot] = pair
        return result


def assign(pairs: list[Pair], slots: list[tuple[int, datetime]],
           away: dict[int, set[datetime]] | None = None) -> dict[int, Pair]:
    """Place `pairs` (each at most once) on `slots` (slot id, start time, in table order)."""
    plan = Plan(slots, away or {})
    for pair in sorted(pairs, key=lambda p: p.priority):
        plan.place(pair)
    return plan.by_slot()
