"""Registration, login, logout and profile, as a user meets them."""
import re
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from matchapp.models import City, Company, Technology, User

from .factories import PASSWORD
from .mailserver import start_server, wait_for
from .test_listings import technology_form


def registration(**overrides):
    data = {"role": "company", "email": "new@firm.example", "password": PASSWORD, "confirm": PASSWORD,
            "organisation_name": "Hibiki Energy", "organisation_name_ja": "響エネルギー",
            "home_city": "Kitakyushu", "country": "", "language": "ja"}
    data.update(overrides)
    return data


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def mailed_link(messages, pattern=r"https?://[^/\s]+(/account/confirm/\S+)"):
    body = message_from_bytes(messages[0].content, policy=policy.default).get_body(("plain",)).get_content()
    found = re.search(pattern, body)
    return found.group(1) if found else body


def register_and_read_mail(client, smtp_port, **overrides):
    controller, inbox = start_server(smtp_port)
    try:
        response = client.post("/account/register", data=registration(**overrides))
        messages = wait_for(inbox)
    finally:
        controller.stop()
    return response, messages


def test_company_registration_creates_the_firm_and_mails_a_link_that_confirms_and_logs_in(
        app_config_with_mail, smtp_port, client, db):
    response, messages = register_and_read_mail(client, smtp_port)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "new@firm.example" in page  # "check your inbox", in Japanese
    assert client.get("/dashboard").status_code == 302  # not logged in before the address is confirmed
    user = db.session.scalar(select(User).where(User.email == "new@firm.example"))
    assert user.role == "company" and user.company.name == "Hibiki Energy" and user.email_verified_at is None
    assert user.company.home_city == "Kitakyushu" and user.language == "ja"
    assert len(messages) == 1 and messages[0].rcpt_tos == ["new@firm.example"]

    link = mailed_link(messages)
    assert client.get(link).status_code == 200  # a button: opening the link alone confirms nothing
    db.session.refresh(user)
    assert user.email_verified_at is None
    dashboard = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "響エネルギー" in dashboard  # logged in, dashboard in Japanese names the firm
    db.session.refresh(user)
    assert user.email_verified_at is not None
    again = client.post(link, follow_redirects=True)
    assert "not valid or was already used" in again.get_data(as_text=True) or again.request.path == "/dashboard"


def test_registering_an_address_that_has_an_account_mails_its_owner_and_answers_the_same(
        app_config_with_mail, smtp_port, client, db, users):
    new_response, _mail = register_and_read_mail(client, smtp_port, email="someone.new@example.com",
                                                 language="en")
    taken_response, messages = register_and_read_mail(client, smtp_port, email="FIRM@example.com",
                                                      language="en", organisation_name="Impostor KK")
    assert taken_response.status_code == new_response.status_code == 200
    def shown(response, address):
        """The page as a person reads it: their address, and the form tokens of the page, set aside."""
        page = response.get_data(as_text=True).replace(address, "ADDRESS")
        return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "TOKEN", page)

    assert shown(taken_response, "firm@example.com") == shown(new_response, "someone.new@example.com")
    assert count(db, Company) == 2  # the existing one and the new address's; no "Impostor KK"
    assert len(messages) == 1 and messages[0].rcpt_tos == ["firm@example.com"]
    assert "already has one" in mailed_link(messages, r"NO LINK PATTERN")
    assert "log in" in mailed_link(messages, r"NO LINK PATTERN")


def test_an_unconfirmed_account_keeps_drafts_but_cannot_publish(client, db, auth):
    client.post("/account/register", data=registration(language="en"))
    assert auth.login("new@firm.example").status_code == 302
    assert "Confirm your e-mail address" in client.get("/dashboard").get_data(as_text=True)
    response = client.post("/technologies/new", data=technology_form(),
                           follow_redirects=True)
    assert "Saved as a draft. Confirm your e-mail address before publishing" in response.get_data(as_text=True)
    technology = db.session.scalar(select(Technology))
    assert technology.status == "draft"
    refused = client.post(f"/technologies/{technology.ref}/publish", follow_redirects=True)
    assert "Confirm your e-mail address before publishing" in refused.get_data(as_text=True)
    db.session.refresh(technology)
    assert technology.status == "draft"


def test_the_city_registration_takes_the_country_and_its_time_zone(client, db):
    response = client.post("/account/register", data=registration(
        role="city", email="dnre@haiphong.example", organisation_name="Hai Phong DONRE",
        organisation_name_ja="", country="VN", language="en"))
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "dnre@haiphong.example"))
    assert user.city.country_code == "VN"
    assert user.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop1", "iloveyou2026"])
def test_common_passwords_are_refused_even_when_long_enough(client, db, password):
    response = client.post("/account/register", data=registration(language="en", password=password,
                                                                  confirm=password))
    assert response.status_code == 400
    assert "This password is too common or too easy to guess." in response.get_data(as_text=True)
    assert count(db, User) == 0


def test_sign_ups_from_one_address_are_limited(app_config):
    from matchapp import create_app
    from flask_migrate import upgrade
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True, REGISTRATION_LIMIT="3 per hour"))
    with app.app_context():
        upgrade()
        client = app.test_client()
        answers = [client.post("/account/register", data=registration(email=f"firm{n}@example.com",
                                                                       organisation_name=f"Firm {n}")).status_code
                   for n in range(5)]
        assert answers == [200, 200, 200, 429, 429]
        assert count(_db_of(app), Company) == 3
        _db_of(app).session.remove()


def _db_of(app):
    from matchapp.extensions import db
    return db


