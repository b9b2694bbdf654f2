"""Stored profiles, the change log that keeps every process's index current, and index snapshots."""
import logging

import pytest
from sqlalchemy import func, insert, select, update

from matchapp import demo
from matchapp.listings.services import import_bundle
from matchapp.matching import profiles, semantic, store
from matchapp.matching.index import TechIndex
from matchapp.models import Company, MatchProfile, Need, Technology, TechnologyChange

from . import factories


def ranking(need_ref: str, top: int = 10) -> list[tuple[str, float]]:
    need = profiles.db.session.scalar(select(Need).where(Need.ref == need_ref))
    return [(r.technology_ref, r.score) for r in store.rank_need(need, top)]


def another_process() -> profiles.Catalog:
    """A catalog as a second server process would have it: built from the database, not from ours."""
    return profiles.Catalog()


def test_profiles_are_stored_when_a_listing_is_saved_and_not_computed_again(db, users):
    tech = factories.technology(users["company"].company, title="Rooftop solar PV for factories")
    store.listing_changed(tech)
    db.session.commit()
    row = db.session.scalar(select(MatchProfile).where(MatchProfile.technology_id == tech.id))
    assert row.model == semantic.MODEL_ID and len(semantic.from_bytes(row.vector)[0]) == semantic.DIMENSIONS
    assert ["en", "Rooftop solar PV for factories"] in row.passages
    assert "solar_pv" in row.concepts
    before = row.updated_at
    tech.contact_name = "Ms Tanaka"  # not a text the engine reads
    store.listing_changed(tech)
    db.session.commit()
    db.session.refresh(row)
    assert row.updated_at == before
    tech.title = "Floating solar PV on reservoirs"
    store.listing_changed(tech)
    db.session.commit()
    db.session.refresh(row)
    assert row.updated_at > before and ["en", "Floating solar PV on reservoirs"] in row.passages


def test_another_process_sees_an_edit_through_the_change_log(db, users):
    demo.load()
    factories.rematch()
    ours, theirs = profiles.catalog(), another_process()
    theirs.sync()
    tech = db.session.scalar(select(Technology).where(Technology.ref == "nse-landfill-gas"))
    seq_before = theirs.last_seq
    tech.title, tech.description = "Seawater desalination", "Reverse osmosis for islands."
    store.listing_changed(tech)
    db.session.commit()
    index = theirs.sync()
    assert theirs.last_seq > seq_before
    assert index.profile(index.position[tech.id]).analysis.concepts == \
        ours.sync().profile(ours.index.position[tech.id]).analysis.concepts
    need = db.session.scalar(select(Need).where(Need.ref == "dn-landfill-methane"))
    refs = [r.technology_ref for r in index.rank(store.need_profile(need), theirs.weights, 3)]
    assert "nse-landfill-gas" not in refs  # its new text is about desalination


def test_an_owners_new_home_city_reaches_the_index(db, users):
    demo.load()
    theirs = another_process()
    theirs.sync()
    company = db.session.scalar(select(Company).where(Company.ref == "kanmon-solar"))
    company.home_city = "Yokohama"
    db.session.commit()
    index = theirs.sync()
    pos = index.position[company.technologies[0].id]
    assert index.profile(pos).home_city == "yokohama"


def test_an_import_logs_each_new_technology_once_and_an_edited_owner_logs_all_of_its(db, users):
    """Adding a technology changes its company's collection, not the company; logging all of the
    company's technologies on every such flush made a 1,500-row import write 1.1 million log rows."""
    count = 150
    bundle = {"companies": [{"ref": "hokusan", "name": "Hokusan", "home_city": "Toyama"}],
              "technologies": [{"ref": f"retrofit-{n}", "company": "hokusan", "title": f"CNG bus retrofit {n}",
                                "description": "Kit for city buses", "sectors": ["transport"],
                                "countries": ["ID"], "language": "en"} for n in range(count)]}
    before = db.session.scalar(select(func.count()).select_from(TechnologyChange))
    import_bundle(bundle)
    db.session.commit()
    logged = db.session.scalars(select(TechnologyChange.technology_id).order_by(TechnologyChange.seq)).all()[before:]
    new_ids = set(db.session.scalars(select(Technology.id).where(Technology.ref.like("retrofit-%"))))
    assert len(new_ids) == count and set(logged) == new_ids
    assert len(logged) <= 2 * count  # at most the row itself and its profile's flush, not once per sibling
    theirs = another_process()
    theirs.sync()
    company = db.session.scalar(select(Company).where(Company.ref == "hokusan"))
    company.home_city = "Kitakyushu"
    db.session.commit()
    index = theirs.sync()
    assert {index.profile(index.position[i]).home_city for i in new_ids} == {"kitakyushu"}


