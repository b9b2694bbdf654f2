"""The MatchApp WSGI app plus two reference pages, served by the same gunicorn set-up in bench/load.py.

- /_bench/trivial: a Flask view returning a constant (the framework's ceiling);
- /_bench/rows: 20 rows read through Flask-SQLAlchemy and rendered by a small Jinja template.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import render_template_string  # noqa: E402
from sqlalchemy import select  # noqa: E402

from matchapp import create_app  # noqa: E402
from matchapp.extensions import db  # noqa: E402
from matchapp.models import Technology  # noqa: E402

ROWS_TEMPLATE = """<!doctype html><title>20 rows</title><table>
{% for t in rows %}<tr><td>{{ t.ref }}</td><td>{{ t.title }}</td><td>{{ t.status }}</td></tr>{% endfor %}
</table>"""

app = create_app()


@app.route("/_bench/trivial")
def trivial():
    return "ok"


@app.route("/_bench/rows")
def rows():
    technologies = db.session.scalars(select(Technology).order_by(Technology.id).limit(20)).all()
    return render_template_string(ROWS_TEMPLATE, rows=technologies)
