"""Helpers for fault tests: run the app in its own process, kill it, and look at the database meanwhile."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET = "fault-test-secret-key-long-enough-0123456789"


def app_env(database_url: str) -> dict:
    return dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET, MATCHAPP_ENV="development",
                FLASK_DEBUG="0")


def start(database_url: str, *args: str) -> subprocess.Popen:
    """A process of its own (and its own process group, so a kill reaches its children)."""
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=app_env(database_url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def flask(database_url: str, *args: str) -> subprocess.Popen:
    return start(database_url, "-m", "flask", "--app", "wsgi", *args)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, no transaction is finished or rolled back by the process itself."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def sqlite_path(database_url: str) -> str | None:
    return database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else None


def write_in_progress(database_url: str) -> bool:
    """True while another process holds an open write transaction on the database."""
    path = sqlite_path(database_url)
    if path:
        connection = sqlite3.connect(path, timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": a writer holds the lock
            return True
        finally:
            connection.close()
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(sa.text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.datname = current_database() AND l.locktype = 'transactionid' "
                "AND a.pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


def integrity_problems(database_url: str) -> list[str]:
    """SQLite's own integrity and foreign-key checks (PostgreSQL enforces these itself)."""
    path = sqlite_path(database_url)
    if not path:
        return []
    connection = sqlite3.connect(path)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [repr(row) for row in connection.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        connection.close()
