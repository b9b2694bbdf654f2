"""Coordinators' curation: stale listings, CSV and Excel export, and CSV, Excel or bundle uploads with a preview."""
import json

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import or_, select
from wtforms import SelectField, SubmitField

from .. import audit, bundle, jobs, progress, spreadsheet
from ..accounts.auth import roles_required
from ..extensions import db
from ..formkit import Form, options
from ..models import Need, PendingUpload, Technology
from ..models.base import utcnow
from . import search, services
from .blueprint import bp

UPLOAD_KINDS = {"technologies": _l("Technologies (CSV or Excel)"), "needs": _l("Needs (CSV or Excel)"),
                "bundle": _l("Bundle (JSON)")}
SECTION_LABELS = {"cities": _l("Cities"), "companies": _l("Companies"), "technologies": _l("Technologies"),
                  "needs": _l("Needs")}
# How an upload was read, as the preview says it.
READ_AS = {"UTF-8": _l("UTF-8 text"), "CP932": _l("Shift_JIS text (CP932, Japanese Excel’s “CSV”)"),
           "xlsx": _l("Excel workbook (.xlsx)")}


class UploadForm(Form):
    kind = SelectField(_l("What the file holds"), choices=options(UPLOAD_KINDS.items()))
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload and preview"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Import these rows"))


class DiscardForm(Form):
    submit = SubmitField(_l("Discard this file"))


@bp.route("/listings/stale")
@roles_required("coordinator", "admin")
def stale():
    """Listings whose owners have not confirmed them within a year (and those already stale)."""
    due = search.reminder_before()
    listings = {}
    for model in (Technology, Need):
        listings[model.__tablename__] = db.session.scalars(
            select(model).where(model.confirmed_at < due, or_(model.status == "published", model.status == "open",
                                                               model.status == "in_discussion"))
            .order_by(model.confirmed_at)).all()
    return render_template("listings/stale.html", listings=listings, freshness=services.freshness)


@bp.route("/listings/export/<any(technologies, needs):section>.<any(csv, xlsx):fmt>")
@roles_required("coordinator", "admin")
def export_listings(section, fmt):
    """Every listing of a section as CSV or as an Excel workbook, to edit and upload again."""
    header, rows = spreadsheet.listing_table(section)
    audit.record("export", f"{section}.{fmt}")
    db.session.commit()
    return spreadsheet.table_download(header, rows, section, fmt)


