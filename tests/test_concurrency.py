"""Twenty people acting at once: exactly one outcome, no server error, a consistent history."""
import json
import threading
import urllib.error
import urllib.request

from sqlalchemy import func, select

from matchapp.introductions import meetings as meeting_service
from matchapp.introductions import services
from matchapp.models import Introduction, Meeting, User
from matchapp.models.base import utcnow

from . import factories

ATTEMPTS = 20


def call(url, body=None, token=None):
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def in_parallel(work, count=ATTEMPTS):
    results, barrier = [None] * count, threading.Barrier(count)

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_accepting_and_declining_the_same_introduction_at_once(live_server, db, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    city = call(f"{live_server}/api/v1/tokens", {"email": "city@example.com", "password": factories.PASSWORD})[1]["token"]
    firm = call(f"{live_server}/api/v1/tokens", {"email": "firm@example.com", "password": factories.PASSWORD})[1]["token"]
    status, body = call(f"{live_server}/api/v1/introductions", {"need": "ip-solar", "technology": "rooftop-pv"}, city)
    assert status == 201
    number = body["id"]
    results = in_parallel(lambda i: call(f"{live_server}/api/v1/introductions/{number}/"
                                         f"{'accept' if i % 2 else 'decline'}", token=firm))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == ATTEMPTS - 1, statuses
    winner = next(body for status, body in results if status == 200)
    db.session.expire_all()
    introduction = db.session.get(Introduction, number)
    assert introduction.state == winner["state"] in ("accepted", "declined")
    assert [e.state for e in introduction.history] == ["requested", introduction.state]


def test_booking_the_same_meeting_time_at_once(app, db, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    firm = users["company"]
    introduction = services.request_introduction(users["city"], users["city"].city.needs[0],
                                                 firm.company.technologies[0])
    db.session.commit()
    services.act(firm, introduction, "accept")
    from datetime import timedelta
    meeting = meeting_service.propose(firm, introduction, [utcnow() + timedelta(days=3)], "online", "https://m.example")
    db.session.commit()
    meeting_id, option_id, city_id = meeting.id, meeting.options[0].id, users["city"].id
    extra = [factories.user(f"city{i}@example.com", "city", city=users["city"].city).id for i in range(ATTEMPTS - 1)]
    user_ids = [city_id] + extra

    def attempt(i):
        with app.app_context():
            user = db.session.get(User, user_ids[i])
            try:
                meeting_service.confirm(user, db.session.get(Meeting, meeting_id), option_id)
                db.session.commit()
                return "confirmed"
            except services.IntroductionError as error:
                return error.status
            finally:
                db.session.remove()

    results = in_parallel(attempt)
    assert results.count("confirmed") == 1 and results.count(409) == ATTEMPTS - 1, results
    db.session.expire_all()
    introduction = db.session.scalar(select(Introduction))
    assert introduction.state == "meeting_scheduled"
    assert [e.action for e in introduction.history].count("schedule") == 1


def test_a_create_that_loses_a_race_to_the_unique_constraint_is_a_409_not_a_500(client, auth, db, users, monkeypatch):
    """The check before the insert passed for both requests; the database refuses the second."""
    from matchapp.introductions import services as introduction_services
    from matchapp.models import Introduction
    need = factories.need(users["city"].city, ref="ip-solar")
    tech = factories.technology(users["company"].company, ref="rooftop-pv")
    db.session.add(Introduction(need_id=need.id, technology_id=tech.id, requester_side="company", state="requested",
                                expires_at=need.created_at))
    db.session.commit()
    monkeypatch.setattr(introduction_services, "introduction_for_pair", lambda n, t: None)  # the other one not seen
    auth.login("city@example.com")
    response = client.post("/introductions", data={"need": "ip-solar", "technology": "rooftop-pv", "message": "Hi"})
    assert response.status_code == 409
    assert "at the same moment" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Introduction)) == 1


def test_making_one_introduction_a_project_twenty_times_at_once(live_server, db, users):
    """One project; every other answer says it already is one (409), none is a server error."""
    import re
    import urllib.parse

    from matchapp.models import Project

    from .test_faults import logged_in_opener

    need = factories.need(users["city"].city, ref="ip-solar")
    tech = factories.technology(users["company"].company, ref="rooftop-pv")
    introduction = services.request_introduction(users["city"], need, tech)
    db.session.commit()
    services.act(users["company"], introduction, "accept")
    db.session.commit()
    opener = logged_in_opener(int(live_server.rsplit(":", 1)[1]), "coordinator@example.com")
    page = opener.open(f"{live_server}/introductions/{introduction.id}", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": csrf}).encode()

    def make_project(_):
        try:
            with opener.open(f"{live_server}/workspace/introductions/{introduction.id}/project", data=body,
                             timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    results = in_parallel(make_project)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == ATTEMPTS - 1, statuses
    refusals = [text for status, text in results if status == 409]
    assert all("already a project" in text or "at the same moment" in text for text in refusals)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Project)) == 1
