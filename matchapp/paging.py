"""One page of a query's rows, counted and cut in SQL."""
import math
from dataclasses import dataclass

from sqlalchemy import func, select

from .extensions import db

MAX_PAGE = 100_000


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def page_number(args) -> int:
    """The ?page= argument, 1 when it is missing or not a sensible number."""
    value = args.get("page", 1, type=int)
    return value if value is not None and 1 <= value <= MAX_PAGE else 1


def paged(query, page: int, per_page: int, scalars: bool = True, clamp: bool = False) -> Page:
    """`query` (a select, ordered) limited to one page, with the total number of rows.

    With `clamp`, a page past the last gives the last, so a list that shrank meanwhile
    still shows something."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if clamp:
        page = min(page, max(1, math.ceil(total / per_page)))
    cut = query.limit(per_page).offset((page - 1) * per_page)
    items = db.session.scalars(cut).all() if scalars else db.session.execute(cut).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)
