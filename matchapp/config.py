"""Configuration read from the environment, with safe development defaults."""
import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
WEAK_SECRETS = {"", "dev", "secret", "changeme", "development-only-secret"}


class ConfigError(RuntimeError):
    """Raised when the environment cannot give a safe configuration."""


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'matchapp.sqlite3'}"


def switched_on(environ, name: str) -> bool:
    """A yes/no setting: 1, true or yes (any case) switch it on."""
    return environ.get(name, "").strip().lower() in ("1", "true", "yes")


def from_environment(environ=os.environ) -> dict:
    """Build the Flask config mapping; refuse an unsafe production setup."""
    env = environ.get("MATCHAPP_ENV", "development")
    secret = environ.get("SECRET_KEY", "")
    if env == "production":
        if secret in WEAK_SECRETS or len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "when MATCHAPP_ENV=production"
            )
        if environ.get("FLASK_DEBUG", "0") not in ("", "0", "false", "False"):
            raise ConfigError("debug mode is not allowed when MATCHAPP_ENV=production")
    redis_url = environ.get("REDIS_URL", "")
    limiter_storage = environ.get("RATELIMIT_STORAGE_URI") or redis_url
    if env == "production" and not limiter_storage:
        # Counters in memory are per process: with several workers each one allows the full limit.
        raise ConfigError("set REDIS_URL (or RATELIMIT_STORAGE_URI) so that all workers share one login limit; "
                          "RATELIMIT_STORAGE_URI=memory:// says explicitly that one worker process is enough")
    return {
        "MATCHAPP_ENV": env,
        "SECRET_KEY": secret or "development-only-secret",
        "SQLALCHEMY_DATABASE_URI": environ.get("DATABASE_URL") or default_database_url(),
        # pre-ping: a connection dropped by a PostgreSQL restart is replaced, not handed to a request.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": int(environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000")),
        "MAIL_SERVER": environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": environ.get("MAIL_FROM", "MatchApp <matchapp@localhost>"),
        "MAIL_USE_TLS": switched_on(environ, "MAIL_USE_TLS"),  # STARTTLS
        "MAIL_USE_SSL": switched_on(environ, "MAIL_USE_SSL"),  # implicit TLS (465)
        "MAIL_USERNAME": environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD"),
        "MAIL_CA_FILE": environ.get("MAIL_CA_FILE"),  # a private CA for the mail server's certificate
        "PUBLIC_URL": environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "INTRODUCTION_EXPIRY_DAYS": int(environ.get("INTRODUCTION_EXPIRY_DAYS", "14")),
        "INTRODUCTION_REMINDER_DAYS": int(environ.get("INTRODUCTION_REMINDER_DAYS", "3")),
        "ATTACHMENT_MAX_BYTES": 2 * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": limiter_storage or "memory://",
        # Background jobs go to this Redis (RQ); without it they run in-process after the commit.
        "REDIS_URL": redis_url,
        # A job running longer is stopped and retried (imports and a whole rematch are the long ones).
        "JOB_TIMEOUT": int(environ.get("JOB_TIMEOUT", "1800")),
        # Bearer token for GET /metrics (Prometheus); unset: only logged-in admins may read it.
        "METRICS_TOKEN": environ.get("METRICS_TOKEN", ""),
        "LOG_FORMAT": environ.get("LOG_FORMAT", "json" if env == "production" else "text"),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(environ.get("REMEMBER_DAYS", "14"))),
        # A login ends after this long without a request, and in any case this long after logging in.
        "SESSION_IDLE_MINUTES": int(environ.get("SESSION_IDLE_MINUTES", "120")),
        "SESSION_MAX_HOURS": int(environ.get("SESSION_MAX_HOURS", "12")),
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["en", "ja"],
        # Owners are reminded to confirm a listing after FRESH days; after FRESH + GRACE it is stale.
        "LISTING_FRESH_DAYS": int(environ.get("LISTING_FRESH_DAYS", "365")),
        "LISTING_GRACE_DAYS": int(environ.get("LISTING_GRACE_DAYS", "30")),
        "UPLOAD_MAX_ROWS": 5000,
        # Listings per import from the web page (see docs/security.md for the measurement behind it).
        "WEB_IMPORT_MAX_LISTINGS": int(environ.get("WEB_IMPORT_MAX_LISTINGS", "500")),
        "PASSWORD_RESET_MAX_AGE": int(environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "EMAIL_CONFIRM_MAX_AGE": int(environ.get("EMAIL_CONFIRM_MAX_AGE", str(3 * 24 * 3600))),
        # Sign-ups per client address and hour.
        "REGISTRATION_LIMIT": environ.get("REGISTRATION_LIMIT", "5 per hour"),
        "API_TOKEN_DAYS": int(environ.get("API_TOKEN_DAYS", "365")),
        "TRUSTED_PROXY_COUNT": int(environ.get("TRUSTED_PROXY_COUNT", "0")),
        # A folder for the matching index snapshot a new process starts from; empty: build from the database.
        "MATCHING_INDEX_CACHE": environ.get("MATCHING_INDEX_CACHE", str(INSTANCE_DIR / "matching-index")),
    }
