"""Coordinators' CSV round-trip and uploads with a preview: nothing is written until a valid file is confirmed."""
import io
import json

from sqlalchemy import func, select

from matchapp import demo
from matchapp.models import PendingUpload, Technology


def upload(client, kind, content: bytes, name="listings.csv"):
    return client.post("/listings/import", data={"kind": kind, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def technology_count(db):
    return db.session.scalar(select(func.count()).select_from(Technology))


def test_csv_export_opens_in_excel_with_japanese(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    response = client.get("/listings/export/technologies.csv")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode("utf-8"))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ref,company,title,description")
    assert "廃液からのエネルギー回収" in text


def test_export_edit_and_upload_updates_listings(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    text = client.get("/listings/export/technologies.csv").data.decode("utf-8-sig")
    text = text.replace("Rooftop solar PV for factories", "Rooftop solar PV for factories and schools")
    response = upload(client, "technologies", ("\ufeff" + text).encode("utf-8"))
    assert response.status_code == 303
    preview = client.get(response.headers["Location"])
    page = preview.get_data(as_text=True)
    assert "Rooftop solar PV for factories and schools" in page
    # the one row edited says what it changes; the others change nothing and are not written again
    assert page.count("update: title<") == 1
    unchanged = technology_count(db) - 1
    assert page.count("unchanged: not written again") == unchanged
    versions = dict(db.session.execute(select(Technology.ref, Technology.version)).all())
    # Nothing changed before the confirmation.
    assert db.session.scalar(select(Technology).where(Technology.ref == "kanmon-rooftop-solar")).title == \
        "Rooftop solar PV for factories"
    confirm = client.post(response.headers["Location"])
    assert confirm.status_code == 303 and confirm.headers["Location"].endswith("/progress")
    assert db.session.scalar(select(Technology).where(Technology.ref == "kanmon-rooftop-solar")).title == \
        "Rooftop solar PV for factories and schools"
    done = client.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "Technologies: 0 new, 1 updated" in done and 'http-equiv="refresh"' not in done
    assert "Cities:" not in done  # a technologies file: no line for what it does not hold
    db.session.expire_all()
    after = dict(db.session.execute(select(Technology.ref, Technology.version)).all())
    assert {ref for ref in after if after[ref] != versions[ref]} == {"kanmon-rooftop-solar"}
    assert db.session.scalar(select(PendingUpload)).payload == ""  # the file is not kept once imported
    assert client.post(response.headers["Location"]).status_code == 303  # confirming again imports nothing
    # an import already confirmed cannot be discarded any more
    refused = client.post(response.headers["Location"] + "/discard", follow_redirects=True)
    assert "This file was already confirmed for import" in refused.get_data(as_text=True)


def test_a_previewed_file_can_be_discarded_and_then_imports_nothing(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    text = client.get("/listings/export/technologies.csv").data.decode("utf-8-sig")
    location = upload(client, "technologies", text.replace("Rooftop solar PV for factories", "Stale").encode("utf-8"))
    location = location.headers["Location"]
    assert "Discard this file" in client.get(location).get_data(as_text=True)
    discarded = client.post(location + "/discard", follow_redirects=True)
    assert "The file was discarded: nothing was imported." in discarded.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 0
    assert client.post(location).status_code == 404  # nothing left to confirm
    assert db.session.scalar(select(Technology.title).where(Technology.ref == "kanmon-rooftop-solar")) == \
        "Rooftop solar PV for factories"


def test_every_bad_row_is_reported_and_nothing_is_written(client, auth, db, users):
    demo.load()
    auth.login("coordinator@example.com")
    before = technology_count(db)
    csv_text = ("ref,company,title,sectors,countries,cost_min\n"
                "new-one,daiseki,Good row,waste,VN,100\n"
                "new-two,daiseki,Bad sector,solr,VN,\n"
                "new-three,nobody,Bad company,waste,,\n"
                "new-four,daiseki,Bad number,waste,,lots\n")
    location = upload(client, "technologies", csv_text.encode("utf-8")).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "row 3 ref=new-two: unknown sector &#39;solr&#39;" in page
    assert "row 4 ref=new-three: unknown company &#39;nobody&#39;" in page
    assert "row 5 ref=new-four: &#39;cost_min&#39; must be a number" in page
    response = client.post(location)
    assert response.status_code == 400
    assert technology_count(db) == before


def test_formulas_in_cells_are_neutralised_on_export_and_restored_on_import(client, auth, db, users):
    from . import factories
    factories.technology(users["company"].company, ref="formula", title="=HYPERLINK(\"http://evil\")")
    auth.login("coordinator@example.com")
    text = client.get("/listings/export/technologies.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    location = upload(client, "technologies", text.encode("utf-8")).headers["Location"]
    client.post(location)
    assert db.session.scalar(select(Technology)).title == "=HYPERLINK(\"http://evil\")"


def test_a_bundle_json_upload_goes_through_the_same_preview(client, auth, db, users):
    auth.login("coordinator@example.com")
    bundle = {"companies": [{"ref": "hokusan", "name": "Hokusan", "home_city": "Toyama"}],
              "technologies": [{"ref": "cng-retrofit", "company": "hokusan", "title": "CNG bus retrofit",
                                "sectors": ["transport"], "countries": ["ID"], "language": "en"}]}
    location = upload(client, "bundle", json.dumps(bundle).encode("utf-8"), "bundle.json").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "cng-retrofit" in page and "new" in page
    assert technology_count(db) == 0
    client.post(location)
    assert technology_count(db) == 1


def test_a_broken_file_is_explained(client, auth, db, users):
    auth.login("coordinator@example.com")
    location = upload(client, "bundle", b"{not json", "bundle.json").headers["Location"]
    assert "The file is not valid JSON" in client.get(location).get_data(as_text=True)
    response = upload(client, "technologies", "title\nx\n".encode("utf-16"))
    assert response.status_code == 400
    assert "The file is not UTF-8 or Shift_JIS (CP932) text, nor an Excel workbook" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 1  # only the JSON one
    location = upload(client, "technologies", b"title,colour\nx,red\n").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "missing column &#39;ref&#39;" in page and "unknown column &#39;colour&#39;" in page


def test_uploads_are_for_coordinators_and_private_to_their_uploader(client, auth, db, users):
    auth.login("firm@example.com")
    assert client.get("/listings/import").status_code == 403
    assert client.get("/listings/export/technologies.csv").status_code == 403
    auth.logout()
    auth.login("coordinator@example.com")
    location = upload(client, "bundle", b"{}", "empty.json").headers["Location"]
    auth.logout()
    auth.login("admin@example.com")
    assert client.get(location).status_code == 404


def test_a_web_import_too_large_to_finish_in_the_request_is_refused_with_the_way_out(app, client, auth, db, users):
    app.config["WEB_IMPORT_MAX_LISTINGS"] = 3
    auth.login("coordinator@example.com")
    bundle = {"companies": [{"ref": "hokusan", "name": "Hokusan", "home_city": "Toyama"}],
              "technologies": [{"ref": f"cng-{n}", "company": "hokusan", "title": f"CNG bus retrofit {n}",
                                "sectors": ["transport"], "countries": ["ID"], "language": "en"} for n in range(4)]}
    location = upload(client, "bundle", json.dumps(bundle).encode("utf-8"), "bundle.json").headers["Location"]
    assert "an import from the web takes at most 3 at a time" in client.get(location).get_data(as_text=True)
    response = client.post(location)
    assert response.status_code == 400 and "flask import-data" in response.get_data(as_text=True)
    assert technology_count(db) == 0
    bundle["technologies"] = bundle["technologies"][:3]
    location = upload(client, "bundle", json.dumps(bundle).encode("utf-8"), "bundle.json").headers["Location"]
    client.post(location)
    assert technology_count(db) == 3
