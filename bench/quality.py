"""Matching quality on labelled sets: the engine against today's engine before the redesign, the
sentence encoder's cosine alone and rapidfuzz WRatio, all in the same run.

Sets: bench/unseen.json (written by a helper who never saw the glossary or the engine;
its `split` says which needs were used while tuning (dev) and which were never looked
at (holdout)), and bench/labelled.json (the team's own older set, glossary-aware).
Subsets: overall, cross-language pairs only, needs with wrong sector ticks.

Run: .venv/bin/python bench/quality.py [--set unseen|labelled|both]   (throw-away SQLite databases)
"""
import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402

from legacy import legacy_rankings  # noqa: E402
from matchapp import create_app  # noqa: E402
from matchapp.bundle import import_bundle  # noqa: E402
from matchapp.extensions import db  # noqa: E402
from matchapp.matching import profiles, quality  # noqa: E402

RANKERS = {"engine": quality.engine_rankings, "before": legacy_rankings, "cosine": quality.cosine_rankings,
           "wratio": quality.baseline_rankings}


def run(path: Path) -> dict:
    labelled = quality.load_labelled(path)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/quality.sqlite3", "TESTING": True,
                          "MATCHING_INDEX_CACHE": ""})
        with app.app_context():
            upgrade()
            import_bundle(labelled["bundle"])
            profiles.compute_missing_profiles()
            db.session.commit()
            parts = labelled.get("split") or {"all": list(labelled["relevant"])}
            return {"labelled": labelled,
                    "parts": {name: quality.evaluate(labelled, needs, RANKERS) for name, needs in parts.items()}}


def report(name: str, result: dict) -> None:
    labelled = result["labelled"]
    print(f"\n== {name}: {len(labelled['relevant'])} needs, {len(labelled['bundle']['technologies'])} technologies")
    print(f"{'part':8} {'subset':15} {'needs':>5} {'ranker':7} {'recall@5':>9} {'recall@10':>10} {'MRR':>6}")
    for part, by_ranker in result["parts"].items():
        for subset in ("overall", "cross-language", "mis-tagged"):
            for ranker, by_subset in by_ranker.items():
                m = by_subset[subset]
                if not m["needs"]:
                    continue
                print(f"{part:8} {subset:15} {m['needs']:>5} {ranker:7} {m['recall@5']:>9.3f} {m['recall@10']:>10.3f} "
                      f"{m['mrr']:>6.3f}")
        e, b = by_ranker["engine"]["overall"], by_ranker["before"]["overall"]
        print(f"{part:8} engine / before: recall@5 {e['recall@5'] / b['recall@5']:.2f}x, MRR {e['mrr'] / b['mrr']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("unseen", "labelled", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if args.set in ("unseen", "both"):
        report("bench/unseen.json (targets on holdout: recall@5 >= 0.85, MRR >= 0.75, mis-tagged recall@5 >= 0.75)",
               run(quality.UNSEEN))
    if args.set in ("labelled", "both"):
        report("bench/labelled.json (the team's own set)", run(quality.LABELLED))


if __name__ == "__main__":
    main()
