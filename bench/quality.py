"""Matching quality on bench/labelled.json: the engine against a rapidfuzz WRatio baseline.

Run: .venv/bin/python bench/quality.py   (uses a throw-away SQLite database)
"""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from matchapp import create_app  # noqa: E402
from matchapp.bundle import import_bundle  # noqa: E402
from matchapp.matching import quality  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/quality.sqlite3", "TESTING": True})
        with app.app_context():
            upgrade()
            labelled = quality.load_labelled()
            import_bundle(labelled["bundle"])
            result = quality.evaluate(labelled)
    print(f"labelled needs: {len(labelled['relevant'])}, technologies: {len(labelled['bundle']['technologies'])}")
    print(f"{'':10} {'recall@5':>9} {'recall@10':>10} {'MRR':>7}")
    for name in ("engine", "baseline"):
        m = result[name]
        print(f"{name:10} {m['recall@5']:>9.3f} {m['recall@10']:>10.3f} {m['mrr']:>7.3f}")
    e, b = result["engine"], result["baseline"]
    print("ratio engine/baseline: " + ", ".join(
        f"{k} {e[k] / b[k]:.2f}x" if b[k] else f"{k} n/a" for k in ("recall@5", "recall@10", "mrr")))


if __name__ == "__main__":
    main()
