"""Matching speed on the path a user takes, database included, cold and warm, at 1k, 10k and 100k technologies.

For each size a SQLite database is filled with N published technologies and 1,000
open needs whose stored profiles (sentence vectors, sentences, glossary analysis)
come from a pool of texts recombined from real listings (bench/unseen.json,
bench/labelled.json, the demo), encoded once by the real model. Then, each figure
the median of several runs unless it says "cold":
- cold: a fresh Python process runs the first live ranking of one need (imports,
  app, index load, ranking, reasons): "first start" builds the index from the stored
  profiles and writes the snapshot, "cold first" is every later fresh process, which
  loads the snapshot and the changes logged since;
- warm live ranking for one new need: the need is created, its vector encoded and
  stored, the index synced from the change log and the top 10 ranked with reasons;
- one listing edited -> its stored matches updated (a technology re-scored against
  the 1,000 needs; a need re-ranked), commit included;
- `rematch`: 1,000 needs x N technologies, stored matches written;
- baselines in the same process: brute-force numpy cosine top-10 over the stored
  vectors, and raw rapidfuzz cdist over the token strings (no database, no logic);
- import: `import_bundle` + profiles for 1,000 new technologies (real encoding),
  and the rate it implies; `--import-size N` measures a bigger import.
- peak RSS: of the cold process (a server process after its first ranking), and of
  this measuring process so far (it also filled the database and ran the rematch; it
  only grows, so later sizes include earlier peaks).

Run: .venv/bin/python bench/matching.py [--sizes 1000,10000,100000] [--import-size 1000]
"""
import argparse
import json
import logging
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from matchapp import create_app  # noqa: E402
from matchapp.bundle import import_bundle  # noqa: E402
from matchapp.extensions import db  # noqa: E402
from matchapp.matching import glossary as glossary_module, profiles, semantic, store  # noqa: E402
from matchapp.matching.engine import token_string  # noqa: E402
from matchapp.models import City, Company, MatchProfile, Need, Technology  # noqa: E402
from matchapp.models.listings import need_sectors, technology_countries, technology_sectors  # noqa: E402

SECTORS = ["energy_efficiency", "renewable_energy", "waste", "water", "transport", "hydrogen", "digital",
           "smart_city", "policy", "environment", "fgas", "disaster_resilience"]
COUNTRIES = ["VN", "TH", "PH", "ID", "KH", "MM", "MY", "LA", "MN", "BD", "PW", "LK"]
POOL = 1500
NEEDS = 1000
RUNS = 7


