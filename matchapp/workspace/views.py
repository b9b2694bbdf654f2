"""Workspace pages: ad hoc JCM screening."""
from flask import render_template, request

from .. import jcm
from ..accounts.auth import roles_required
from .blueprint import bp


@bp.route("/jcm")
@roles_required("coordinator", "admin", "company", "city")
def screening():
    """Screen a project idea against the JCM rules in force; the numbers stay in the URL."""
    result = error = None
    status = 200
    if request.args:
        try:
            result = jcm.screen(jcm.ScreeningInput.parse(request.args))
        except jcm.ScreeningError as problem:
            error, status = problem, 400
    return render_template("workspace/jcm.html", result=result, error=error, args=request.args), status
