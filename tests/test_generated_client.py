"""A client generated from the served OpenAPI document by openapi-python-client drives the main
flow over HTTP: log in, filter listings, read matches, request and accept an introduction, propose
and confirm a meeting, fetch its calendar. If the document and the server disagree, the generated
code fails to parse an answer, or sends what the server refuses."""
import importlib
import json
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from . import factories


@pytest.fixture
def generated(live_server, tmp_path, users):
    """The generated package `matchapp_client`, imported, with the world the flow needs."""
    factories.need(users["city"].city, ref="ip-solar", title="Solar power for the industrial park")
    factories.technology(users["company"].company, ref="rooftop-pv", title="Rooftop solar PV for factories")
    factories.technology(users["company"].company, ref="waste-heat", title="Waste heat recovery boilers",
                         sectors=("energy_efficiency",))
    with urllib.request.urlopen(f"{live_server}/api/v1/openapi.json") as response:
        (tmp_path / "openapi.json").write_text(json.dumps(json.load(response)))
    tools = Path(sys.executable).parent  # the generator formats its output with ruff from the same environment
    result = subprocess.run([str(tools / "openapi-python-client"), "generate", "--path", "openapi.json",
                             "--output-path", "matchapp_client", "--meta", "none"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0 and "Warning" not in result.stdout, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("matchapp_client"), f"{live_server}/api/v1"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == "matchapp_client"]:
            del sys.modules[name]


def test_the_main_flow_through_a_generated_client(generated):
    client_package, base_url = generated
    tokens = importlib.import_module("matchapp_client.api.tokens.create_token")
    listings = importlib.import_module("matchapp_client.api.listings.list_technologies")
    matching = importlib.import_module("matchapp_client.api.matching.list_need_matches")
    introductions = importlib.import_module("matchapp_client.api.introductions")
    meetings = importlib.import_module("matchapp_client.api.meetings")
    for module in ("create_introduction", "act_on_introduction"):
        importlib.import_module(f"matchapp_client.api.introductions.{module}")
    for module in ("propose_meeting", "confirm_meeting", "get_meeting_calendar", "list_meetings"):
        importlib.import_module(f"matchapp_client.api.meetings.{module}")
    models = importlib.import_module("matchapp_client.models")

    def logged_in(email):
        anonymous = client_package.Client(base_url=base_url, raise_on_unexpected_status=True)
        token = tokens.sync(client=anonymous, body=models.TokenRequest(email=email, password=factories.PASSWORD))
        assert isinstance(token, models.Token), token
        return client_package.AuthenticatedClient(base_url=base_url, token=token.token,
                                                  raise_on_unexpected_status=True)

    city, firm = logged_in("city@example.com"), logged_in("firm@example.com")

    page = listings.sync(client=city, sector=models.SectorCode("renewable_energy"), country=models.CountryCode.VN)
    assert isinstance(page, models.TechnologyPage)
    assert [t.ref for t in page.items] == ["rooftop-pv"] and page.total == 1
    assert page.items[0].status == models.TechnologyStatus.PUBLISHED

    matches = matching.sync("ip-solar", client=city, top=5)
    assert matches and all(isinstance(m, models.Match) for m in matches)
    assert matches[0].technology == "rooftop-pv" and matches[0].score > 0 and matches[0].reasons
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)

    introduction = introductions.create_introduction.sync(client=city, body=models.IntroductionRequest(
        need="ip-solar", technology="rooftop-pv", message="Could we talk about the industrial park?"))
    assert isinstance(introduction, models.Introduction) and introduction.state == "requested", introduction
    refused = introductions.act_on_introduction.sync(introduction.id, models.ActOnIntroductionAction.ACCEPT,
                                                     client=city)
    assert isinstance(refused, models.Error)  # the side that asked does not accept its own request
    accepted = introductions.act_on_introduction.sync(introduction.id, models.ActOnIntroductionAction.ACCEPT,
                                                      client=firm)
    assert accepted.state == "accepted", accepted

    soon = datetime.now(timezone(timedelta(hours=9))).replace(microsecond=0, second=0, minute=0) + timedelta(days=9)
    proposal = models.Proposal(starts=[soon, soon + timedelta(days=1)], mode=models.ProposalMode.ONLINE,
                               url="https://meet.example/park", duration_minutes=45)
    meeting = meetings.propose_meeting.sync(introduction.id, client=firm, body=proposal)
    assert isinstance(meeting, models.Meeting) and meeting.state == models.MeetingState.PROPOSED, meeting
    assert [o.starts_at for o in meeting.options] == [soon, soon + timedelta(days=1)]
    chosen = meeting.options[1].id
    confirmed = meetings.confirm_meeting.sync(meeting.id, client=city, body=models.OptionChoice(option=chosen))
    assert confirmed.state == models.MeetingState.CONFIRMED and confirmed.starts_at == soon + timedelta(days=1)
    assert [m.id for m in meetings.list_meetings.sync(client=firm)] == [meeting.id]

    calendar = meetings.get_meeting_calendar.sync_detailed(meeting.id, client=firm)
    assert calendar.status_code == 200 and b"BEGIN:VEVENT" in calendar.content and b"SEQUENCE:" in calendar.content
