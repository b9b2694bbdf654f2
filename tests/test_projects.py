"""The project pipeline: from an accepted introduction through the stages, with history, funding, MRV and figures."""
import re

import pytest
from sqlalchemy import func, select

from matchapp.models import Project

from . import factories


@pytest.fixture
def introduction(client, auth, db, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    auth.login("city@example.com")
    client.post("/introductions", data={"need": "ip-solar", "technology": "rooftop-pv"})
    auth.logout()
    auth.login("firm@example.com")
    client.post("/introductions/1/accept")
    auth.logout()
    auth.login("coordinator@example.com")
    return 1


def project(db):
    return db.session.scalar(select(Project))


def test_an_accepted_introduction_becomes_a_project_with_its_consortium(client, db, introduction):
    response = client.post(f"/workspace/introductions/{introduction}/project")
    assert response.status_code == 303
    item = project(db)
    assert item.stage == "discovery" and item.japanese_city == "Kitakyushu" and item.city.ref == "hai-phong"
    assert sorted((m.role, m.display_name) for m in item.members) == [("overseas_city", "Hai Phong"),
                                                                      ("representative", "Kanmon Solar")]
    assert client.post(f"/workspace/introductions/{introduction}/project").status_code == 409  # only once


def test_stages_are_recorded_and_a_stale_save_is_refused(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    assert client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "feasibility"}).status_code == 303
    stale = client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "planning"})
    assert stale.status_code == 409
    assert project(db).stage == "feasibility"
    assert client.post("/workspace/projects/1/stage", data={"version": "2", "stage": "dropped"}).status_code == 400
    client.post("/workspace/projects/1/stage", data={"version": "2", "stage": "dropped", "reason": "No budget"})
    item = project(db)
    assert item.stage == "dropped" and item.drop_reason == "No budget"
    assert [e.change for e in item.history][-2:] == ["stage discovery → feasibility", "stage feasibility → dropped: No budget"]


def test_monitoring_only_once_commercialised_and_once_a_year(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    assert client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "100"}).status_code == 409
    client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "commercialisation"})
    assert client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "812.5", "method": "metering"}).status_code == 303
    assert client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "5"}).status_code == 409
    assert client.post("/workspace/projects/1/monitoring", data={"year": "twenty", "co2_t": "5"}).status_code == 400
    assert project(db).verified_co2_t == 812.5


def test_board_list_csv_and_dashboard_agree_with_the_database(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "commercialisation"})
    client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "400"})
    client.post("/workspace/projects/1/funding", data={"source": "jcm_subsidy", "status": "granted",
                                                       "amount_jpy": "50,000,000", "fiscal_year": "2029"})
    board = client.get("/workspace/projects").get_data(as_text=True)
    assert re.search(r"Commercialisation <span class=\"count\">1</span>", board)
    listed = client.get("/workspace/projects?country=TH&view=list").get_data(as_text=True)
    assert "No projects match." in listed
    download = client.get("/workspace/projects.csv")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    csv_text = download.data.decode("utf-8-sig")
    assert csv_text.splitlines()[1].split(",")[2] == "commercialisation"
    assert csv_text.splitlines()[1].split(",")[8] == "400"  # verified tCO2, a whole number: not 400.0
    dashboard = client.get("/workspace/dashboard").get_data(as_text=True)
    total = db.session.scalar(select(func.count()).select_from(Project))
    assert f'<strong id="project-total">{total}</strong>' in dashboard
    assert "<strong>400</strong> tCO2 verified (MRV)" in dashboard
    assert "<svg" in dashboard and "Funnel by stage" in dashboard


def test_the_workspace_is_for_coordinators(client, auth, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    auth.logout()
    auth.login("firm@example.com")
    for url in ("/workspace/projects", "/workspace/projects/1", "/workspace/dashboard", "/workspace/projects.csv"):
        assert client.get(url).status_code == 403
    assert client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "dropped"}).status_code == 403


def test_yearly_report_and_booklet(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "commercialisation"})
    client.post("/workspace/projects/1/monitoring", data={"year": "2026", "co2_t": "250"})
    year = project(db).created_at.year
    page = client.get(f"/workspace/reports/Kitakyushu/{year}").get_data(as_text=True)
    assert "1 studies supported, 1 commercialised" in page
    factories.rematch()
    booklet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", client.get("/workspace/booklet/hai-phong?refs=rooftop-pv")
                                         .get_data(as_text=True)))
    assert "Kanmon Solar / 関門ソーラー" in booklet and "Rooftop solar PV" in booklet
    assert client.get("/workspace/booklet/atlantis").status_code == 404