@pytest.mark.postgres_only
def test_a_change_committed_after_a_later_one_is_not_missed(db, users):
    """On PostgreSQL a transaction can take sequence number N and commit after N+1 was read."""
    first = factories.technology(users["company"].company, ref="first", title="Small wind turbines")
    catalog = another_process()
    catalog.sync()
    with db.engine.connect() as other:
        slow = other.begin()
        other.execute(update(Technology).where(Technology.id == first.id).values(status="archived"))
        other.execute(insert(TechnologyChange).values(technology_id=first.id))  # takes N, not committed yet
        factories.technology(users["company"].company, ref="second", title="Rooftop solar")  # N+1, committed
        index = catalog.sync()
        assert "second" in [index.profile(p).ref for p in range(index.size)]
        assert index.active[index.position[first.id]] and catalog.gaps  # N is remembered as missing
        slow.commit()
    index = catalog.sync()
    assert not index.active[index.position[first.id]] and not catalog.gaps


def test_a_new_process_starts_from_the_snapshot_and_applies_later_changes(db, users, app, tmp_path):
    app.config["MATCHING_INDEX_CACHE"] = str(tmp_path)
    demo.load()
    factories.rematch()
    expected = ranking("hp-seafood-wastewater")
    assert list(tmp_path.glob("index-*.npz"))
    tech = db.session.scalar(select(Technology).where(Technology.ref == "jfils-organic-wastewater"))
    tech.status = "archived"
    store.listing_changed(tech)
    db.session.commit()
    fresh = another_process()
    index = fresh.sync()
    assert fresh.saved_seq < fresh.last_seq  # loaded from the snapshot, then the archive was applied
    assert not index.active[index.position[tech.id]]
    profiles._catalogs.clear()  # this process, restarted: from the snapshot too
    without = [pair for pair in expected if pair[0] != tech.ref]
    assert len(without) == len(expected) - 1
    assert ranking("hp-seafood-wastewater")[:len(without)] == without


def test_a_broken_or_foreign_snapshot_is_ignored(db, users, app, tmp_path, caplog):
    app.config["MATCHING_INDEX_CACHE"] = str(tmp_path)
    demo.load()
    factories.rematch()
    expected = ranking("hcmc-water-pumps")
    path = next(tmp_path.glob("index-*.npz"))
    path.write_bytes(b"not an index")
    profiles._catalogs.clear()
    with caplog.at_level(logging.WARNING):
        assert ranking("hcmc-water-pumps") == expected
    assert "ignoring the matching index snapshot" in caplog.text
    index, meta = TechIndex.load(str(path))  # rewritten from the database
    assert meta["model"] == semantic.MODEL_ID and index.size == db.session.scalar(
        select(func.count()).select_from(Technology).where(Technology.status == "published"))


def test_rematch_reembed_recomputes_profiles_of_another_model(db, users, runner):
    demo.load()
    factories.rematch()
    db.session.execute(MatchProfile.__table__.update().values(model="some-older-model@0.1"))
    db.session.commit()
    result = runner.invoke(args=["rematch"])
    assert result.exit_code == 0 and "Embedding" in result.output
    assert db.session.scalar(select(func.count()).select_from(MatchProfile)
                             .where(MatchProfile.model != semantic.MODEL_ID)) == 0
    result = runner.invoke(args=["rematch", "--reembed"])
    assert result.exit_code == 0 and "Embedding" in result.output and "Stored" in result.output


