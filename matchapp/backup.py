"""Whole-database backup and restore, with each database's own consistent tools.

`export-data` writes the contract's bundle (organisations and listings). A backup holds
everything else too: accounts, introductions and their threads, meetings, events,
projects, the audit log. SQLite uses its online backup API (a consistent snapshot even
while the app writes); PostgreSQL uses pg_dump / pg_restore in one transaction.
"""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from .extensions import db


class BackupError(RuntimeError):
    """The backup or restore could not be made; nothing was changed."""


def libpq(url) -> tuple[str, dict]:
    """The plain postgresql:// address for pg_dump/pg_restore, with the password in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def backup(path: str) -> None:
    """Write a consistent copy of the whole database to `path`."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
        return
    address, env = libpq(url)
    run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", address], env)


def restore(path: str) -> None:
    """Replace the whole database with the backup at `path`, all at once or not at all."""
    if not Path(path).is_file():
        raise BackupError(f"no backup at {path}")
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old data
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not an intact SQLite database")
            target = sqlite3.connect(url.database)
            try:
                with target:
                    source.backup(target)  # one write transaction on the target: all pages or none
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite backup: {error}") from None
        finally:
            source.close()
        return
    address, env = libpq(url)
    run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={address}", path], env)
