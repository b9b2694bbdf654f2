"""Listings must be confirmed yearly: owners are reminded, stale listings are flagged and renewable."""
from datetime import timedelta

from sqlalchemy import select

from matchapp.listings.services import freshness
from matchapp.models import Technology
from matchapp.models.base import utcnow

from . import factories


def age(db, listing, days):
    listing.confirmed_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_a_fresh_listing_is_neither_due_nor_stale(db, users):
    technology = factories.technology(users["company"].company)
    state = freshness(technology)
    assert not state.due and not state.stale


def test_after_a_year_the_owner_is_reminded_on_the_dashboard(client, auth, db, users):
    technology = factories.technology(users["company"].company)
    age(db, technology, 370)
    assert freshness(technology).due and not freshness(technology).stale
    auth.login("firm@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Please confirm these listings are still current" in page
    assert "/technologies/rooftop-pv/confirm" in page


def test_after_the_grace_period_the_listing_is_stale_and_says_so(client, auth, db, users):
    technology = factories.technology(users["company"].company)
    age(db, technology, 400)
    assert freshness(technology).stale
    auth.login("city@example.com")
    page = client.get("/technologies/rooftop-pv").get_data(as_text=True)
    assert "this listing is not proposed in matches until it is confirmed" in page


def test_one_click_renews_a_stale_listing(client, auth, db, users):
    technology = factories.technology(users["company"].company)
    age(db, technology, 400)
    auth.login("firm@example.com")
    assert client.post("/technologies/rooftop-pv/confirm").status_code == 303
    assert not freshness(db.session.scalar(select(Technology))).stale


def test_coordinators_see_due_and_stale_listings(client, auth, db, users):
    firm = users["company"].company
    age(db, factories.technology(firm, ref="old-one", title="Old chiller"), 400)
    age(db, factories.technology(firm, ref="aging", title="Aging boiler"), 370)
    factories.technology(firm, ref="fresh", title="Fresh LED")
    auth.login("coordinator@example.com")
    page = client.get("/listings/stale").get_data(as_text=True)
    assert "Old chiller" in page and "Aging boiler" in page and "Fresh LED" not in page
    assert "Not matched" in page and "Reminder due" in page
    auth.logout()
    auth.login("firm@example.com")
    assert client.get("/listings/stale").status_code == 403
