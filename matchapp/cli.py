"""Command-line interface (`flask --app wsgi <command>`), per CONTRACT.md."""
import json
import sys

import click
from flask import Flask
from sqlalchemy import func, select

from . import audit, backup, bundle, demo, demo_programme, notifications
from .introductions import services as introductions
from .accounts import services
from .extensions import db
from .listings.services import import_bundle as import_listings
from .matching import outcomes, profiles, quality, store, tuning
from .models import ROLES, City, Company, Need, Technology


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("import-data")
@click.argument("path", type=click.Path(dir_okay=False))
def import_data(path: str) -> None:
    """Load a JSON bundle; all or nothing."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        fail(f"{path} is not valid UTF-8 JSON: {error}")
    count = sum(len(v) for v in (data.get(k) for k in ("technologies", "needs")) if isinstance(v, list)) \
        if isinstance(data, dict) else 0
    try:
        with click.progressbar(length=count, label=f"Importing {count} listings (sentence vectors)",
                               file=sys.stderr) as bar:
            result = import_listings(data, progress=bar.update)
    except bundle.BundleError as error:
        for line in error.errors:
            click.echo(line, err=True)
        fail(f"nothing was imported ({len(error.errors)} problem(s))")
    audit.record("import", path, result.summary())
    db.session.commit()
    click.echo(f"Imported {path}: {result.summary()}")


@click.command("export-data")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_data(path: str) -> None:
    """Write every listing and organisation as a JSON bundle."""
    data = bundle.export_bundle()
    audit.record("export", path)
    db.session.commit()
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror}")
    click.echo(f"Exported {', '.join(f'{len(v)} {k}' for k, v in data.items())} to {path}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has organisations.")
def seed_demo(if_empty: bool) -> None:
    """Load the bilingual demo data set and one login per role (idempotent)."""
    if if_empty and db.session.scalar(select(Company.id).limit(1)) is not None:
        click.echo("Demo data already present; nothing to do.")
        return
    result = demo.load()
    matched = store.rematch()
    db.session.commit()
    demo.record_outcomes()
    programme = demo_programme.seed()
    click.echo(f"Demo data loaded: {result.summary()}; {matched['stored']} matches stored"
               + ("; introductions, meetings, projects and announcements added" if programme else ""))


@click.command("demo-logins")
def demo_logins() -> None:
    """Print the demo logins."""
    click.echo(demo.logins_text())


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", required=True)
@click.option("--organisation", "organisation_ref", default=None,
              help="Company ref for company users, city ref for city users.")
@click.option("--language", default="en", type=click.Choice(["ja", "en"]))
def create_user(email: str, role: str, password: str, organisation_ref: str | None, language: str) -> None:
    """Create an account of any role."""
    company = city = None
    if role in ("company", "city"):
        if not organisation_ref:
            fail(f"a {role} user needs --organisation REF")
        model = Company if role == "company" else City
        organisation = db.session.scalar(select(model).where(model.ref == organisation_ref))
        if organisation is None:
            fail(f"no {role} with ref '{organisation_ref}'")
        company, city = (organisation, None) if role == "company" else (None, organisation)
    try:
        user = services.create_user(email, password, role, company=company, city=city, language=language)
        db.session.commit()
    except services.AccountError as error:
        db.session.rollback()
        fail(str(error.message))
    audit.record("create_user", user.email, f"role {user.role}")
    db.session.commit()
    click.echo(f"Created {user.role} user {user.email}")


@click.command("match")
@click.argument("need_ref")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON list, best first.")
def match(need_ref: str, top: int, as_json: bool) -> None:
    """The ranked technologies for one need, with reasons."""
    need = db.session.scalar(select(Need).where(Need.ref == need_ref))
    if need is None:
        fail(f"no need with ref '{need_ref}'")
    items = [store.as_contract_item(r) for r in store.rank_need(need, top)]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo(f"No technology matches {need_ref} (is it open and confirmed within the last year?)")
    for rank, item in enumerate(items, 1):
        c = item["components"]
        click.echo(f"{rank:>2}. {item['score']:5.1f}  {item['technology']} ({item['company']})  "
                   f"semantic {c['semantic']:.1f} + text {c['text']:.1f} + sector {c['sector']:.1f} + "
                   f"country {c['country']:.1f} + bonus {c['bonus']:.1f}")
        for reason in item["reasons"]:
            click.echo(f"       - {reason}")


@click.command("rematch")
@click.option("--reembed", is_flag=True,
              help="Compute every listing's sentence vectors and glossary analysis again (after a model or "
                   "glossary change).")
def rematch(reembed: bool) -> None:
    """Recompute every stored match score (and the profiles of listings that have none)."""
    outdated = profiles.outdated_profiles()
    if reembed or outdated:
        total = db.session.scalar(select(func.count(Technology.id))) + db.session.scalar(select(func.count(Need.id)))
        label = f"Embedding {total if reembed else outdated} listings ({profiles.semantic.MODEL_ID})"
        with click.progressbar(length=total if reembed else outdated, label=label) as bar:
            profiles.compute_missing_profiles(everything=reembed, progress=bar.update)
        db.session.commit()
    techs, needs = profiles.count_active()
    click.echo(f"Indexing {techs} active technologies ...")
    profiles.catalog().sync()
    with click.progressbar(length=needs, label=f"Matching {needs} needs") as bar:
        result = store.rematch(progress=bar.update)
    db.session.commit()
    click.echo(f"Stored {result['stored']} matches for {result['needs']} needs.")


@click.command("tune-weights")
@click.option("--labelled", "labelled_path", type=click.Path(exists=True, dir_okay=False),
              help="Fit on a labelled set (bundle + relevant pairs, already imported) instead of the recorded outcomes.")
@click.option("--split", help="With --labelled: only the needs of this part of the set's split (e.g. dev).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--write", "write_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the fitted weights to this file (point MATCHAPP_WEIGHTS at it, then `flask rematch`).")
def tune_weights(labelled_path: str | None, split: str | None, folds: int, write_path: str | None) -> None:
    """Fit the matching weights on labelled pairs (accepted, met, project vs "No thanks"), cross-validated."""
    if labelled_path:
        labelled = quality.load_labelled(labelled_path)
        needs = labelled.get("split", {}).get(split) if split else None
        if split and needs is None:
            fail(f"{labelled_path} has no split named '{split}'")
        pairs = quality.labelled_ids(labelled, needs)
        source = f"{labelled_path}" + (f" ({split})" if split else "")
    else:
        pairs = outcomes.labelled_pairs()
        source = "recorded outcomes"
    examples = tuning.examples_for(pairs)
    if len(examples) < 2:
        fail(f"{source}: {len(examples)} need(s) with a positive outcome; at least 2 are needed to tune")
    start = profiles.catalog().weights
    result = tuning.cross_validate(examples, start, folds=folds)
    before, after = result["before"], result["after"]
    click.echo(f"Fitted on {source}: {result['needs']} needs, {result['folds']}-fold cross-validation")
    click.echo(f"  current weights  recall@5 {before['recall@5']:.3f}  MRR {before['mrr']:.3f}  "
               f"negatives in top 5 {before['negatives@5']:.3f}")
    click.echo(f"  fitted (held out) recall@5 {after['recall@5']:.3f}  MRR {after['mrr']:.3f}  "
               f"negatives in top 5 {after['negatives@5']:.3f}")
    fitted = result["weights"]
    for name, value in tuning.asdict(fitted).items():
        if value != getattr(start, name):
            click.echo(f"  {name}: {getattr(start, name)} -> {value}")
    if write_path:
        about = (f"Fitted by flask tune-weights on {source} ({result['needs']} needs); held-out recall@5 "
                 f"{before['recall@5']:.3f} -> {after['recall@5']:.3f}, MRR {before['mrr']:.3f} -> {after['mrr']:.3f}.")
        with open(write_path, "w", encoding="utf-8") as handle:
            json.dump(tuning.as_file(fitted, about), handle, indent=2)
            handle.write("\n")
        click.echo(f"Wrote {write_path}; set MATCHAPP_WEIGHTS={write_path} and run `flask rematch`.")
    else:
        click.echo("Nothing written (use --write PATH to keep the fitted weights).")


@click.command("send-mail")
def send_mail() -> None:
    """Send queued e-mails; failed ones stay queued and are retried later."""
    sent, failed, given_up = notifications.send_pending()
    click.echo(f"Sent {sent} e-mail(s); {failed} failed and will be retried; {given_up} could not be sent at all "
               "(kept in the outbox with the reason).")
    if failed:
        sys.exit(1)


@click.command("housekeeping")
def housekeeping() -> None:
    """Remind before introduction requests expire, and expire overdue ones (run daily)."""
    reminded, expired = introductions.housekeeping()
    db.session.commit()
    click.echo(f"Reminded {reminded} introduction(s); expired {expired}.")


@click.command("send-digest")
def send_digest() -> None:
    """Queue the weekly digest of new good matches for every user who has not opted out."""
    made = notifications.build_digests()
    db.session.commit()
    click.echo(f"Queued {made} digest(s).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Write a consistent copy of the whole database (SQLite backup API or pg_dump)."""
    try:
        backup.backup(path)
    except backup.BackupError as error:
        fail(str(error))
    click.echo(f"Backed up the database to {path}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the current data is to be replaced.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the whole database with a backup. Stop the app (or its workers) first."""
    if not yes:
        fail("restore replaces every row of the database; run again with --yes to confirm")
    try:
        backup.restore(path)
    except backup.BackupError as error:
        fail(str(error))
    profiles.forget_index()  # the restored data may reuse change numbers a snapshot has already seen
    click.echo(f"Restored the database from {path}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs from the queue at REDIS_URL until stopped."""
    from flask import current_app

    from . import queue
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        fail("REDIS_URL is not set: without a queue, jobs run inside the web process after each request")
    profiles.warm_up()  # once, before the first job
    db.session.remove()
    queue.run_worker(app, burst=burst)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Start what is due now, then stop (for cron or a test).")
def scheduler(once: bool) -> None:
    """Start the recurring jobs on time: outbox every minute, housekeeping hourly, digests weekly."""
    from flask import current_app

    from . import schedule
    schedule.run(current_app._get_current_object(), once=once)


def register(app: Flask) -> None:
    for command in (import_data, export_data, seed_demo, demo_logins, create_user, match, rematch, tune_weights, send_mail,
                    housekeeping, send_digest, backup_command, restore_command, worker, scheduler):
        app.cli.add_command(command)
