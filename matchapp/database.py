"""Database engine settings that differ between SQLite and PostgreSQL."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def enable_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = 5000) -> None:
    """Foreign keys on, WAL for concurrent readers, and a busy timeout instead of 'locked'.

    A writer waits up to `busy_timeout_ms` for another writer; past that the request
    fails with OperationalError, which the error handler turns into a 503.
    """

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
