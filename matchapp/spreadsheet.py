"""Spreadsheet round-trip of listings (CSV and Excel .xlsx), and tables for download.

Columns follow the bundle fields; lists are separated by ';', deliveries are
written 'VN|Hai Phong|2019'. An uploaded workbook is read into the same CSV text
as a CSV upload, so both get the same preview and row-by-row errors; rows become
bundle entries, so the bundle's validation and all-or-nothing import apply unchanged.
CSV is read as UTF-8 or, failing that, as CP932 (Japanese Excel's "CSV (カンマ区切り)").
"""
import csv
import io
import re
import zipfile
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select

from .bundle import MODELS, SPECS, export_entry
from .downloads import download
from .extensions import db
from .models.base import as_utc

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_START = b"PK\x03\x04"

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


# Which amounts a currency is the currency of: with neither amount, the currency says nothing.
CURRENCY_OF = {"cost_currency": ("cost_min", "cost_max"), "budget_currency": ("budget_min", "budget_max")}


def listing_value(entry: dict, key: str, kind: str):
    """A bundle field as a spreadsheet holds it: lists as text, numbers as numbers, times as datetimes."""
    value = entry[key]
    if value is None or (key in CURRENCY_OF and all(entry[amount] is None for amount in CURRENCY_OF[key])):
        return None
    if kind in LIST_KINDS:
        return "; ".join(value)
    if kind == "deliveries":
        return "; ".join(f"{d['country']}|{d['city']}|{d['year'] or ''}" for d in value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "datetime":
        return datetime.fromisoformat(value).replace(microsecond=0)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def csv_text(value) -> str:
    """A typed value as CSV cell text: times in ISO 8601 to the second, text safe from formulas."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2400, as the workbook shows it, not 2400.0
    return neutralise(value) if isinstance(value, str) else str(value)


def listing_table(section: str) -> tuple[list[str], list[list]]:
    """The header (bundle field names) and one typed row per listing of `section`, by ref."""
    model, spec = MODELS[section], SPECS[section]
    rows = []
    for listing in db.session.scalars(select(model).order_by(model.ref)):
        entry = export_entry(section, listing)
        rows.append([listing_value(entry, key, kind[1]) for key, kind in spec.items()])
    return list(spec), rows


def table_csv(header: list[str], rows) -> str:
    """CSV text starting with a BOM, so that Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_text(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()


def table_xlsx(header: list[str], rows, sheet: str) -> bytes:
    """An Excel workbook of one sheet with typed cells: numbers, dates, and text that is never a formula."""
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:
        worksheet.append([xlsx_cell(worksheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_cell(worksheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(worksheet, as_utc(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"  # UTC: Excel has no time zones
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(worksheet, value)
        cell.data_type = "s"  # openpyxl would store '=...' as a formula; a string cell is only shown
        return cell
    return value


def table_download(header: list[str], rows, name: str, fmt: str):
    """The table as a .csv or .xlsx download named matchapp-<name>."""
    if fmt == "xlsx":
        return download(table_xlsx(header, rows, name), f"matchapp-{name}.xlsx", XLSX_TYPE)
    return download(table_csv(header, rows), f"matchapp-{name}.csv", "text/csv")  # Werkzeug adds the charset


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
                    raise ValueError(_("'%(field)s': year '%(year)s' is not a number", field=key, year=year))
                deliveries.append({"country": country.strip(), "city": city.strip(), "year": int(year) if year else None})
        return deliveries
    if kind == "bool":
        if text.lower() not in ("yes", "no", "true", "false", "1", "0", ""):
            raise ValueError(_("'%(field)s' must be yes or no", field=key))
        return text.lower() in ("yes", "true", "1")
    if kind in ("amount", "number"):
        if not text:
            return None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(_("'%(field)s' must be a number", field=key))
        return int(number) if kind == "amount" and number.is_integer() else number
    if kind in ("enum", "datetime", "timezone") and not text:
        return None
    return text


def read_upload(data: bytes, kind: str, max_rows: int) -> tuple[str, str]:
    """The text of an uploaded file and how it was read ("UTF-8", "CP932" or "xlsx").

    A workbook becomes CSV text; SpreadsheetError (translated) when the file is none of these.
    """
    if data.startswith(ZIP_START):
        if kind == "bundle":
            raise SpreadsheetError([_("This looks like an Excel workbook, not a bundle: choose Technologies or Needs "
                                      "as what the file holds, or upload the bundle as JSON.")])
        return xlsx_as_csv(data, max_rows), "xlsx"
    for encoding, name in (("utf-8-sig", "UTF-8"), ("cp932", "CP932")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and (name == "UTF-8" or kind != "bundle"):
            return text, name
    raise SpreadsheetError([_("The file is not UTF-8 or Shift_JIS (CP932) text, nor an Excel workbook: save it as "
                              "“CSV UTF-8”, “CSV (カンマ区切り)” or .xlsx (a bundle as JSON in UTF-8) and upload it again.")])


def xlsx_as_csv(data: bytes, max_rows: int) -> str:
    """The first sheet of a workbook as CSV text: what each cell shows, typed values written as on export."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out)
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows + 1:
                break  # parse_csv reports the file as too long
            writer.writerow([excel_text(value) for value in row])
        book.close()
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError):
        raise SpreadsheetError([_("The file is not an Excel workbook that can be read: save it again as .xlsx, "
                                  "or as CSV, and upload it again.")])
    return out.getvalue()


def excel_text(value) -> str:
    """A cell's value as CSV text; a time without a zone is UTC, as on export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return csv_text(as_utc(value).replace(microsecond=0))
    if isinstance(value, date):
        return value.isoformat()
    return csv_text(value)  # which writes 2400.0 as 2400


def parse_csv(section: str, text: str, max_rows: int) -> tuple[dict, list[int], list[str]]:
    """The bundle {section: [entries]} in CSV text, each entry's row number, and cell problems by row.

    SpreadsheetError is raised only for problems with the file as a whole.
    """
    reader = csv.DictReader(io.StringIO(text))
    spec = SPECS[section]
    header = reader.fieldnames or []
    errors = [_("unknown column '%(column)s'", column=name) for name in header if name not in spec]
    errors += [_("missing column '%(column)s'", column=name) for name, s in spec.items() if s[0] and name not in header]
    if errors:
        raise SpreadsheetError(errors)
    entries = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise SpreadsheetError([_("the file has more than %(n)d rows", n=max_rows)])
        if not any((value or "").strip() for value in row.values()):
            continue
        entry = {}
        for key, text in row.items():
            if key is None:
                errors.append(_("row %(row)d: more cells than columns", row=number))
                continue
            if text is None:
                continue  # a short row: the missing cells are simply not given
            try:
                value = parse_cell(text or "", key, spec[key][1])
            except ValueError as error:
                errors.append(_("row %(row)d ref=%(ref)s: %(problem)s", row=number, ref=row.get("ref"), problem=error))
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
        restated.append(_("row %(row)d%(rest)s", row=rows[int(match.group(1))], rest=message[match.end():])
                        if match else message)
    return restated


def row_number(message: str) -> int:
    """Sort key that puts problems in row order (in English or in Japanese, see row_errors)."""
    match = re.match(r"^(?:row (\d+)|(\d+) 行目)", message)
    return int(match.group(1) or match.group(2)) if match else 0
