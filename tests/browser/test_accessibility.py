"""axe-core (shipped inside the axe-playwright-python wheel) finds no critical or serious violation on the
main pages of each role, in English and Japanese."""
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from matchapp import demo, demo_programme
from matchapp.models import Project
from tests import factories
from tests.browser.test_listings_in_browser import log_in, switch_language

PAGES = {
    "company@demo.matchapp.example": ["/dashboard", "/technologies/kanmon-rooftop-solar/matches", "/introductions"],
    "city@demo.matchapp.example": ["/dashboard", "/needs/hp-seafood-wastewater/matches", "/calendar?view=month"],
    "coordinator@demo.matchapp.example": ["/dashboard", "/matches", "/workspace/projects", "/workspace/dashboard",
                                          "/workspace/projects/{project}"],
    "admin@demo.matchapp.example": ["/dashboard", "/admin/audit-log"],
    "partner@demo.matchapp.example": ["/dashboard", "/technologies"],
}


def serious(results: dict) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {', '.join(t for n in v['nodes'] for t in n['target'])[:300]}"
            for v in results["violations"] if v["impact"] in ("critical", "serious")]


def test_no_critical_or_serious_violation_on_each_roles_main_pages(live_server, browser, db):
    demo.load()
    factories.rematch()
    demo_programme.seed()
    project = db.session.scalar(select(Project.id).where(Project.stage == "commercialisation"))
    axe, found = Axe(), {}
    for email, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        log_in(page, live_server, email, demo.DEMO_PASSWORD)
        for language in ("English", "日本語"):
            switch_language(page, language)
            for path in paths:
                url = live_server + path.format(project=project)
                response = page.goto(url)
                assert response.status == 200, url
                problems = serious(axe.run(page).response)
                if problems:
                    found[f"{email} {language} {path}"] = problems
        context.close()
    assert not found, found
