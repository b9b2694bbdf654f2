"""The engine as it was before the semantic redesign (commit 04fe7d6), kept only as a baseline for the benches.

Score 0..100 = sector 35 (share of the need's sectors covered) + country 20 (delivered 1,
offered 0.85, any country 0.5, elsewhere 0) + text 35 (glossary concepts 75 %, rapidfuzz
token-set 25 %) + bonus 10; pairs sharing neither a sector nor a concept are dropped.
It reads the same stored glossary analysis as today's engine.
"""
from rapidfuzz import fuzz

from matchapp.matching import profiles, store
from matchapp.matching.engine import bonus_fit, concept_fit
from matchapp.matching.weights import Weights

W = dict(sector=0.35, country=0.20, text=0.35, bonus=0.10, text_concepts=0.75, text_fuzzy=0.25)


def legacy_score(need, tech, w: Weights) -> float | None:
    sector = len(need.sectors & tech.sectors) / len(need.sectors) if need.sectors else 0.0
    concepts = concept_fit(need, tech)
    if sector == 0 and concepts == 0:
        return None
    if need.country in tech.delivered:
        country = 1.0
    elif need.country in tech.countries:
        country = 0.85
    else:
        country = 0.5 if not tech.countries else 0.0
    fuzzy = fuzz.token_set_ratio(need.tokens, tech.tokens) / 100
    text = W["text_concepts"] * concepts + W["text_fuzzy"] * fuzzy
    return 100 * (W["sector"] * sector + W["country"] * country + W["text"] * text + W["bonus"] * bonus_fit(need, tech, w))


def legacy_rankings(need_refs) -> dict[str, list[str]]:
    from matchapp.matching.quality import _needs
    catalog = profiles.catalog()
    index, weights = catalog.sync(), catalog.weights
    techs = [index.profile(i) for i in range(index.size) if index.active[i]]
    rankings = {}
    for need in _needs(need_refs):
        profile = store.need_profile(need)
        scored = [(s, t.id, t.ref) for t in techs if (s := legacy_score(profile, t, weights)) is not None]
        rankings[need.ref] = [ref for _s, _id, ref in sorted(scored, key=lambda x: (-round(x[0], 2), x[1]))]
    return rankings
