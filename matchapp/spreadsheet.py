"""CSV round-trip of listings for coordinators' spreadsheets (UTF-8 with BOM for Excel).

Columns follow the bundle fields; lists are separated by ';', deliveries are
written 'VN|Hai Phong|2019'. Rows become bundle entries, so the bundle's
validation and all-or-nothing import apply unchanged.
"""
import csv
import io
import re

from sqlalchemy import select

from .bundle import MODELS, SPECS, export_entry
from .extensions import db

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_KINDS = ("sectors", "countries", "names", "funding")


class SpreadsheetError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def neutralise(text: str) -> str:
    """Stop spreadsheet programs from running cell text as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind in LIST_KINDS:
        return "; ".join(value)
    if kind == "deliveries":
        return "; ".join(f"{d['country']}|{d['city']}|{d['year'] or ''}" for d in value)
    if kind == "bool":
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return neutralise(str(value))


def export_csv(section: str) -> str:
    """All listings of `section` as CSV text starting with a BOM."""
    model = MODELS[section]
    out = io.StringIO()
    writer = csv.writer(out)
    fields = list(SPECS[section])
    writer.writerow(fields)
    for listing in db.session.scalars(select(model).order_by(model.ref)):
        entry = export_entry(section, listing)
        writer.writerow([cell(entry[f], SPECS[section][f][1]) for f in fields])
    return "\ufeff" + out.getvalue()


def parse_cell(text: str, key: str, kind: str):
    """A cell's value in bundle terms; ValueError with a readable message when it cannot be."""
    text = restore(text.strip())
    if kind in LIST_KINDS:
        return [item.strip() for item in re.split(r"[;；]", text) if item.strip()]
    if kind == "deliveries":
        deliveries = []
        for item in (i.strip() for i in text.split(";")):
            if item:
                country, city, year = (item.split("|") + ["", ""])[:3]
                year = year.strip()
                if year and not year.isdigit():
                    raise ValueError(f"'{key}': year '{year}' is not a number")
                deliveries.append({"country": country.strip(), "city": city.strip(), "year": int(year) if year else None})
        return deliveries
    if kind == "bool":
        if text.lower() not in ("yes", "no", "true", "false", "1", "0", ""):
            raise ValueError(f"'{key}' must be yes or no")
        return text.lower() in ("yes", "true", "1")
    if kind in ("amount", "number"):
        if not text:
            return None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"'{key}' must be a number")
        return int(number) if kind == "amount" and number.is_integer() else number
    if kind in ("enum", "datetime", "timezone") and not text:
        return None
    return text


def parse_csv(section: str, data: bytes, max_rows: int) -> tuple[dict, list[int], list[str]]:
    """The bundle {section: [entries]} in CSV bytes, each entry's row number, and cell problems by row.

    SpreadsheetError is raised only for problems with the file as a whole.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(["the file is not UTF-8 text; save it as 'CSV UTF-8' and upload again"])
    reader = csv.DictReader(io.StringIO(text))
    spec = SPECS[section]
    header = reader.fieldnames or []
    errors = [f"unknown column '{name}'" for name in header if name not in spec]
    errors += [f"missing column '{name}'" for name, s in spec.items() if s[0] and name not in header]
    if errors:
        raise SpreadsheetError(errors)
    entries = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise SpreadsheetError([f"the file has more than {max_rows} rows"])
        if not any((value or "").strip() for value in row.values()):
            continue
        entry = {}
        for key, text in row.items():
            if key is None:
                errors.append(f"row {number}: more cells than columns")
                continue
            if text is None:
                continue  # a short row: the missing cells are simply not given
            try:
                value = parse_cell(text or "", key, spec[key][1])
            except ValueError as error:
                errors.append(f"row {number} ref={row.get('ref')}: {error}")
                continue
            if value is not None or spec[key][1] in ("amount", "number"):
                entry[key] = value
        entries.append((number, entry))
    return {section: [entry for _, entry in entries]}, [number for number, _ in entries], errors


def row_errors(section: str, bundle_errors: list[str], rows: list[int]) -> list[str]:
    """Bundle messages ('technologies[3] ref=x: ...') restated by spreadsheet row."""
    restated = []
    for message in bundle_errors:
        match = re.match(rf"^{section}\[(\d+)\]", message)
        restated.append(f"row {rows[int(match.group(1))]}{message[match.end():]}" if match else message)
    return restated


def row_number(message: str) -> int:
    """Sort key that puts problems in row order."""
    match = re.match(r"^row (\d+)", message)
    return int(match.group(1)) if match else 0
