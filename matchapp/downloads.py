"""File downloads: the name in any script (RFC 6266 / 5987), and never kept in a shared cache."""
import io

from flask import send_file


def download(data: bytes | str, name: str, mimetype: str = "application/octet-stream"):
    """A response that saves `data` as `name`.

    Werkzeug writes an ASCII `filename` and, for a name such as 資料.pdf, `filename*=UTF-8''...`;
    a raw non-Latin-1 name in the header is a 500 under gunicorn, a `"` breaks it.
    """
    body = data.encode("utf-8") if isinstance(data, str) else data
    response = send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name or "attachment",
                         conditional=False, etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
