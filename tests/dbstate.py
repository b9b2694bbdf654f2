"""The whole database's content as one comparable value."""
import hashlib

import sqlalchemy as sa


def fingerprint(db, skip=()) -> dict:
    """A digest per table of every row: any write shows up as a changed digest."""
    digests = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests
