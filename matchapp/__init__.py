"""MatchApp: business matching for city-to-city climate cooperation."""
from flask import Flask

from . import config as config_module
from .extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides values read from the environment."""
    app = Flask(__name__, template_folder="../templates", static_folder="static",
                instance_path=str(config_module.INSTANCE_DIR))
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    from . import logs
    if not app.testing:
        logs.configure(app)
    trust_proxies(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    register_jobs(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT reverse proxies, take the client's address, scheme and host from their
    X-Forwarded-* headers (Werkzeug's ProxyFix); with none (the default) those headers are ignored."""
    count = app.config.get("TRUSTED_PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def register_extensions(app: Flask) -> None:
    from . import i18n
    from .accounts.auth import enforce_session_lifetimes, load_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.INSTANCE_DIR.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = i18n.LOGIN_REQUIRED_MESSAGE
    login_manager.login_message_category = "info"
    app.before_request(enforce_session_lifetimes)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .database import enable_sqlite_pragmas
        with app.app_context():
            enable_sqlite_pragmas(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def register_url_converters(app: Flask) -> None:
    """<int:...> in every route accepts only ids the database can hold (others are a 404, not a 500)."""
    from werkzeug.routing import IntegerConverter

    from .formkit import MAX_ID

    class DatabaseId(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseId


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin import load_views as load_admin
    from .api.views import bp as api_bp
    from .api import meetings as _api_meetings  # noqa: F401  (its routes join api_bp)
    from .events.views import bp as events_bp
    from .workspace.blueprint import load_views as load_workspace
    from .introductions.views import bp as introductions_bp
    from .listings.blueprint import load_views
    from .main.views import bp as main_bp
    from .matching.views import bp as matching_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(load_views())
    app.register_blueprint(matching_bp)
    app.register_blueprint(introductions_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(load_workspace())
    app.register_blueprint(api_bp)
    app.register_blueprint(load_admin())


def register_errorhandlers(app: Flask) -> None:
    from .errors import register
    register(app)


def register_security_headers(app: Flask) -> None:
    from . import input_guard, security
    security.register(app)
    input_guard.register(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import register
    register(app)


def register_jobs(app: Flask) -> None:
    from . import jobs, operations
    jobs.register(app)
    operations.register(app)


def register_commands(app: Flask) -> None:
    from .cli import register
    register(app)
