"""The bilingual demo data set and one demo login per role."""
import json
from pathlib import Path

from sqlalchemy import select

from . import bundle
from .accounts import services
from .extensions import db
from .models import City, Company, User

DEMO_BUNDLE = Path(__file__).parent / "data" / "demo_bundle.json"
DEMO_PASSWORD = "matchapp-demo"
# (email, role, organisation ref, language, time zone)
DEMO_USERS = [
    ("company@demo.matchapp.example", "company", "kanmon-solar", "ja", "Asia/Tokyo"),
    ("city@demo.matchapp.example", "city", "hai-phong", "en", "Asia/Ho_Chi_Minh"),
    ("coordinator@demo.matchapp.example", "coordinator", None, "ja", "Asia/Tokyo"),
    ("admin@demo.matchapp.example", "admin", None, "en", "Asia/Tokyo"),
    ("partner@demo.matchapp.example", "partner", None, "ja", "Asia/Tokyo"),
]


def multiplied_bundle(times: int) -> dict:
    """The demo bundle `times` over, copy n's refs suffixed "-n" (copy 1 is the original): load and fault tests."""
    with DEMO_BUNDLE.open(encoding="utf-8") as handle:
        original = json.load(handle)
    links = {"technologies": "company", "needs": "city"}
    result = {key: [] for key in original}
    for copy in range(1, times + 1):
        suffix = "" if copy == 1 else f"-{copy}"
        for key, entries in original.items():
            for entry in entries:
                entry = dict(entry, ref=entry["ref"] + suffix)
                if key in links:
                    entry[links[key]] += suffix
                elif suffix:
                    entry["name"] = f"{entry['name']} {copy}"
                result[key].append(entry)
    return result


def load() -> bundle.ImportResult:
    """Upsert the demo bundle, then add the demo users that do not exist yet."""
    with DEMO_BUNDLE.open(encoding="utf-8") as handle:
        result = bundle.import_bundle(json.load(handle))
    for email, role, organisation_ref, language, zone in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        company = city = None
        if role == "company":
            company = db.session.scalar(select(Company).where(Company.ref == organisation_ref))
        elif role == "city":
            city = db.session.scalar(select(City).where(City.ref == organisation_ref))
        services.create_user(email, DEMO_PASSWORD, role, company=company, city=city,
                             name=f"Demo {role}", language=language, timezone=zone)
    db.session.commit()
    return result


def logins_text() -> str:
    lines = ["Demo logins (password for all: %s):" % DEMO_PASSWORD]
    lines += [f"  {role:<12} {email}" for email, role, *_ in DEMO_USERS]
    return "\n".join(lines)


# What coordinators did with demo pairs (need ref, technology ref, outcome): the first
# labelled examples for `flask tune-weights` and the quality figures.
DEMO_OUTCOMES = [
    ("hp-seafood-wastewater", "jfils-organic-wastewater", "project"),
    ("hp-ip-waste-liquid", "daiseki-liquid-energy", "met"),
    ("hp-catba-ev-bus", "evmj-ev-bus", "accepted"),
    ("sby-composting", "nishihara-composting", "project"),
    ("ygn-market-biogas", "hitz-methane-fermentation", "project"),
    ("smg-bus-fuel", "hokusan-cng-retrofit", "project"),
    ("pp-e-trikes", "terra-e-trike", "met"),
    ("hcmc-water-pumps", "hitachi-pump-inverter", "met"),
    ("davao-wte", "nse-waste-to-energy", "accepted"),
    ("koror-ev", "evmj-ev-bus", "accepted"),
    ("sel-cement-fuel", "amita-cement-fuel", "met"),
    ("pp-rice-husk", "fujita-rice-husk", "accepted"),
    ("hp-seafood-wastewater", "tokyo-century-leasing", "dismissed"),
    ("sby-composting", "nishihara-sorting", "dismissed"),
    ("davao-wte", "nse-landfill-gas", "dismissed"),
    ("hcmc-water-pumps", "rokko-leak-detection", "dismissed"),
]


def record_outcomes() -> int:
    """Record the demo's outcomes (idempotent); returns how many pairs exist in this database."""
    from .matching import outcomes
    from .models import Need, Technology
    needs = dict(db.session.execute(select(Need.ref, Need.id)).all())
    techs = dict(db.session.execute(select(Technology.ref, Technology.id)).all())
    recorded = 0
    for need_ref, tech_ref, outcome in DEMO_OUTCOMES:
        if need_ref in needs and tech_ref in techs:
            outcomes.record(needs[need_ref], techs[tech_ref], outcome)
            recorded += 1
    db.session.commit()
    return recorded