def test_figures_show_response_rates_and_the_partner_city_page_its_projects(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    dashboard = client.get("/workspace/dashboard").get_data(as_text=True)
    assert "Companies answering cities</dt><dd>100 % (1 request)" in dashboard
    city_page = client.get("/organisations/cities/hai-phong").get_data(as_text=True)
    assert "Active projects" in city_page and "/workspace/projects/1" in city_page


def test_consultation_sheet_is_prefilled_from_the_project(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    client.post("/workspace/projects/1/funding", data={"source": "jcm_subsidy", "status": "applied",
                                                       "amount_jpy": "30000000", "fiscal_year": "2027"})
    page = client.get("/workspace/projects/1/consultation").get_data(as_text=True)
    assert "Kanmon Solar" in page and "Viet Nam" in page and "JCM equipment subsidy (Applied for) 30,000,000 JPY FY2027" in page


def test_each_chart_downloads_as_csv_with_the_same_numbers(client, db, introduction):
    client.post(f"/workspace/introductions/{introduction}/project")
    client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "commercialisation"})
    client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "400"})
    funnel = client.get("/workspace/dashboard/funnel.csv").data.decode("utf-8-sig").splitlines()
    assert funnel[0] == "Stage,Projects" and "Commercialisation,1" in funnel and "Discovery / matching,0" in funnel
    verified = client.get("/workspace/dashboard/verified_by_year.csv").data.decode("utf-8-sig").splitlines()
    assert verified == ["Year,Verified tCO2", "2030,400"]  # tonnes, not a count
    assert '<th scope="col">Year</th><th scope="col">Verified tCO2</th>' in client.get("/workspace/dashboard").get_data(as_text=True)
    assert client.get("/workspace/projects?japanese_city=Osaka&view=list").get_data(as_text=True).count("No projects match.") == 1


def test_figures_match_the_database_on_a_seeded_pipeline(client, db, introduction, users):
    import random
    from matchapp.models import STAGES, CLOSED_STAGE, MonitoringRecord, Project
    rng = random.Random(11)
    stages = STAGES + (CLOSED_STAGE,)
    for i in range(40):
        stage = rng.choice(stages)
        item = Project(title=f"Seeded {i}", stage=stage, city=users["city"].city, japanese_city=rng.choice(["Kitakyushu", "Osaka"]),
                       sector=rng.choice(["waste", "water", "renewable_energy"]), expected_co2_t=rng.randint(10, 900))
        if stage == "commercialisation":
            item.monitoring = [MonitoringRecord(year=2029, co2_t=float(rng.randint(1, 500)))]
        db.session.add(item)
    db.session.commit()
    rows = dict(line.rsplit(",", 1) for line in client.get("/workspace/dashboard/funnel.csv").data.decode("utf-8-sig").splitlines()[1:])
    from matchapp.templating import STAGE_LABELS
    for stage in stages:
        expected = db.session.scalar(select(func.count()).select_from(Project).where(Project.stage == stage))
        assert int(rows[str(STAGE_LABELS[stage])]) == expected
    page = client.get("/workspace/dashboard").get_data(as_text=True)
    verified = sum(r.co2_t for r in db.session.scalars(select(MonitoringRecord)))
    assert f"<strong>{verified:,.0f}</strong> tCO2 verified (MRV)" in page
    pairs = dict(line.rsplit(",", 1) for line in client.get("/workspace/dashboard/by_pair.csv").data.decode("utf-8-sig").splitlines()[1:])
    osaka = db.session.scalar(select(func.count()).select_from(Project).where(Project.japanese_city == "Osaka"))
    assert int(pairs["Osaka – Hai Phong"]) == osaka


def test_projects_and_figures_download_as_workbooks_with_typed_cells(client, db, introduction):
    from datetime import datetime
    from io import BytesIO

    from openpyxl import load_workbook
    client.post(f"/workspace/introductions/{introduction}/project")
    client.post("/workspace/projects/1/stage", data={"version": "1", "stage": "commercialisation"})
    client.post("/workspace/projects/1/monitoring", data={"year": "2030", "co2_t": "400"})
    sheet = load_workbook(BytesIO(client.get("/workspace/projects.xlsx").data)).worksheets[0]
    header, first = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    row = dict(zip(header, first))
    assert row["id"] == 1 and row["verified_co2_t"] == 400 and isinstance(row["updated_at"], datetime)
    assert row["stage"] == project(db).stage
    funnel = load_workbook(BytesIO(client.get("/workspace/dashboard/funnel.xlsx").data)).worksheets[0]
    counts = {label: value for label, value in funnel.iter_rows(min_row=2, values_only=True)}
    assert sum(counts.values()) == 1 and all(isinstance(v, int) for v in counts.values())