def test_passwords_are_stored_hashed(client, db):
    client.post("/account/register", data=registration())
    user = db.session.scalar(select(User))
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("overrides, message", [
    ({"email": "not-an-address"}, "Enter a valid e-mail address."),
    ({"password": "short", "confirm": "short"}, "Use at least 10 characters for the password."),
    ({"confirm": "something else entirely"}, "The two passwords do not match."),
    ({"role": "city", "country": ""}, "Choose a country."),
    ({"organisation_name": ""}, "This field is required."),
    ({"role": "admin"}, "Not a valid choice"),
])
def test_bad_registration_is_refused_with_a_message_and_writes_nothing(client, db, overrides, message):
    response = client.post("/account/register", data=registration(language="en", **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, User) == 0 and count(db, Company) == 0 and count(db, City) == 0


def test_registration_cannot_create_staff_accounts(client, db):
    client.post("/account/register", data=registration(role="coordinator"))
    assert count(db, User) == 0


def test_login_with_the_wrong_password_says_so(client, users):
    response = client.post("/account/login", data={"email": "firm@example.com", "password": "wrong password"})
    assert response.status_code == 401
    assert "The e-mail address or password is not correct." in response.get_data(as_text=True)


def test_login_logout_and_the_dashboard(client, auth, users):
    assert client.get("/dashboard").status_code == 302
    response = auth.login("Firm@Example.com")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Kanmon Solar" in page and "Your technologies" in page
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_logout_needs_a_post(client, auth, users):
    auth.login("firm@example.com")
    assert client.get("/account/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_a_deactivated_user_cannot_log_in(client, auth, db, users):
    users["company"].active = False
    db.session.commit()
    assert auth.login("firm@example.com").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_login_redirects_only_within_the_site(client, users, target):
    response = client.post("/account/login", query_string={"next": target},
                           data={"email": "firm@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_login_follows_a_local_next(client, users):
    response = client.post("/account/login", query_string={"next": "/account/profile"},
                           data={"email": "firm@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account/profile"


def test_profile_saves_language_and_time_zone(client, auth, db, users):
    auth.login("city@example.com")
    response = client.post("/account/profile", data={"name": "Nguyen", "language": "ja",
                                                      "timezone": "Asia/Ho_Chi_Minh", "submit": "1"})
    assert response.status_code == 302
    user = db.session.get(User, users["city"].id)
    assert (user.name, user.language, user.timezone) == ("Nguyen", "ja", "Asia/Ho_Chi_Minh")


def test_profile_refuses_an_unknown_time_zone(client, auth, db, users):
    auth.login("city@example.com")
    response = client.post("/account/profile", data={"language": "en", "timezone": "Mars/Olympus", "submit": "1"})
    assert response.status_code == 400
    assert db.session.get(User, users["city"].id).timezone == "Asia/Tokyo"


def test_password_change_needs_the_current_password(client, auth, db, users):
    auth.login("firm@example.com")
    response = client.post("/account/profile", data={
        "current_password": "not my password", "password": "a brand new password",
        "confirm": "a brand new password", "submit_password": "1"})
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = client.post("/account/profile", data={
        "current_password": PASSWORD, "password": "a brand new password",
        "confirm": "a brand new password", "submit_password": "1"})
    assert response.status_code == 302
    auth.logout()
    assert auth.login("firm@example.com").status_code == 401
    assert auth.login("firm@example.com", "a brand new password").status_code == 302


def test_forms_refuse_posts_without_a_csrf_token(app_config, db):
    from matchapp import create_app
    from flask.testing import FlaskClient
    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    response = FlaskClient(app, app.response_class).post("/account/register", data=registration())
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert count(db, User) == 0


def test_repeated_login_attempts_are_slowed_down(app_config, db, users):
    from matchapp import create_app
    app = create_app(dict(app_config, RATELIMIT_ENABLED=True))
    client = app.test_client()
    statuses = [client.post("/account/login", data={"email": "firm@example.com", "password": "guess"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    response = client.post("/account/login", data={"email": "firm@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_a_wrong_login_takes_as_long_for_an_unknown_address_as_for_a_known_one(client, users):
    """The password hash is checked either way, so the answer's timing does not tell who has an account."""
    import time
    from matchapp.models.accounts import dummy_password_hash
    dummy_password_hash()  # made once per process, not on the measured request

    def median_seconds(email):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            client.post("/api/v1/tokens", json={"email": email, "password": "wrong password here"})
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    known, unknown = median_seconds("firm@example.com"), median_seconds("nobody@example.com")
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_logins_are_throttled_per_account_too_and_proxies_are_trusted_only_when_configured(app_config, db, users):
    from sqlalchemy import select

    from matchapp import create_app
    from matchapp.models import AuditEvent
    client = create_app(dict(app_config, RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1)).test_client()

    def attempt(email, address, password="guess"):
        return client.post("/account/login", data={"email": email, "password": password},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("firm@example.com", f"203.0.113.{i}") for i in range(10)] == [401] * 10
    assert attempt("firm@example.com", "203.0.113.99") == 429  # a new address: the account is throttled
    assert attempt("city@example.com", "203.0.113.100", PASSWORD) == 302  # other users are not locked out
    addresses = set(db.session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "login_failed")))
    assert "203.0.113.5" in addresses and "127.0.0.1" not in addresses

    untrusting = create_app(dict(app_config, TRUSTED_PROXY_COUNT=0)).test_client()
    untrusting.post("/account/login", data={"email": "firm@example.com", "password": "guess"},
                    headers={"X-Forwarded-For": "198.51.100.1"})
    assert "198.51.100.1" not in set(db.session.scalars(select(AuditEvent.ip)))
