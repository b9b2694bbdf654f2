"""A project carries its numbers and next step; the consultation sheet and the dashboards show them."""
import html
import re
from datetime import date, timedelta

from sqlalchemy import select

from matchapp.models import Project, ProjectEvent

from . import factories


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def a_project(client, auth, users) -> Project:
    need = factories.need(users["city"].city, ref="ip-solar")
    technology = factories.technology(users["company"].company, ref="rooftop-pv")
    from matchapp.introductions import services
    from matchapp.workspace import projects
    from matchapp.extensions import db
    introduction = services.request_introduction(users["city"], need, technology)
    services.act(users["company"], introduction, "accept")
    item = projects.from_introduction(users["coordinator"], introduction)
    db.session.commit()
    auth.login("coordinator@example.com")
    return item


def details(item, **changes) -> dict:
    form = {"version": str(item.version), "title": item.title, "description": "", "expected_co2_t": "",
            "co2_basis": "", "investment_jpy": "", "subsidy_jpy": "", "next_step": "", "next_step_due": "",
            "next_step_owner": "", "notes": ""}
    return dict(form, **changes)


def test_the_numbers_and_next_step_are_saved_shown_and_fed_to_the_consultation_sheet(client, auth, db, users):
    item = a_project(client, auth, users)
    due = date.today() + timedelta(days=10)
    response = client.post(f"/workspace/projects/{item.id}/details", data=details(
        item, description="Rooftop PV on four seafood warehouses.", expected_co2_t="1250.5",
        co2_basis="1.9 MWp x 1,300 h x 0.5 tCO2/MWh grid factor", investment_jpy="380000000",
        subsidy_jpy="150000000", next_step="Site survey with the port authority", next_step_due=due.isoformat(),
        next_step_owner=str(users["coordinator"].id), notes="Ask about the roof load."))
    assert response.status_code == 303
    page = text(client.get(f"/workspace/projects/{item.id}"))
    assert "Next step: Site survey with the port authority" in page and "overdue" not in page
    assert "coordinator@example.com" in page
    sheet = text(client.get(f"/workspace/projects/{item.id}/consultation"))
    assert "1,250.5" in sheet and "380,000,000" in sheet and "150,000,000" in sheet
    assert "1.9 MWp x 1,300 h x 0.5 tCO2/MWh grid factor" in sheet and "four seafood warehouses" in sheet
    history = db.session.scalars(select(ProjectEvent.change).where(ProjectEvent.project_id == item.id)).all()
    assert any("expected_co2_t" in line and "next_step_due" in line for line in history)


def test_bad_numbers_say_what_is_wrong_and_save_nothing(client, auth, db, users):
    item = a_project(client, auth, users)
    version = item.version
    response = client.post(f"/workspace/projects/{item.id}/details",
                           data=details(item, investment_jpy="-5", expected_co2_t="lots"))
    assert response.status_code == 400
    page = text(response)
    assert "Give a number of 0 or more." in page and "Not a valid decimal value" in page
    response = client.post(f"/workspace/projects/{item.id}/details",
                           data=details(item, next_step_owner=str(users["company"].id)))
    assert response.status_code == 400 and "Not a valid choice" in text(response)
    response = client.post(f"/workspace/projects/{item.id}/details",
                           data=details(item, next_step_due=date.today().isoformat()))
    assert response.status_code == 400
    assert "Say what the next step is before giving it a due date." in text(response)
    assert "Back to the project" in text(response)
    db.session.refresh(item)
    assert item.version == version and item.investment_jpy is None and item.next_step_due is None


def test_a_stale_form_is_refused_with_a_way_back(client, auth, db, users):
    item = a_project(client, auth, users)
    stale = details(item, next_step="Call the port")
    assert client.post(f"/workspace/projects/{item.id}/details", data=details(item, notes="first")).status_code == 303
    response = client.post(f"/workspace/projects/{item.id}/details", data=stale)
    assert response.status_code == 409
    page = text(response)
    assert "Someone saved this project after you opened it" in page and "Back to the project" in page
    db.session.refresh(item)
    assert item.notes == "first" and item.next_step == ""


def test_an_overdue_next_step_is_on_the_coordinators_dashboard_only(client, auth, db, users):
    item = a_project(client, auth, users)
    item.next_step, item.next_step_due = "Send the feasibility study budget", date.today() - timedelta(days=3)
    db.session.commit()
    dashboard = text(client.get("/dashboard"))
    assert "Projects whose next step is overdue" in dashboard and "Send the feasibility study budget" in dashboard
    assert "overdue" in text(client.get(f"/workspace/projects/{item.id}"))
    auth.logout()
    auth.login("firm@example.com")
    assert "Send the feasibility study budget" not in text(client.get("/dashboard"))


def test_the_history_reads_in_the_readers_language(client, auth, db, users):
    item = a_project(client, auth, users)
    client.post(f"/workspace/projects/{item.id}/stage", data={"version": item.version, "stage": "feasibility"})
    db.session.refresh(item)
    client.post(f"/workspace/projects/{item.id}/funding", data={"source": "jcm_subsidy", "status": "applied",
                                                                "amount_jpy": "30000000", "fiscal_year": "2027"})
    client.post(f"/workspace/projects/{item.id}/details", data=details(item, subsidy_jpy="30000000"))
    english = text(client.get(f"/workspace/projects/{item.id}"))
    assert "Stage Discovery / matching → Feasibility study" in english
    assert "Funding: JCM equipment subsidy, Applied for, 30,000,000 JPY FY2027" in english
    assert "Changed: Subsidy sought (JPY)" in english
    client.post("/language", data={"language": "ja"})
    japanese = text(client.get(f"/workspace/projects/{item.id}"))
    assert "ステージ" in japanese and "JCM設備補助" in japanese and "申請中" in japanese
    assert "stage discovery" not in japanese and "jcm_subsidy" not in japanese


