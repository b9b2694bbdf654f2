# MatchApp's image: slim Python, the pinned environment, run as an unprivileged user.
# The same image serves the web (gunicorn), runs the worker and the scheduler, and migrates.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MATCHAPP_ENV=production \
    FLASK_APP=wsgi

WORKDIR /app
COPY requirements.txt requirements-model.txt ./
COPY tools/install-env.sh tools/
RUN sh tools/install-env.sh python

COPY . .
RUN pybabel compile -d matchapp/translations \
    && useradd --create-home --uid 10001 matchapp \
    && mkdir -p instance && chown matchapp instance

USER matchapp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "wsgi:app"]
