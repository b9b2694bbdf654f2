"""A coordinator drags a project to the next stage and sees the figures change; the card's button does the same."""
from playwright.sync_api import expect
from sqlalchemy import select

from matchapp import demo, demo_programme
from matchapp.models import Project
from tests import factories
from tests.browser.test_listings_in_browser import log_in, switch_language


def funnel_count(page, live_server, stage_label: str) -> int:
    """The number of projects at `stage_label` in the figures page's funnel table."""
    page.goto(live_server + "/workspace/dashboard")
    funnel = page.locator("figure.chart").filter(has=page.get_by_text("Funnel by stage", exact=True))
    row = funnel.locator("tbody tr").filter(has=page.get_by_role("cell", name=stage_label, exact=True))
    return int(row.locator("td").nth(1).inner_text())


def test_dragging_a_card_moves_the_project_and_the_figures_follow(live_server, browser, screenshot, db):
    demo.load()
    factories.rematch()
    demo_programme.seed()
    project = db.session.scalar(select(Project).where(Project.stage == "planning"))
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    log_in(page, live_server, "coordinator@demo.matchapp.example", demo.DEMO_PASSWORD)
    switch_language(page, "English")
    before = funnel_count(page, live_server, "Feasibility study")

    page.goto(live_server + "/workspace/projects?view=board")
    card = page.locator(f'article[data-move-form="move-{project.id}"]')
    expect(page.locator('section[data-stage="planning"]')).to_contain_text(project.title)
    card.drag_to(page.locator('section[data-stage="feasibility"]'))
    expect(page.locator('section[data-stage="feasibility"]')).to_contain_text(project.title)
    expect(page.locator(".flash")).to_contain_text("Saved.")
    screenshot(page, "1-board-after-drag")
    assert funnel_count(page, live_server, "Feasibility study") == before + 1

    # Keyboard users: the card's own select and button, here in Japanese.
    switch_language(page, "日本語")
    page.goto(live_server + "/workspace/projects?view=board")
    card = page.locator(f'article[data-move-form="move-{project.id}"]')
    card.get_by_label("移動先の段階").select_option("commercialisation")
    card.get_by_role("button", name="移動").click()
    expect(page.locator('section[data-stage="commercialisation"]')).to_contain_text(project.title)
    db.session.expire_all()
    assert db.session.get(Project, project.id).stage == "commercialisation"