def median_ms(fn, runs=RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def source_listings() -> list[dict]:
    found = []
    for path in (ROOT / "bench" / "unseen.json", ROOT / "bench" / "labelled.json"):
        found += json.loads(path.read_text(encoding="utf-8"))["bundle"]["technologies"]
    found += json.loads((ROOT / "matchapp" / "data" / "demo_bundle.json").read_text(encoding="utf-8"))["technologies"]
    return found


def text_pool(rng) -> list[dict]:
    """POOL listings (title, description, language) recombined from real sentences, profiled once."""
    by_language: dict[str, list] = {}
    for listing in source_listings():
        sentences = semantic.split_passages(listing["description"])
        by_language.setdefault(listing.get("language", "en"), []).append((listing["title"], sentences))
    glossary = glossary_module.load()
    pool = []
    for i in range(POOL):
        language = "ja" if i % 2 else "en"
        title, _ = rng.choice(by_language[language])
        sentences = [s for _t, ss in rng.sample(by_language[language], 3) for s in ss[:1]]
        versions = [(language, title, " ".join(sentences))]
        passages = profiles.passages_of(versions)
        analysis = glossary.analyse(f"{title}\n{' '.join(sentences)}")
        pool.append({"title": title, "description": " ".join(sentences), "language": language,
                     "passages": passages, "concepts": analysis.concepts, "tokens": token_string(analysis)})
    vectors = semantic.encode([f"{p['title']}\n{p['description']}" for p in pool])
    passage_vectors = semantic.encode([text for p in pool for _lang, text in p["passages"]])
    at = 0
    for p, vector in zip(pool, vectors):
        p["vector"] = vector
        p["passage_vectors"] = passage_vectors[at:at + len(p["passages"])]
        at += len(p["passages"])
    return pool


def profile_row(p, rng, **owner) -> dict:
    noisy = semantic.unit(p["vector"] + np.float32(0.05) * rng.standard_normal(semantic.DIMENSIONS).astype(np.float32))
    return dict(owner, model=semantic.MODEL_ID, glossary=profiles.glossary_version(), text_hash="bench",
                vector=semantic.to_bytes(noisy), concepts=p["concepts"], tokens=p["tokens"], passages=p["passages"],
                passage_vectors=semantic.to_bytes(p["passage_vectors"]))


def fill(size: int, pool: list[dict], seed: int) -> None:
    """N technologies and NEEDS needs with stored profiles, written with Core inserts."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    import_bundle(json.loads((ROOT / "matchapp" / "data" / "demo_bundle.json").read_text(encoding="utf-8")))
    db.session.execute(update(Technology).values(status="archived"))
    db.session.execute(update(Need).values(status="closed"))
    companies = list(db.session.scalars(select(Company.id)))
    cities = list(db.session.scalars(select(City.id)))
    for start in range(0, size, 10_000):
        rows, picks = [], []
        for i in range(start, min(size, start + 10_000)):
            p = rng.choice(pool)
            picks.append(p)
            rows.append(dict(ref=f"bench-t{i}", company_id=rng.choice(companies), title=p["title"][:200],
                             description=p["description"], language=p["language"], status="published",
                             jcm_experience=rng.random() < .2, search_text=p["description"].lower()))
        ids = db.session.scalars(insert(Technology).returning(Technology.id), rows).all()
        db.session.execute(insert(technology_sectors), [
            {"technology_id": t, "sector_code": s} for t in ids for s in rng.sample(SECTORS, rng.choice([1, 2, 3]))])
        country_rows = [{"technology_id": t, "country_code": c} for t in ids
                        for c in rng.sample(COUNTRIES, rng.choice([0, 1, 2, 3]))]
        if country_rows:
            db.session.execute(insert(technology_countries), country_rows)
        db.session.execute(insert(MatchProfile), [profile_row(p, nrng, technology_id=t) for t, p in zip(ids, picks)])
    rows, picks = [], []
    for i in range(NEEDS):
        p = rng.choice(pool)
        picks.append(p)
        rows.append(dict(ref=f"bench-n{i}", city_id=rng.choice(cities), title=p["title"][:200],
                         description=p["description"], language=p["language"], status="open",
                         search_text=p["description"].lower()))
    ids = db.session.scalars(insert(Need).returning(Need.id), rows).all()
    db.session.execute(insert(need_sectors), [
        {"need_id": n, "sector_code": s} for n in ids for s in rng.sample(SECTORS, rng.choice([1, 2, 4]))])
    db.session.execute(insert(MatchProfile), [profile_row(p, nrng, need_id=n) for n, p in zip(ids, picks)])
    db.session.commit()


COLD_CHILD = """
import sys, time, resource, logging
start = time.perf_counter()
sys.path.insert(0, {root!r})
logging.disable(logging.WARNING)
from matchapp import create_app
from matchapp.extensions import db
from matchapp.matching import store
from matchapp.models import Need
from sqlalchemy import select
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "TESTING": True, "MATCHING_INDEX_CACHE": {cache!r}}})
with app.app_context():
    ready = time.perf_counter()
    need = db.session.scalar(select(Need).where(Need.ref == "bench-n7"))
    results = store.rank_need(need, 10)
    done = time.perf_counter()
print(ready - start, done - ready, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(results))
"""


def cold_first_ranking(url: str, cache: str) -> tuple[float, float, float]:
    """(whole run, first ranking, peak MB) of a fresh interpreter ranking one need."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", COLD_CHILD.format(root=str(ROOT), url=url, cache=cache)],
                         capture_output=True, text=True, check=True).stdout.split()
    total = time.perf_counter() - started
    first, peak, count = float(out[1]), float(out[2]), int(out[3])
    assert count == 10, out
    return total, first, peak


def new_need(city_id: int, pool, rng, i: int) -> Need:
    p = rng.choice(pool)
    need = Need(ref=f"bench-new-{i}-{rng.random():.8f}", city_id=city_id, title=p["title"][:200],
                description=p["description"] + f" ({i})", language=p["language"], status="open")
    db.session.add(need)
    db.session.flush()
    return need


