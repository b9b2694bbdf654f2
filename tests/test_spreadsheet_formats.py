"""Excel workbooks both ways, and CSV from Japanese Excel (CP932): typed cells, Japanese intact, the same
preview and row-by-row errors as UTF-8 CSV, formulas never run."""
import io
import re
import shutil
import subprocess
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from matchapp import demo
from matchapp.models import Technology

from . import factories
from .test_spreadsheet import upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def costed_technology(users, db, ref="costed", title="Biogas plant"):
    technology = factories.technology(users["company"].company, ref=ref, title=title)
    technology.cost_min, technology.cost_max, technology.co2_reduction_t = 1_500_000, 2_000_000, 120.5
    db.session.commit()
    return technology


def workbook_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_ref(rows: list[list]) -> dict:
    header = rows[0]
    return {row[0]: dict(zip(header, row)) for row in rows[1:]}


def test_the_excel_export_has_typed_cells_and_japanese_and_never_a_formula(client, auth, db, users):
    demo.load()
    costed_technology(users, db, ref="formula", title='=HYPERLINK("http://evil")')
    auth.login("coordinator@example.com")
    response = client.get("/listings/export/technologies.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "matchapp-technologies.xlsx" in response.headers["Content-Disposition"]
    rows = by_ref(workbook_rows(response.data))
    costed = rows["formula"]
    assert (costed["cost_min"], costed["cost_max"], costed["co2_reduction_t"]) == (1_500_000, 2_000_000, 120.5)
    assert isinstance(costed["cost_min"], int) and costed["cost_currency"] == "JPY"
    assert isinstance(costed["confirmed_at"], datetime) and costed["confirmed_at"].microsecond == 0
    assert any("廃液からのエネルギー回収" in (row["title"] or "") + (row["title_alt"] or "") for row in rows.values())
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    formula_cell = next(row[2] for row in sheet.iter_rows() if row[0].value == "formula")
    assert formula_cell.data_type == "s" and formula_cell.value == '=HYPERLINK("http://evil")'


def test_an_exported_workbook_reimports_unchanged(client, auth, db, users):
    demo.load()
    costed_technology(users, db)
    auth.login("coordinator@example.com")
    before = client.get("/listings/export/technologies.xlsx").data
    response = upload(client, "technologies", before, "technologies.xlsx")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Read as: Excel workbook (.xlsx)" in page and "problem" not in page
    # every row says what is stored: none is new, none changes anything
    assert page.count("unchanged: not written again") == db.session.query(Technology).count()
    assert "update:" not in page and ">new<" not in page
    assert client.post(response.headers["Location"]).status_code == 303
    assert workbook_rows(client.get("/listings/export/technologies.xlsx").data) == workbook_rows(before)


def test_a_workbook_edited_in_excel_updates_listings_and_bad_cells_are_reported_by_row(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    book = load_workbook(io.BytesIO(client.get("/listings/export/technologies.xlsx").data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    solar_row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "kanmon-rooftop-solar")
    solar_row[header.index("title")].value = "屋根置き太陽光（工場・学校）"
    solar_row[header.index("cost_max")].value = 90_000_000
    edited = io.BytesIO()
    book.save(edited)
    location = upload(client, "technologies", edited.getvalue(), "edited.xlsx").headers["Location"]
    assert "屋根置き太陽光（工場・学校）" in client.get(location).get_data(as_text=True)
    client.post(location)
    solar = db.session.scalar(select(Technology).where(Technology.ref == "kanmon-rooftop-solar"))
    assert (solar.title, solar.cost_max) == ("屋根置き太陽光（工場・学校）", 90_000_000)

    bad = Workbook()
    bad.active.append(["ref", "company", "title", "cost_min", "sectors"])
    bad.active.append(["xl-good", "daiseki", "Good row", 100, "waste"])
    bad.active.append(["xl-bad", "daiseki", "Bad number", "lots", "waste"])
    bad.active.append(["xl-worse", "daiseki", "Bad sector", None, "solr"])
    out = io.BytesIO()
    bad.save(out)
    count = db.session.query(Technology).count()
    location = upload(client, "technologies", out.getvalue(), "bad.xlsx").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "row 3 ref=xl-bad: &#39;cost_min&#39; must be a number" in page
    assert "row 4 ref=xl-worse: unknown sector &#39;solr&#39;" in page
    assert client.post(location).status_code == 400 and db.session.query(Technology).count() == count


def test_a_file_that_only_looks_like_a_workbook_is_explained(client, auth, db, users):
    auth.login("coordinator@example.com")
    response = upload(client, "technologies", b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert response.status_code == 400
    assert "The file is not an Excel workbook that can be read" in response.get_data(as_text=True)
    workbook = io.BytesIO()
    Workbook().save(workbook)
    as_bundle = upload(client, "bundle", workbook.getvalue(), "listings.xlsx")
    assert as_bundle.status_code == 400
    assert "This looks like an Excel workbook, not a bundle" in as_bundle.get_data(as_text=True)


def test_csv_saved_by_japanese_excel_in_cp932_imports_with_its_encoding_shown(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    csv_text = "ref,company,title,language,sectors\r\nsjis-one,daiseki,廃プラスチック油化装置,ja,waste\r\n"
    response = upload(client, "technologies", csv_text.encode("cp932"), "一覧.csv")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Read as: Shift_JIS text (CP932, Japanese Excel’s “CSV”)" in page
    assert "廃プラスチック油化装置" in page
    client.post(response.headers["Location"])
    assert db.session.scalar(select(Technology.title).where(Technology.ref == "sjis-one")) == "廃プラスチック油化装置"


def test_csv_times_have_no_microseconds_and_an_empty_cost_has_no_currency(client, auth, db, users):
    factories.technology(users["company"].company, ref="no-cost")
    auth.login("coordinator@example.com")
    lines = client.get("/listings/export/technologies.csv").data.decode("utf-8-sig").splitlines()
    row = dict(zip(lines[0].split(","), lines[1].split(",")))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["confirmed_at"])
    assert row["cost_min"] == row["cost_max"] == row["cost_currency"] == ""


def test_libreoffice_opens_the_exported_workbook_with_typed_cells(client, auth, db, users, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (Debian's libreoffice-calc-nogui) is part of the test setup"
    demo.load()
    costed_technology(users, db)
    auth.login("coordinator@example.com")
    (tmp_path / "technologies.xlsx").write_bytes(client.get("/listings/export/technologies.xlsx").data)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "fods", "--outdir", str(tmp_path), str(tmp_path / "technologies.xlsx")],
                   check=True, capture_output=True, timeout=120)
    flat = (tmp_path / "technologies.fods").read_text(encoding="utf-8")
    assert re.search(r'office:value-type="float" office:value="\d+"', flat)  # costs are numbers
    assert re.search(r'office:value-type="date" office:date-value="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"', flat)
    assert "廃液からのエネルギー回収" in flat


def test_row_problems_are_written_in_the_readers_language_and_in_row_order(client, auth, db, users):
    demo.load()
    coordinator = users["coordinator"]
    coordinator.language = "ja"
    db.session.commit()
    auth.login("coordinator@example.com")
    csv_text = ("ref,company,title,sectors,cost_min\n"
                "jp-good,daiseki,良い行,waste,100\n"
                "jp-number,daiseki,数値でない,waste,たくさん\n"
                "jp-sector,daiseki,分野違い,solr,\n")
    location = upload(client, "technologies", csv_text.encode("utf-8")).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    number = page.index("3 行目 ref=jp-number: &#39;cost_min&#39; は数値にしてください")
    sector = page.index("4 行目 ref=jp-sector: 不明な分野 &#39;solr&#39;</li>")
    assert number < sector
    assert "must be a number" not in page and "unknown sector" not in page
