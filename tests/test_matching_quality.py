"""The engine's ranking quality on the labelled set stays above a floor and beats the baseline.

Measured when the floor was set: recall@5 0.925, recall@10 0.983, MRR 0.934
(baseline WRatio: 0.264, 0.408, 0.303).
"""
from matchapp.bundle import import_bundle
from matchapp.matching import quality

FLOOR = {"recall@5": 0.85, "recall@10": 0.93, "mrr": 0.85}


def test_engine_quality_stays_above_its_floor_and_beats_the_baseline(db):
    labelled = quality.load_labelled()
    assert len(labelled["relevant"]) >= 25 and len(labelled["bundle"]["technologies"]) >= 60
    import_bundle(labelled["bundle"])
    result = quality.evaluate(labelled)
    for metric, floor in FLOOR.items():
        assert result["engine"][metric] >= floor, (metric, result)
        assert result["engine"][metric] > result["baseline"][metric], (metric, result)


def test_metrics_are_computed_as_defined():
    rankings = {"a": ["x", "y", "z"], "b": ["q", "r", "s", "t", "u", "v"]}
    relevant = {"a": ["y"], "b": ["v", "zz"]}
    result = quality.metrics(rankings, relevant)
    assert result == {"recall@5": round((1 + 0) / 2, 3), "recall@10": round((1 + 0.5) / 2, 3),
                      "mrr": round((1 / 2 + 1 / 6) / 2, 3)}
