"""The audit log with filters (actor, action, date range), 50 events a page, and the same events as CSV."""
import csv
import io

from flask import Response, flash, render_template, request, stream_with_context
from flask_login import current_user

from .. import audit
from ..accounts.auth import roles_required
from ..extensions import db
from . import auditlog, bp
from ..paging import page_number, paged


@bp.route("/admin/audit-log")
@roles_required("admin")
def audit_log():
    """Who did what and when, newest first; dates are days in the reader's time zone."""
    status = 200
    try:
        filters = auditlog.AuditFilters.from_args(request.args)
    except auditlog.AuditFilterError as error:
        flash(str(error.message), "error")
        filters, status = auditlog.AuditFilters(**auditlog.text_filters(request.args)), 400
    page = paged(auditlog.query(filters, current_user.timezone), page_number(request.args), auditlog.PER_PAGE,
                 scalars=False)
    return render_template("admin/audit.html", page=page, filters=filters, actions=auditlog.known_actions(),
                           action_label=auditlog.action_label, raw=request.args), status


@bp.route("/admin/audit-log.csv")
@roles_required("admin")
def audit_csv():
    """Every event the filters keep, as CSV (UTF-8 with BOM), streamed; the export itself is audited."""
    try:
        filters = auditlog.AuditFilters.from_args(request.args)
    except auditlog.AuditFilterError as error:
        flash(str(error.message), "error")
        return render_template("admin/audit.html", page=None,
                               filters=auditlog.AuditFilters(**auditlog.text_filters(request.args)),
                               actions=auditlog.known_actions(), action_label=auditlog.action_label,
                               raw=request.args), 400
    audit.record("export", "audit-log.csv", " ".join(f"{k}={v}" for k, v in filters.as_args().items()))
    db.session.commit()
    statement = auditlog.query(filters, current_user.timezone).execution_options(yield_per=500)

    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(auditlog.CSV_COLUMNS)
        yield "\ufeff" + out.getvalue()
        for event, email in db.session.execute(statement):
            out.seek(0)
            out.truncate()
            writer.writerow(auditlog.csv_row(event, email))
            yield out.getvalue()

    return Response(stream_with_context(rows()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=matchapp-audit-log.csv",
                             "Cache-Control": "no-store"})
