"""The scorer: components, bilingual concepts, sentence vectors, exact vectorised ranking, weights from a file."""
import json

import pytest

from matchapp.matching import glossary as glossary_module, semantic
from matchapp.matching.engine import NeedProfile, TechProfile, analyse, score_pair
from matchapp.matching.index import TechIndex
from matchapp.matching.weights import load as load_weights

SECTORS = ["energy_efficiency", "renewable_energy", "waste", "water", "transport", "hydrogen", "digital",
           "smart_city", "policy", "environment", "fgas", "disaster_resilience"]


@pytest.fixture(scope="module")
def glossary():
    return glossary_module.load()


@pytest.fixture(scope="module")
def weights():
    return load_weights()


def tech(glossary, id, text, sectors, countries=(), delivered=None, jcm=False, home="kitakyushu"):
    return TechProfile(id, f"t{id}", "firm", home, frozenset(sectors), frozenset(countries), delivered or {}, jcm,
                       analyse(glossary, text), semantic.encode([text])[0])


def need(glossary, text, sectors, country="VN", jcm=True, partners=("Kitakyushu",)):
    return NeedProfile(1, "n1", "Hai Phong", country, jcm, {p.lower(): p for p in partners}, frozenset(sectors),
                       analyse(glossary, text), semantic.encode([text])[0])


def test_the_glossary_is_large_and_unambiguous(glossary):
    assert len(glossary.term_to_concept) >= 200
    data = json.loads(glossary_module.GLOSSARY_FILE.read_text(encoding="utf-8"))
    for abbreviation in ("ems", "pv", "wte", "led"):
        assert abbreviation in glossary.term_to_concept
    seen = {}
    for concept in data["concepts"]:
        for term in concept["en"] + concept["ja"]:
            key = term.casefold()
            assert seen.setdefault(key, concept["id"]) == concept["id"], f"{term} is in two concepts"


def test_japanese_and_english_meet_on_shared_concepts(glossary):
    japanese = glossary.analyse("太陽光発電とエネルギーマネジメント")
    english = glossary.analyse("rooftop solar PV with EMS")
    assert set(japanese.concepts) == set(english.concepts) == {"solar_pv", "ems"}


def test_longest_match_and_width_folding(glossary):
    assert glossary.analyse("高効率ボイラを導入").concepts == {"boiler": "高効率ボイラ"}
    assert set(glossary.analyse("ＬＥＤ照明とｲﾝﾊﾞｰﾀ").concepts) == {"led", "inverter"}
    assert "hvac" not in glossary.analyse("archvacuum").concepts  # whole words only for ASCII


def test_sector_fit_counts_two_of_the_needs_sectors_at_most(glossary, weights):
    text = "Rooftop solar panels for factories"
    two = need(glossary, "Leak detection in water pipes", ["renewable_energy", "energy_efficiency"])
    half = score_pair(two, tech(glossary, 1, text, ["renewable_energy"]), weights)
    full = score_pair(two, tech(glossary, 2, text, ["renewable_energy", "energy_efficiency"]), weights)
    assert full.components["sector"] == 2 * half.components["sector"] == 100 * weights.sector
    # a need that ticks five sectors is not diluted: two covered is full marks
    many = need(glossary, "Leak detection in water pipes",
                ["renewable_energy", "energy_efficiency", "policy", "digital", "smart_city"])
    assert score_pair(many, tech(glossary, 3, text, ["renewable_energy", "policy"]),
                      weights).components["sector"] == 100 * weights.sector


def test_wrong_sector_ticks_cannot_sink_a_pair_whose_texts_match(glossary, weights):
    n = need(glossary, "We want to find and repair leaks in our water distribution pipes", ["digital"])
    matching_text = tech(glossary, 1, "Acoustic leak detection for water distribution pipes", ["water"])
    right_ticks = tech(glossary, 2, "Cloud dashboards for energy monitoring in offices", ["digital"])
    ranked = TechIndex(SECTORS, [matching_text, right_ticks]).rank(n, weights, top=2)
    assert [r.technology_ref for r in ranked] == ["t1", "t2"]
    assert ranked[0].components["sector"] > 0
    assert any(r["code"] == "sectors_differ" for r in ranked[0].reasons)


def test_country_fit_prefers_delivered_then_targeted_and_never_punishes_experience_elsewhere(glossary, weights):
    n = need(glossary, "solar", ["renewable_energy"])
    scores = [score_pair(n, t, weights).components["country"] for t in (
        tech(glossary, 1, "solar", ["renewable_energy"], countries=["VN"], delivered={"VN": 2019}),
        tech(glossary, 2, "solar", ["renewable_energy"], countries=["VN"]),
        tech(glossary, 3, "solar", ["renewable_energy"]),
        tech(glossary, 4, "solar", ["renewable_energy"], countries=["TH"], delivered={"TH": 2020}))]
    assert scores[0] > scores[1] > scores[2] > 0
    assert scores[3] >= scores[2]  # a delivery record elsewhere ranks no lower than naming no country
    elsewhere = score_pair(n, tech(glossary, 5, "solar", ["renewable_energy"], countries=["TH"]), weights)
    assert {"code": "experience_elsewhere", "countries": ["TH"]} in elsewhere.reasons


def test_bonuses_for_partnership_and_jcm(glossary, weights):
    n = need(glossary, "solar", ["renewable_energy"])
    plain = score_pair(n, tech(glossary, 1, "solar", ["renewable_energy"], home="osaka"), weights)
    partner = score_pair(n, tech(glossary, 2, "solar", ["renewable_energy"]), weights)
    both = score_pair(n, tech(glossary, 3, "solar", ["renewable_energy"], jcm=True), weights)
    assert plain.components["bonus"] == 0 < partner.components["bonus"] < both.components["bonus"]
    assert {"code": "partnership", "japanese_city": "Kitakyushu", "city": "Hai Phong"} in partner.reasons
    assert {"code": "jcm", "country": "VN"} in both.reasons


