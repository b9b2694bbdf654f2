"""Fill Japanese translations for new catalog entries from a JSON file {msgid: msgstr}.

Usage: python tools/fill_translations.py new.json  (then `pybabel compile`).
Prints the entries still untranslated.
"""
import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "matchapp/translations/ja/LC_MESSAGES/messages.po"


def main(path: str | None) -> None:
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    new = json.load(open(path, encoding="utf-8")) if path else {}
    for message in catalog:
        if message.id and not message.string and message.id in new:
            message.string = new[message.id]
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    for message_id in missing:
        print(json.dumps(message_id, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
