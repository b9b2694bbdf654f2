"""HTTP security headers on every response: a CSP without inline script, no framing, no sniffing,
and no caching of anything shown to a logged-in user or an API token holder."""
from flask import Flask, g, request
from flask_login import current_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def register(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and (g.get("api_user") is not None or current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"  # a shared or back-button cache must not keep it
        if app.config.get("MATCHAPP_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
