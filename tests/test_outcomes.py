"""Outcomes recorded as labelled pairs, weights fitted on them, and match quality over time on the figures page."""
import json
import re

from sqlalchemy import select

from matchapp import demo
from matchapp.matching import outcomes, store
from matchapp.models import Match, MatchOutcome, Need, Technology

from . import factories


def recorded(db) -> list[tuple]:
    return sorted(db.session.execute(select(MatchOutcome.outcome, MatchOutcome.positive, MatchOutcome.rank)).all())


def test_accepting_meeting_and_dismissing_are_recorded_once_with_the_rank_at_the_time(client, auth, db, users):
    need = factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV for the industrial park")
    factories.technology(users["company"].company, ref="rooftop-pv", title="Rooftop solar PV and EMS")
    factories.technology(users["company"].company, ref="leasing", title="Green equipment leasing")
    store.listing_changed(need)
    db.session.commit()
    auth.login("city@example.com")
    client.post("/introductions", data={"need": "ip-solar", "technology": "rooftop-pv"})
    auth.logout()
    auth.login("firm@example.com")
    assert client.post("/introductions/1/accept").status_code in (200, 302, 303)
    assert recorded(db) == [("accepted", True, 1)]
    client.post("/introductions/1/accept")  # a repeat changes nothing
    assert recorded(db) == [("accepted", True, 1)]
    auth.logout()
    auth.login("city@example.com")
    client.post("/matches/ip-solar/leasing/dismiss", data={"reason": "Not what we asked for"})
    assert recorded(db) == [("accepted", True, 1), ("dismissed", False, 2)]
    pairs = outcomes.labelled_pairs()
    assert pairs == {need.id: {"positive": {db.session.scalar(select(Technology.id).where(Technology.ref == "rooftop-pv"))},
                               "negative": {db.session.scalar(select(Technology.id).where(Technology.ref == "leasing"))}}}


def test_tune_weights_runs_on_the_demos_outcomes_and_writes_only_when_asked(runner, db, users, tmp_path):
    demo.load()
    factories.rematch()
    assert demo.record_outcomes() == len(demo.DEMO_OUTCOMES)
    result = runner.invoke(args=["tune-weights", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "Fitted on recorded outcomes: 12 needs, 3-fold cross-validation" in result.output
    assert "current weights  recall@5" in result.output and "fitted (held out) recall@5" in result.output
    assert "Nothing written" in result.output and not list(tmp_path.glob("*.json"))
    path = tmp_path / "weights.json"
    result = runner.invoke(args=["tune-weights", "--folds", "3", "--write", str(path)])
    assert result.exit_code == 0 and path.exists()
    written = json.loads(path.read_text())
    assert abs(sum(written[k] for k in ("sector", "country", "text", "semantic", "bonus")) - 1) < 1e-3
    assert "recorded outcomes" in written["_about"]


def test_tune_weights_refuses_without_enough_outcomes(runner, db, users):
    result = runner.invoke(args=["tune-weights"])
    assert result.exit_code == 1 and "at least 2 are needed" in result.output


def test_the_figures_page_shows_match_quality_by_month(client, auth, db, users):
    demo.load()
    factories.rematch()
    demo.record_outcomes()
    auth.login("coordinator@example.com")
    page = re.sub(r">\s+<", "><", client.get("/workspace/dashboard").get_data(as_text=True))
    assert "Match quality over time" in page
    months = outcomes.quality_by_month()
    assert len(months) == 1 and months[0]["positives"] == 12 and months[0]["dismissed"] == 4
    in_top5 = sum(1 for o in db.session.scalars(select(MatchOutcome).where(MatchOutcome.positive))
                  if o.rank is not None and o.rank <= 5)
    assert months[0]["top5"] == round(100 * in_top5 / 12)
    assert f"<td>{months[0]['month']}</td><td>12</td><td>4</td><td>{months[0]['top5']} %</td>" in page
    csv = client.get("/workspace/dashboard/positives_in_top5.csv").get_data(as_text=True)
    assert f"{months[0]['month']},{months[0]['top5']}" in csv


def test_a_stored_rank_is_the_pairs_place_among_the_needs_matches(db, users):
    demo.load()
    factories.rematch()
    need = db.session.scalar(select(Need).where(Need.ref == "hp-seafood-wastewater"))
    best = db.session.scalars(select(Match).where(Match.need_id == need.id).order_by(Match.score.desc())).all()
    assert outcomes.stored_rank(need.id, best[2].technology_id) == (best[2].score, 3)
    assert outcomes.stored_rank(need.id, 10**6) == (None, None)