def test_the_booklet_shows_each_technology_in_its_language_or_says_it_has_only_the_other(client, auth, db, users):
    from matchapp.models import Technology
    bilingual = factories.technology(users["company"].company, ref="bilingual-pv", title="Rooftop solar PV")
    bilingual.title_alt, bilingual.summary, bilingual.summary_alt = "屋根置き太陽光", "Panels on roofs.", "屋根にパネル。"
    japanese = factories.technology(users["company"].company, ref="ja-only", title="汚泥乾燥装置", language="ja")
    japanese.summary = "汚泥を乾燥して燃料にします。"
    db.session.commit()
    auth.login("coordinator@example.com")
    ja = text(client.get("/workspace/booklet/hai-phong?refs=bilingual-pv,ja-only&language=ja"))
    assert "屋根置き太陽光" in ja and "屋根にパネル。" in ja and "Panels on roofs." in ja  # the other version below
    assert "日本の脱炭素技術" in ja  # the booklet's own texts in Japanese
    en = text(client.get("/workspace/booklet/hai-phong?refs=bilingual-pv,ja-only&language=en"))
    assert "Rooftop solar PV" in en and "Japanese only" in en and "汚泥乾燥装置" in en
    assert en.count("Japanese only") == 1  # only the technology without an English version is marked
    assert db.session.get(Technology, bilingual.id).title == "Rooftop solar PV"
    assert client.get("/workspace/booklet/hai-phong?language=fr").status_code == 400


def test_documents_are_kept_with_the_project_within_the_attachment_limits(client, auth, db, users):
    import io
    item = a_project(client, auth, users)
    response = client.post(f"/workspace/projects/{item.id}/documents", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"%PDF-1.4 feasibility"), "実現可能性調査.pdf")})
    assert response.status_code == 303
    page = text(client.get(f"/workspace/projects/{item.id}"))
    assert "実現可能性調査.pdf" in page and "Document added: 実現可能性調査.pdf" in page
    document = item.documents[0]
    download = client.get(f"/workspace/projects/{item.id}/documents/{document.id}")
    assert download.data == b"%PDF-1.4 feasibility" and download.headers["Content-Disposition"].startswith("attachment")
    assert "実現可能性調査.pdf" in text(client.get(f"/workspace/projects/{item.id}/consultation"))
    too_big = client.post(f"/workspace/projects/{item.id}/documents", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"x" * (2 * 1024 * 1024 + 1)), "big.pdf")})
    assert too_big.status_code == 400 and "The file is larger than 2 MB." in text(too_big)
    program = client.post(f"/workspace/projects/{item.id}/documents", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"MZ"), "setup.exe")})
    assert program.status_code == 400 and "Attach a PDF, image, Office document, CSV or text file." in text(program)
    db.session.refresh(item)
    assert [d.name for d in item.documents] == ["実現可能性調査.pdf"]
    other = a_second_project(users)
    assert client.get(f"/workspace/projects/{other.id}/documents/{document.id}").status_code == 404


def a_second_project(users):
    from matchapp.extensions import db
    from matchapp.introductions import services
    from matchapp.workspace import projects
    need = factories.need(users["city"].city, ref="ip-waste", title="Waste to energy")
    technology = factories.technology(users["company"].company, ref="wte", title="Waste to energy plant")
    introduction = services.request_introduction(users["city"], need, technology)
    services.act(users["company"], introduction, "accept")
    item = projects.from_introduction(users["coordinator"], introduction)
    db.session.commit()
    return item


def test_a_jcm_screening_run_from_the_project_is_kept_and_shown_on_the_sheet(client, auth, db, users):
    from matchapp.models import Country, JcmRule
    item = a_project(client, auth, users)
    refused = client.post(f"/workspace/projects/{item.id}/screening", data={"technology": "solar", "life_years": "17"})
    assert refused.status_code == 400
    assert "Give the project's investment and expected CO2 reduction first." in text(refused)
    client.post(f"/workspace/projects/{item.id}/details", data=details(
        item, expected_co2_t="1000", investment_jpy="200000000"))
    assert db.session.scalar(select(JcmRule.id).limit(1)) is not None
    assert db.session.get(Country, "VN").jcm_signed
    response = client.post(f"/workspace/projects/{item.id}/screening", data={"technology": "solar", "life_years": "17"})
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.screening["subsidy_jpy"] > 0 and item.screened_at is not None
    page = text(client.get(f"/workspace/projects/{item.id}"))
    verdict = "Passes the screening" if item.screening["passes"] else "Does not pass the screening"
    assert verdict in page and f"{item.screening['subsidy_jpy']:,} JPY" in page
    sheet = text(client.get(f"/workspace/projects/{item.id}/consultation"))
    assert verdict in sheet and f"{item.screening['subsidy_jpy']:,} JPY" in sheet