def test_no_gate_drops_a_pair_with_matching_text_but_no_shared_sector_or_concept(glossary, weights):
    n = need(glossary, "Quieter streets: replacing two-stroke motorbike taxis", ["environment"])
    t = tech(glossary, 1, "Electric motorcycle taxis with swappable batteries", ["energy_efficiency"])
    unrelated = tech(glossary, 2, "Seawater desalination membranes", ["water"])
    assert not (n.analysis.concepts.keys() & t.analysis.concepts.keys()) and not (n.sectors & t.sectors)
    ranked = TechIndex(SECTORS, [t, unrelated]).rank(n, weights, top=2)
    assert [r.technology_ref for r in ranked] == ["t1", "t2"]
    assert ranked[0].components["semantic"] > ranked[1].components["semantic"]


def test_every_score_has_reasons_and_components_that_add_up(glossary, weights):
    n = need(glossary, "Rooftop solar PV with EMS for the industrial park", ["renewable_energy"])
    t = tech(glossary, 1, "工業団地向けの太陽光発電とエネルギーマネジメントシステム", ["renewable_energy", "digital"],
             countries=["VN"])
    result = score_pair(n, t, weights)
    assert 0 <= result.score <= 100
    assert abs(sum(result.components.values()) - result.score) < 0.05
    terms = next(r for r in result.reasons if r["code"] == "terms")
    assert {c for _, _, c in terms["pairs"]} >= {"solar_pv", "ems", "industrial_park"}


def test_vectorised_ranking_equals_the_reference_scorer(glossary, weights):
    import random
    rng = random.Random(7)
    words = ["solar pv", "太陽光発電", "boiler", "高効率ボイラ", "sludge", "汚泥", "EV bus", "電気バス", "EMS", "landfill",
             "メタン発酵", "leak detection", "漏水", "chiller", "LED", "waste heat", "factory", "工場", "hotel"]
    techs = [tech(glossary, i, " ".join(rng.sample(words, 3)), rng.sample(SECTORS[:6], rng.randint(1, 2)),
                  countries=rng.sample(["VN", "TH", "ID"], rng.randint(0, 2)), jcm=rng.random() < .3,
                  home=rng.choice(["kitakyushu", "osaka", ""])) for i in range(300)]
    index = TechIndex(SECTORS, techs)
    for text in ("solar pv and EMS for factories", "汚泥とメタン発酵", "EV bus for the island"):
        n = need(glossary, text, rng.sample(SECTORS[:6], 2))
        reference = sorted((score_pair(n, t, weights) for t in techs), key=lambda r: (-r.score, r.technology_id))
        ranked = index.rank(n, weights, top=10)
        assert [r.technology_id for r in ranked] == [r.technology_id for r in reference[:10]]  # the same ones
        assert [r.score for r in ranked] == [r.score for r in reference[:10]]
        assert [r.components for r in ranked] == [r.components for r in reference[:10]]
        assert all(r.reasons for r in ranked)


def test_index_updates_one_technology_in_place(glossary, weights):
    index = TechIndex(SECTORS, [tech(glossary, 1, "boiler", ["energy_efficiency"]),
                                tech(glossary, 2, "chiller", ["energy_efficiency"])])
    n = need(glossary, "solar pv", ["renewable_energy"])
    before = {r.technology_ref: r.score for r in index.rank(n, weights, top=5)}
    index.put(tech(glossary, 2, "rooftop solar pv", ["renewable_energy"]))
    ranked = index.rank(n, weights, top=5)
    assert ranked[0].technology_ref == "t2" and ranked[0].score > before["t2"]
    index.remove(2)
    assert [r.technology_ref for r in index.rank(n, weights, top=5)] == ["t1"]


def test_stale_technologies_are_left_out_of_the_ranking(glossary, weights):
    old = tech(glossary, 1, "rooftop solar pv", ["renewable_energy"])
    old.confirmed = 100.0
    index = TechIndex(SECTORS, [old, tech(glossary, 2, "boiler", ["energy_efficiency"])])
    n = need(glossary, "solar pv", ["renewable_energy"])
    assert [r.technology_ref for r in index.rank(n, weights, top=5, fresh_after=1000.0)] == ["t2"]


def test_a_translation_is_the_nearest_text_across_languages():
    pairs = [("下水汚泥の乾燥と燃料化", "Drying sewage sludge and turning it into fuel"),
             ("電気バスの導入", "Introducing electric buses"),
             ("工場の屋根に太陽光パネルを設置する", "Installing solar panels on factory roofs"),
             ("水道管の漏水を音で探す", "Finding leaks in water pipes by sound")]
    japanese = semantic.encode([ja for ja, _ in pairs])
    english = semantic.encode([en for _, en in pairs])
    similarity = japanese @ english.T
    assert list(similarity.argmax(axis=1)) == list(range(len(pairs)))
    assert list(similarity.argmax(axis=0)) == list(range(len(pairs)))


def test_weights_come_from_a_file(tmp_path, monkeypatch):
    data = json.loads(open(load_weights.__globals__["DEFAULT_FILE"], encoding="utf-8").read())
    data.update(sector=0.35, semantic=0.2)
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data))
    monkeypatch.setenv("MATCHAPP_WEIGHTS", str(path))
    assert load_weights().sector == 0.35
    data.update(sector=0.9)
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="add up to 1"):
        load_weights()
