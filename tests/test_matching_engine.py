"""The scorer: components, bilingual concepts, exact vectorised ranking, weights from a file."""
import json

import pytest

from matchapp.matching import glossary as glossary_module
from matchapp.matching.engine import NeedProfile, TechIndex, TechProfile, analyse, score_pair
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
                       analyse(glossary, text))


def need(glossary, text, sectors, country="VN", jcm=True, partners=("Kitakyushu",)):
    return NeedProfile(1, "n1", "Hai Phong", country, jcm, {p.lower(): p for p in partners}, frozenset(sectors),
                       analyse(glossary, text))


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


def test_sector_fit_counts_how_much_of_the_need_is_covered(glossary, weights):
    n = need(glossary, "solar", ["renewable_energy", "energy_efficiency"])
    half = score_pair(n, tech(glossary, 1, "solar", ["renewable_energy"]), weights)
    full = score_pair(n, tech(glossary, 2, "solar", ["renewable_energy", "energy_efficiency"]), weights)
    assert full.components["sector"] == 2 * half.components["sector"] == 100 * weights.sector


def test_country_fit_prefers_delivered_then_targeted_then_any(glossary, weights):
    n = need(glossary, "solar", ["renewable_energy"])
    scores = [score_pair(n, t, weights).components["country"] for t in (
        tech(glossary, 1, "solar", ["renewable_energy"], countries=["VN"], delivered={"VN": 2019}),
        tech(glossary, 2, "solar", ["renewable_energy"], countries=["VN"]),
        tech(glossary, 3, "solar", ["renewable_energy"]),
        tech(glossary, 4, "solar", ["renewable_energy"], countries=["TH"]))]
    assert scores[0] > scores[1] > scores[2] > scores[3] == 0


def test_bonuses_for_partnership_and_jcm(glossary, weights):
    n = need(glossary, "solar", ["renewable_energy"])
    plain = score_pair(n, tech(glossary, 1, "solar", ["renewable_energy"], home="osaka"), weights)
    partner = score_pair(n, tech(glossary, 2, "solar", ["renewable_energy"]), weights)
    both = score_pair(n, tech(glossary, 3, "solar", ["renewable_energy"], jcm=True), weights)
    assert plain.components["bonus"] == 0 < partner.components["bonus"] < both.components["bonus"]
    assert {"code": "partnership", "japanese_city": "Kitakyushu", "city": "Hai Phong"} in partner.reasons
    assert {"code": "jcm", "country": "VN"} in both.reasons


def test_no_shared_sector_nor_concept_is_no_candidate(glossary, weights):
    n = need(glossary, "electric buses", ["transport"])
    assert score_pair(n, tech(glossary, 1, "sludge drying", ["water"]), weights) is None


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
        reference = sorted((r for r in (score_pair(n, t, weights) for t in techs) if r), key=lambda r: -r.score)
        ranked = index.rank(n, weights, top=10)
        assert [r.score for r in ranked] == [r.score for r in reference[:10]]
        assert all(r.reasons for r in ranked)


def test_index_updates_one_technology_in_place(glossary, weights):
    index = TechIndex(SECTORS, [tech(glossary, 1, "boiler", ["energy_efficiency"]),
                                tech(glossary, 2, "chiller", ["energy_efficiency"])])
    n = need(glossary, "solar pv", ["renewable_energy"])
    assert index.rank(n, weights, top=5) == []
    index.put(tech(glossary, 2, "rooftop solar pv", ["renewable_energy"]))
    assert [r.technology_ref for r in index.rank(n, weights, top=5)] == ["t2"]
    index.remove(2)
    assert index.rank(n, weights, top=5) == []


def test_weights_come_from_a_file(tmp_path, monkeypatch):
    data = json.loads(open(load_weights.__globals__["DEFAULT_FILE"], encoding="utf-8").read())
    data.update(sector=0.5, text=0.2)
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data))
    monkeypatch.setenv("MATCHAPP_WEIGHTS", str(path))
    assert load_weights().sector == 0.5
    data.update(sector=0.9)
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="add up to 1"):
        load_weights()
