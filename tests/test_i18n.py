"""Every user-visible string in the code and templates has a Japanese translation."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "matchapp" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"


def source_messages() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    found = set()
    for method_map in ([("matchapp/**.py", "python")], [("templates/**.html", "jinja2")]):
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT), method_map=method_map, keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_in_the_source_is_translated_into_japanese():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id[0] if m.pluralizable else m.id for m in catalog
                  if m.id and all(m.string if m.pluralizable else [m.string]) and "fuzzy" not in m.flags}
    missing = sorted(source_messages() - translated)
    assert missing == [], "untranslated (run pybabel extract/update, then translate): %s" % missing


def test_japanese_dashboard_has_no_english_leftovers(client, auth, users):
    auth.login("firm@example.com")
    client.post("/language", data={"language": "ja", "next": "/dashboard"})
    page = client.get("/dashboard").get_data(as_text=True)
    for text in ("ダッシュボード", "自社の技術", "ログアウト", "件の技術"):
        assert text in page
    for text in ("Dashboard", "Your technologies", "Log out", "technologies</div>"):
        assert text not in page


def test_form_errors_are_translated(client, db):
    client.post("/language", data={"language": "ja", "next": "/"})
    response = client.post("/account/register", data={"role": "company", "email": "bad", "password": "x",
                                                      "confirm": "y", "organisation_name": ""})
    page = response.get_data(as_text=True)
    assert "有効なメールアドレスを入力してください。" in page
    assert "2つのパスワードが一致しません。" in page
    assert "This field is required." not in page


def test_templates_follow_force_locale_although_the_catalog_is_cached_per_request(app):
    from flask import render_template_string
    from flask_babel import force_locale
    page = "{{ _('Log in') }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "Log in"
        with force_locale("ja"):
            assert render_template_string(page) == "ログイン"
        assert render_template_string(page) == "Log in"