@bp.route("/listings/import", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def upload():
    """Step 1: upload a file; it is checked and kept aside until the coordinator confirms."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            text, read_as = spreadsheet.read_upload(form.file.data.read(), form.kind.data,
                                                    current_app.config["UPLOAD_MAX_ROWS"])
        except spreadsheet.SpreadsheetError as error:
            form.file.errors.extend(error.errors)
        else:
            pending = PendingUpload(user_id=current_user.id, kind=form.kind.data, read_as=read_as,
                                    filename=(form.file.data.filename or "")[:255], payload=text)
            db.session.add(pending)
            db.session.commit()
            return redirect(url_for("listings.preview", upload_id=pending.id), 303)
    return render_template("listings/upload.html", form=form), 400 if form.errors else 200


def too_large_for_the_web(data: dict) -> list[str]:
    """Without a queue the import job runs in the web process: refuse one too large to finish there."""
    listings = len(data.get("technologies", [])) + len(data.get("needs", []))
    limit = current_app.config["WEB_IMPORT_MAX_LISTINGS"]
    if listings <= limit:
        return []
    return [_("This file has %(count)d listings; an import from the web takes at most %(limit)d at a time, "
              "so that it finishes before the server's time limit. Split the file, or ask an administrator "
              "to run `flask import-data` with it.", count=listings, limit=limit)]


def parse_pending(pending) -> tuple[dict | None, list[str]]:
    """The bundle a pending upload holds, or the problems that stop it, by row or entry."""
    data, problems = parse_upload(pending)
    if data is not None and not current_app.config.get("REDIS_URL"):
        problems = too_large_for_the_web(data)
    return (None, problems) if problems else (data, [])


def parse_upload(pending) -> tuple[dict | None, list[str]]:
    try:
        if pending.kind == "bundle":
            data = json.loads(pending.payload)
            bundle.validate_bundle(data)
            return data, []
        data, rows, problems = spreadsheet.parse_csv(pending.kind, pending.payload,
                                                     max_rows=current_app.config["UPLOAD_MAX_ROWS"])
        try:
            bundle.validate_bundle(data)
        except bundle.BundleError as error:
            problems += spreadsheet.row_errors(pending.kind, error.errors, rows)
        return (None, sorted(problems, key=spreadsheet.row_number)) if problems else (data, [])
    except json.JSONDecodeError as error:
        return None, [_("The file is not valid JSON: %(error)s", error=str(error))]
    except (bundle.BundleError, spreadsheet.SpreadsheetError) as error:
        return None, error.errors


def own_pending(upload_id: int) -> PendingUpload:
    pending = db.session.get(PendingUpload, upload_id)
    if pending is None or pending.user_id != current_user.id:
        abort(404)
    return pending


@bp.route("/listings/import/<int:upload_id>", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def preview(upload_id):
    """Step 2: show what would change and every problem; a valid file, once confirmed, is imported by a job."""
    pending = own_pending(upload_id)
    if pending.state != "previewed":
        return redirect(url_for("listings.import_progress", upload_id=pending.id), 303)
    data, errors = parse_pending(pending)
    form = ConfirmForm()
    if form.validate_on_submit():
        if errors:
            flash(_("Nothing was imported: fix the problems listed and upload the file again."), "error")
            return render_template("listings/preview.html", pending=pending, data=data, errors=errors, form=form,
                                   read_as=READ_AS, discard=DiscardForm()), 400
        pending.state = "queued"
        wanted = to_write(pending, data)
        pending.total = sum(len(wanted.get(section, [])) for section in ("technologies", "needs"))
        jobs.enqueue("import_upload", pending.id)
        db.session.commit()
        return redirect(url_for("listings.import_progress", upload_id=pending.id), 303)
    return render_template("listings/preview.html", pending=pending, data=data, errors=errors, form=form,
                           read_as=READ_AS, discard=DiscardForm(), changes=changes(data) if data else {},
                           sections=SECTION_LABELS)


@bp.route("/listings/import/<int:upload_id>/discard", methods=["POST"])
@roles_required("coordinator", "admin")
def discard_upload(upload_id):
    """Leave a preview without importing: the kept file is deleted (an import already confirmed stays)."""
    pending = own_pending(upload_id)  # the form's CSRF token is checked for every POST (CSRFProtect)
    if pending.state != "previewed":
        flash(_("This file was already confirmed for import; see its progress."), "error")
        return redirect(url_for("listings.import_progress", upload_id=pending.id), 303)
    db.session.delete(pending)
    db.session.commit()
    flash(_("The file was discarded: nothing was imported."), "success")
    return redirect(url_for("listings.upload"), 303)


@bp.route("/listings/import/<int:upload_id>/progress")
@roles_required("coordinator", "admin")
def import_progress(upload_id):
    """Step 3: the import's progress (the page reloads itself until the import has finished)."""
    pending = own_pending(upload_id)
    return render_template("listings/import_progress.html", pending=pending, counts=import_counts(pending),
                           sections=SECTION_LABELS,
                           progress=progress.read(f"upload:{pending.id}"))


def import_counts(pending) -> dict:
    """{section: [new, updated]} of a finished import (an import finished before counts were kept: {})."""
    try:
        counts = json.loads(pending.result) if pending.state == "done" else {}
    except ValueError:
        return {}
    return {section: pair for section, pair in counts.items() if section in SECTION_LABELS}


def run_import(upload_id: int) -> None:
    """The import job: the whole file in one transaction, marked done in the same commit.

    A job killed half-way leaves nothing written and the upload still queued, so the
    retry starts again from the beginning; a finished import is never repeated.
    """
    pending = db.session.get(PendingUpload, upload_id)
    if pending is None or pending.state in ("done", "failed"):
        return
    data, errors = parse_upload(pending)
    if errors:
        pending.state, pending.result, pending.finished_at = "failed", "\n".join(map(str, errors))[:5000], utcnow()
        db.session.commit()
        return
    key, done = f"upload:{pending.id}", [0]

    def advance(count: int) -> None:
        done[0] += count
        progress.report(key, min(done[0], pending.total), pending.total)

    data = to_write(pending, data)
    progress.report(key, 0, pending.total)
    result = services.import_bundle(data, progress=advance)
    audit.record("import", pending.filename, result.summary(), user=pending.user)
    counts = {section: [result.created[section], result.updated[section]] for section in bundle.SECTIONS
              if section in data}
    pending.state, pending.result, pending.finished_at = "done", json.dumps(counts), utcnow()
    pending.processed, pending.payload = pending.total, ""
    db.session.commit()


def changes(data: dict) -> dict[str, list[str]]:
    """For each entry already stored ("section:ref"), the fields the file would change; an entry
    not in the result is new. A spreadsheet holds every listing, so most rows change nothing."""
    found = {}
    for section, model in bundle.MODELS.items():
        entries = {e["ref"]: e for e in data.get(section, [])}
        stored = db.session.scalars(select(model).where(model.ref.in_(entries))).all() if entries else []
        for obj in stored:
            current, spec = bundle.export_entry(section, obj), bundle.SPECS[section]
            found[f"{section}:{obj.ref}"] = [key for key, value in entries[obj.ref].items()
                                             if key != "ref" and not same_value(value, current[key], spec[key][1])]
    return found


def same_value(given, stored, kind: str) -> bool:
    """Whether a field read from a file says what is stored (a spreadsheet keeps times to the second
    and numbers as numbers, and leaves empty what is empty)."""
    if given in (None, "") and stored in (None, "", []):
        return True
    if kind == "datetime" and given and stored:
        return bundle.parse_datetime(given).replace(microsecond=0) == bundle.parse_datetime(stored).replace(microsecond=0)
    if kind in ("amount", "number") and given is not None and stored is not None:
        return float(given) == float(stored)
    return given == stored


def to_write(pending, data: dict) -> dict:
    """What an upload's import writes: a spreadsheet's rows without those that change nothing (a bundle whole)."""
    if pending.kind == "bundle":
        return data
    changed = changes(data)
    return {section: [e for e in entries if changed.get(f"{section}:{e['ref']}", True)]
            for section, entries in data.items()}
