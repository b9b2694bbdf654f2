"""Log lines that carry the request id, as JSON in production (one object per line).

LOG_FORMAT=json (the default when MATCHAPP_ENV=production) or text. Every line from the
app, SQLAlchemy or a job says which request it belongs to (`request_id`; empty outside
a request), the same id the response's X-Request-ID header and the error page show.
"""
import logging
import sys

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from .errors import request_id
        record.request_id = request_id()
        return True


def configure(app: Flask) -> None:
    """Send every log line (the app's, libraries', jobs') to stderr in the configured format, once."""
    root = logging.getLogger()
    if any(getattr(handler, "matchapp", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.matchapp = True
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers.clear()  # Flask's own handler would print every line a second time
    app.logger.propagate = True
