"""A submission sent twice is carried out once: double clicks, resends and API retries."""
import re
import urllib.parse
import urllib.request

from sqlalchemy import func, select

from matchapp.models import Introduction, Message, SavedSearch, Technology

from . import factories
from .test_concurrency import ATTEMPTS, call, in_parallel
from .test_faults import logged_in_opener
from .test_listings import technology_form

TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def form_token(page: str) -> str:
    return TOKEN.search(page).group(1)


def test_a_create_form_sent_twice_makes_one_listing_and_the_repeat_shows_it(client, auth, db, users):
    auth.login("firm@example.com")
    token = form_token(client.get("/technologies/new").get_data(as_text=True))
    first = client.post("/technologies/new", data=technology_form(form_token=token))
    again = client.post("/technologies/new", data=technology_form(form_token=token), follow_redirects=True)
    assert first.status_code == 302
    assert again.request.path == first.headers["Location"]  # the listing the first post made
    assert "This form was already sent; here is what it saved." in again.get_data(as_text=True)
    assert count(db, Technology) == 1
    another = form_token(client.get("/technologies/new").get_data(as_text=True))
    assert another != token  # a new page load is a new listing
    client.post("/technologies/new", data=technology_form(form_token=another, title_alt="Second PV"))
    assert count(db, Technology) == 2


def test_twenty_identical_create_posts_at_once_make_one_listing(live_server, db, users):
    port = int(live_server.rsplit(":", 1)[1])
    opener = logged_in_opener(port, "firm@example.com")
    page = opener.open(f"{live_server}/technologies/new", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(technology_form(form_token=form_token(page), csrf_token=csrf), doseq=True).encode()

    def post(_):
        with opener.open(f"{live_server}/technologies/new", data=body, timeout=60) as response:
            return response.status, response.geturl()

    results = in_parallel(post)
    assert {status for status, _ in results} == {200}, results  # each lands on the one listing's page
    assert len({url for _, url in results}) == 1 and "/technologies/" in results[0][1]
    assert count(db, Technology) == 1


def test_saving_a_search_twice_keeps_one(client, auth, db, users):
    auth.login("firm@example.com")
    page = client.get("/needs?sector=waste").get_data(as_text=True)
    token = form_token(page)
    for _ in range(3):
        client.post("/needs/searches?sector=waste", data={"name": "Waste", "form_token": token})
    assert count(db, SavedSearch) == 1


def test_a_message_sent_twice_is_posted_once(client, auth, db, users):
    need = factories.need(users["city"].city, ref="ip-solar")
    tech = factories.technology(users["company"].company, ref="rooftop-pv")
    auth.login("city@example.com")
    client.post("/introductions", data={"need": need.ref, "technology": tech.ref, "message": "Hello"})
    introduction = db.session.scalar(select(Introduction))
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    tokens = TOKEN.findall(page)
    message_token = tokens[-1]  # the message form is the last on the page
    before = count(db, Message)
    for _ in range(2):
        response = client.post(f"/introductions/{introduction.id}/messages",
                               data={"body": "Can we meet next week?", "form_token": message_token})
        assert response.status_code in (302, 303)
    assert count(db, Message) == before + 1


def api_token(live_server, email):
    return call(f"{live_server}/api/v1/tokens", {"email": email, "password": factories.PASSWORD})[1]["token"]


def post_with_key(url, body, token, key):
    import json
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers.get("Idempotent-Replayed")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), error.headers.get("Idempotent-Replayed")


def test_an_api_retry_with_the_same_idempotency_key_gets_the_first_answer(live_server, db, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    token = api_token(live_server, "city@example.com")
    url = f"{live_server}/api/v1/introductions"
    body = {"need": "ip-solar", "technology": "rooftop-pv", "message": "Hello"}
    first = post_with_key(url, body, token, "retry-1")
    again = post_with_key(url, body, token, "retry-1")
    assert first[0] == 201 and first[2] is None
    assert again[0] == 201 and again[1]["id"] == first[1]["id"] and again[2] == "true"
    other = post_with_key(url, dict(body, message="Something else"), token, "retry-1")
    assert other[0] == 422 and other[1]["error"]["code"] == "idempotency_key_reused"
    assert count(db, Introduction) == 1
    firm = api_token(live_server, "firm@example.com")
    accept = f"{live_server}/api/v1/introductions/{first[1]['id']}/accept"
    assert post_with_key(accept, {}, firm, "accept-1")[0] == 200
    replayed = post_with_key(accept, {}, firm, "accept-1")  # without the key, a second accept is a 409
    assert replayed[0] == 200 and replayed[1]["state"] == "accepted" and replayed[2] == "true"
    assert post_with_key(accept, {}, firm, "x" * 101)[0] == 400


def test_twenty_api_retries_at_once_create_one_introduction(live_server, db, users):
    factories.need(users["city"].city, ref="ip-solar")
    factories.technology(users["company"].company, ref="rooftop-pv")
    token = api_token(live_server, "city@example.com")
    body = {"need": "ip-solar", "technology": "rooftop-pv", "message": "Hello"}
    results = in_parallel(lambda _: post_with_key(f"{live_server}/api/v1/introductions", body, token, "same-key"))
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {201, 409}, statuses
    created = {answer["id"] for status, answer, _ in results if status == 201}
    assert len(created) == 1 and statuses.count(201) >= 1
    in_progress = [answer for status, answer, _ in results if status == 409]
    assert all(answer["error"]["code"] == "in_progress" for answer in in_progress), in_progress
    assert count(db, Introduction) == 1
    assert ATTEMPTS == len(results)
