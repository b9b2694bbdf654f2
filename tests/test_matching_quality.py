"""The engine's ranking quality on labelled sets stays above its floors and beats the baselines.

bench/unseen.json was written by a helper who never saw the glossary or the engine;
its holdout part was not used for tuning. Measured when the floors were set
(bench/quality.py): holdout recall@5 0.899, MRR 0.907, mis-tagged needs recall@5
0.778; the team's own set: recall@5 0.908, recall@10 0.954, MRR 0.911. The floors are
the issue's targets (holdout) and the old floors (own set).
"""
from matchapp.bundle import import_bundle
from matchapp.matching import quality

HOLDOUT_FLOOR = {"recall@5": 0.85, "mrr": 0.75}
MIS_TAGGED_FLOOR = 0.75
OWN_SET_FLOOR = {"recall@5": 0.85, "recall@10": 0.93, "mrr": 0.85}


def test_quality_on_listings_written_by_someone_else_meets_the_targets(db):
    labelled = quality.load_labelled(quality.UNSEEN)
    holdout = labelled["split"]["holdout"]
    assert len(holdout) >= 20 and not set(holdout) & set(labelled["split"]["dev"])
    import_bundle(labelled["bundle"])
    result = quality.evaluate(labelled, holdout, {"engine": quality.engine_rankings,
                                                  "wratio": quality.baseline_rankings})
    engine, wratio = result["engine"], result["wratio"]
    for metric, floor in HOLDOUT_FLOOR.items():
        assert engine["overall"][metric] >= floor, (metric, engine)
        assert engine["overall"][metric] > wratio["overall"][metric]
    assert engine["mis-tagged"]["needs"] >= 5
    assert engine["mis-tagged"]["recall@5"] >= MIS_TAGGED_FLOOR, engine
    assert engine["cross-language"]["recall@5"] > wratio["cross-language"]["recall@5"] + 0.5


def test_quality_on_the_teams_own_set_stays_above_its_floor(db):
    labelled = quality.load_labelled()
    import_bundle(labelled["bundle"])
    result = quality.evaluate(labelled, rankers={"engine": quality.engine_rankings})
    for metric, floor in OWN_SET_FLOOR.items():
        assert result["engine"]["overall"][metric] >= floor, (metric, result)


def test_metrics_are_computed_as_defined():
    rankings = {"a": ["x", "y", "z"], "b": ["q", "r", "s", "t", "u", "v"]}
    relevant = {"a": ["y"], "b": ["v", "zz"]}
    result = quality.metrics(rankings, relevant)
    assert result == {"recall@5": round((1 + 0) / 2, 3), "recall@10": round((1 + 0.5) / 2, 3),
                      "mrr": round((1 / 2 + 1 / 6) / 2, 3), "needs": 2}


def test_cross_language_and_mis_tagged_subsets_are_found_from_the_data():
    labelled = {"bundle": {"technologies": [{"ref": "t1", "language": "ja"}, {"ref": "t2", "language": "en"}],
                           "needs": [{"ref": "n1", "language": "en"}, {"ref": "n2", "language": "ja"}]},
                "relevant": {"n1": ["t1", "t2"], "n2": ["t1"]}, "tags": {"n2": ["mis_tagged"]}}
    parts = quality.subsets(labelled)
    assert parts["cross-language"] == {"n1": ["t1"]}
    assert parts["mis-tagged"] == {"n2": ["t1"]}
