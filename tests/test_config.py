"""Configuration comes from the environment and refuses unsafe production settings."""
import pytest

from matchapp.config import ConfigError, from_environment


def test_development_defaults_to_sqlite_under_instance():
    config = from_environment({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/matchapp.sqlite3")


def test_database_url_is_taken_from_the_environment():
    url = "postgresql+psycopg://user:pw@db.example/matchapp"
    assert from_environment({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == url


@pytest.mark.parametrize("secret", [None, "", "dev", "short-secret"])
def test_production_refuses_to_start_without_a_strong_secret_key(secret):
    environ = {"MATCHAPP_ENV": "production"}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(environ)


def test_production_refuses_debug_mode():
    with pytest.raises(ConfigError, match="debug"):
        from_environment({"MATCHAPP_ENV": "production", "SECRET_KEY": "x" * 40, "FLASK_DEBUG": "1"})


PRODUCTION = {"MATCHAPP_ENV": "production", "SECRET_KEY": "x" * 40, "REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_production_refuses_login_limits_kept_in_one_process_unless_told_explicitly():
    with pytest.raises(ConfigError, match="REDIS_URL"):
        from_environment({"MATCHAPP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert from_environment(PRODUCTION)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    single = from_environment({"MATCHAPP_ENV": "production", "SECRET_KEY": "x" * 40,
                               "RATELIMIT_STORAGE_URI": "memory://"})
    assert single["RATELIMIT_STORAGE_URI"] == "memory://"
    assert from_environment({})["RATELIMIT_STORAGE_URI"] == "memory://"  # development: one process


def test_production_with_a_strong_secret_uses_secure_cookies():
    config = from_environment(PRODUCTION)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
