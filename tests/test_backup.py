"""Back-up and restore of the whole database (flask backup / flask restore), on SQLite and PostgreSQL."""
from sqlalchemy import func, select

from matchapp import demo
from matchapp.models import Introduction, Project, Technology, User

from . import factories
from .dbstate import fingerprint


def test_a_backup_restores_every_row_of_a_full_database(runner, db, world, tmp_path):
    demo.load()  # the demo data set on top of a world with introductions, meetings, events, projects
    before = fingerprint(db)
    assert db.session.scalar(select(func.count()).select_from(Introduction)) >= 1
    path = tmp_path / "matchapp.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0

    # Life goes on after the backup: deletions, new accounts, edits...
    db.session.delete(db.session.scalar(select(Project)))
    factories.user("late@example.com", "coordinator")
    db.session.scalar(select(Technology).where(Technology.ref == "rooftop-pv")).title = "Changed"
    db.session.commit()
    assert fingerprint(db) != before

    # ...until the backup is restored: every table as it was.
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert fingerprint(db) == before
    assert db.session.scalar(select(User).where(User.email == "late@example.com")) is None


def test_restore_asks_for_confirmation_and_refuses_a_broken_file(runner, db, users, tmp_path):
    before = fingerprint(db)
    path = tmp_path / "backup"
    runner.invoke(args=["backup", str(path)])
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "--yes" in result.output
    broken = tmp_path / "broken"
    broken.write_bytes(b"this is not a backup" * 100)
    result = runner.invoke(args=["restore", str(broken), "--yes"])
    assert result.exit_code == 1 and "Error" in result.output
    missing = runner.invoke(args=["restore", str(tmp_path / "missing"), "--yes"])
    assert missing.exit_code == 1 and "no backup" in missing.output
    assert fingerprint(db) == before