def bench_size(size: int, pool: list[dict], folder: str) -> dict:
    url = f"sqlite:///{folder}/bench-{size}.sqlite3"
    cache = f"{folder}/index-cache-{size}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "MATCHING_INDEX_CACHE": cache})
    r = {"size": size}
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        fill(size, pool, seed=size)
        r["fill_s"] = time.perf_counter() - start
    # the first process builds the index from the stored profiles and writes the snapshot; the next starts from it
    r["first_total_s"], r["first_rank_s"], _ = cold_first_ranking(url, cache)
    r["cold_total_s"], r["cold_rank_s"], r["cold_peak_mb"] = cold_first_ranking(url, cache)
    rng = random.Random(1)
    with app.app_context():
        start = time.perf_counter()
        index = profiles.catalog().sync()
        r["index_load_s"] = time.perf_counter() - start
        city_id = db.session.scalar(select(City.id))
        counter = iter(range(10**6))

        def warm_new_need():
            need = new_need(city_id, pool, rng, next(counter))
            profiles.compute_profiles([need])
            store.rank_need(need, 10)
            db.session.rollback()

        r["warm_new_need_ms"] = median_ms(warm_new_need)
        need_ids = list(db.session.scalars(select(Need.id).where(Need.status == "open")))
        existing = db.session.get(Need, need_ids[3])
        r["warm_rank_ms"] = median_ms(lambda: store.rank_need(existing, 10))
        vectors, tokens = index.vectors[:index.size], index.tokens[:index.size]
        query = store.need_profile(existing)
        r["numpy_ms"] = median_ms(lambda: np.argpartition(vectors @ query.vector, -10)[-10:])
        r["cdist_ms"] = median_ms(lambda: process.cdist([query.tokens], tokens, scorer=fuzz.token_set_ratio,
                                                        dtype=np.float32, workers=1))
        start = time.perf_counter()
        store.rematch()
        db.session.commit()
        r["rematch_s"] = time.perf_counter() - start
        tech_ids = list(db.session.scalars(select(Technology.id).where(Technology.status == "published").limit(50)))

        def edit_technology():
            tech = db.session.get(Technology, rng.choice(tech_ids))
            tech.description = rng.choice(pool)["description"] + f" {rng.random():.6f}"
            store.listing_changed(tech)
            db.session.commit()

        def edit_need():
            need = db.session.get(Need, rng.choice(need_ids))
            need.description = rng.choice(pool)["description"] + f" {rng.random():.6f}"
            store.listing_changed(need)
            db.session.commit()

        r["tech_edit_ms"] = median_ms(edit_technology)
        r["need_edit_ms"] = median_ms(edit_need)
    r["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profiles._catalogs.clear()  # the next size starts without this one's index in memory
    return r


def bench_import(count: int, folder: str) -> dict:
    """import_bundle of `count` new technologies with real texts, profiles (encoding) included."""
    listings = source_listings()
    rng = random.Random(count)
    demo = json.loads((ROOT / "matchapp" / "data" / "demo_bundle.json").read_text(encoding="utf-8"))
    companies = [c["ref"] for c in demo["companies"]]
    technologies = []
    for i in range(count):
        source = rng.choice(listings)
        sentences = semantic.split_passages(source["description"])
        rng.shuffle(sentences)
        technologies.append({"ref": f"import-{i}", "company": rng.choice(companies), "title": source["title"][:190] + f" {i}",
                             "description": " ".join(sentences) + f" ({i})", "sectors": source["sectors"],
                             "countries": [c for c in source.get("countries", []) if c in COUNTRIES],
                             "language": source.get("language", "en")})
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/import-{count}.sqlite3", "TESTING": True,
                      "MATCHING_INDEX_CACHE": ""})
    with app.app_context():
        upgrade()
        import_bundle({"cities": demo["cities"], "companies": demo["companies"]})
        db.session.commit()
        start = time.perf_counter()
        import_bundle({"technologies": technologies})
        db.session.commit()
        imported = time.perf_counter() - start
        start = time.perf_counter()
        listings_ = db.session.scalars(select(Technology)).all()
        profiles.compute_profiles(listings_)
        db.session.commit()
        embedded = time.perf_counter() - start
    return {"count": count, "import_s": imported, "profiles_s": embedded}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--import-size", type=int, default=1000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        pool = text_pool(rng)
        print(f"text pool: {POOL} listings recombined from real sentences, encoded in {time.perf_counter() - start:.1f} s")
        print(f"MatchApp matching on the user's path (SQLite, medians of {RUNS}; cold = a fresh process; "
              f"{NEEDS} open needs)")
        header = (f"{'techs':>7} {'first start':>12} {'cold first':>11} {'(ranking)':>10} {'warm new need':>14} {'warm rank':>10} "
                  f"{'numpy top10':>12} {'cdist':>9} {'tech edit':>10} {'need edit':>10} {'rematch':>9} "
                  f"{'index load':>11} {'RSS cold/all':>13}")
        print(header)
        for size in (int(s) for s in args.sizes.split(",")):
            r = bench_size(size, pool, folder)
            print(f"{r['size']:>7} {r['first_total_s']:>10.2f} s {r['cold_total_s']:>9.2f} s {r['cold_rank_s']:>8.2f} s {r['warm_new_need_ms']:>11.1f} ms "
                  f"{r['warm_rank_ms']:>7.1f} ms {r['numpy_ms']:>9.1f} ms {r['cdist_ms']:>6.1f} ms "
                  f"{r['tech_edit_ms']:>7.1f} ms {r['need_edit_ms']:>7.1f} ms {r['rematch_s']:>7.1f} s "
                  f"{r['index_load_s']:>9.2f} s {r['cold_peak_mb']:>5.0f}/{r['peak_mb']:.0f} MB")
            print(f"{'':>7} ratios: warm rank / numpy brute force {r['warm_rank_ms'] / r['numpy_ms']:.1f}x, "
                  f"/ raw cdist {r['warm_rank_ms'] / r['cdist_ms']:.2f}x")
        imp = bench_import(args.import_size, folder)
        rate = imp["count"] / (imp["import_s"] + imp["profiles_s"])
        print(f"import of {imp['count']} technologies: {imp['import_s']:.1f} s rows + {imp['profiles_s']:.1f} s "
              f"profiles (encoding) = {rate:.0f} per s; 100,000 at this rate: "
              f"{100_000 / rate / 60:.0f} min")
    print("targets at 100k: cold first ranking <= 2 s; warm new need <= 30 ms; edit -> stored matches <= 200 ms; "
          "rematch 1,000 needs <= 60 s; peak memory <= 1.2 GB")


if __name__ == "__main__":
    main()