@pytest.mark.parametrize("size", [0, 3])
def test_snapshot_round_trip_keeps_every_column(tmp_path, size):
    from matchapp.matching.engine import TechProfile
    from matchapp.matching.glossary import Analysis
    import numpy as np
    profiles_ = [TechProfile(i + 1, f"t{i}", "c", "kitakyushu", frozenset({"waste"}), frozenset({"VN"}), {"VN": 2020},
                             True, Analysis({"wte": "WtE"}, frozenset({"plant"})),
                             semantic.unit(np.arange(512, dtype=np.float32) + i), 1000.0 + i) for i in range(size)]
    index = TechIndex(["waste", "water"], profiles_)
    index.save(str(tmp_path / "i.npz"), {"seq": 5})
    loaded, meta = TechIndex.load(str(tmp_path / "i.npz"))
    assert meta["seq"] == 5 and loaded.size == size
    for pos in range(size):
        a, b = index.profile(pos), loaded.profile(pos)
        assert (a.id, a.ref, a.sectors, a.countries, a.delivered, a.jcm, a.analysis.concepts, a.tokens) == \
            (b.id, b.ref, b.sectors, b.countries, b.delivered, b.jcm, b.analysis.concepts, b.tokens)
        assert np.allclose(a.vector, b.vector, atol=1e-3) and a.confirmed == b.confirmed
    assert {k: sorted(v.tolist()) for k, v in ((k, loaded.posting(k)) for k in index._sets)} == \
        {k: sorted(v) for k, v in index._sets.items()}


def test_a_rolled_back_edit_leaves_the_index_as_the_database_is(db, users):
    tech = factories.technology(users["company"].company, title="Rooftop solar PV for factories")
    store.listing_changed(tech)
    db.session.commit()
    catalog = profiles.catalog()
    catalog.sync()
    tech.title, tech.status = "Seawater desalination", "archived"
    store.listing_changed(tech)  # the index sees this transaction's own change ...
    assert not catalog.index.active[catalog.index.position[tech.id]]
    db.session.rollback()  # ... which never happens
    index = catalog.sync()
    pos = index.position[tech.id]
    assert index.active[pos] and "solar_pv" in index.profile(pos).analysis.concepts
    # the sequence numbers the rolled-back changes used are read again (SQLite hands them out again)
    tech = db.session.get(Technology, tech.id)
    tech.status = "archived"
    store.listing_changed(tech)
    db.session.commit()
    assert not catalog.sync().active[pos]


def stored_pairs(tech_id: int | None = None) -> list[tuple]:
    from matchapp.models import Match
    query = select(Match.need_id, Match.technology_id, Match.score, Match.reasons).order_by(Match.need_id,
                                                                                             Match.technology_id)
    return [tuple(row) for row in db_rows(query if tech_id is None else query.where(Match.technology_id == tech_id))]


def db_rows(query):
    return profiles.db.session.execute(query).all()


@pytest.mark.parametrize("keep", [3, 50])
def test_an_edited_technology_is_stored_where_a_full_rematch_would_store_it(db, users, keep):
    """Re-scoring one technology skips the needs it cannot reach (a bound without rapidfuzz) and
    reads sentences only for the pairs it stores: what it stores is what a full rematch stores,
    with needs full (keep=3: the 3rd best is the bar) and with room left (keep=50)."""
    import dataclasses
    demo.load()
    catalog = profiles.catalog()
    catalog.weights = dataclasses.replace(catalog.weights, stored_per_need=keep)
    factories.rematch()
    edits = [("nse-landfill-gas", "Seawater desalination", "Reverse osmosis for islands."),  # leaves its lists
             ("kanmon-rooftop-solar", "Rooftop solar PV and batteries",
              "Solar panels on factory roofs with storage for industrial parks.")]
    for ref, title, description in edits:
        tech = db.session.scalar(select(Technology).where(Technology.ref == ref))
        before = stored_pairs(tech.id)
        tech.title, tech.description = title, description
        store.listing_changed(tech)
        db.session.commit()
        incremental = stored_pairs()
        factories.rematch()
        assert incremental == stored_pairs()
        assert stored_pairs(tech.id) != before
    archived = db.session.scalar(select(Technology).where(Technology.ref == "daiseki-liquid-energy"))
    assert stored_pairs(archived.id)
    archived.status = "archived"
    store.listing_changed(archived)
    db.session.commit()
    incremental = stored_pairs()
    factories.rematch()
    assert incremental == stored_pairs() and not stored_pairs(archived.id)
