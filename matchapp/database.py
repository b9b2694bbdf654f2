"""Database engine settings that differ between SQLite and PostgreSQL."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def enable_sqlite_pragmas(engine: Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, and a busy timeout instead of 'locked'."""

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
