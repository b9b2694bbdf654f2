"""Small factories for test data, written through the same services the app uses."""
from matchapp.accounts import services
from matchapp.extensions import db
from matchapp.models import City, Company, Country, Need, Sector, Technology

PASSWORD = "correct horse battery"


def company(ref="kanmon", name="Kanmon Solar", name_ja="関門ソーラー", home_city="Kitakyushu"):
    obj = Company(ref=ref, name=name, name_ja=name_ja, home_city=home_city)
    db.session.add(obj)
    db.session.commit()
    return obj


def city(ref="hai-phong", name="Hai Phong", name_ja="ハイフォン市", country="VN", partners=("Kitakyushu",)):
    from matchapp.models import Partnership
    obj = City(ref=ref, name=name, name_ja=name_ja, country=db.session.get(Country, country),
               partnerships=[Partnership(japanese_city=p) for p in partners])
    db.session.add(obj)
    db.session.commit()
    return obj


def user(email, role, company=None, city=None, language="en"):
    obj = services.create_user(email, PASSWORD, role, company=company, city=city, language=language)
    db.session.commit()
    return obj


def technology(owner, ref="rooftop-pv", title="Rooftop solar PV", sectors=("renewable_energy",),
               countries=("VN",), status="published", language="en"):
    obj = Technology(ref=ref, company=owner, title=title, description="", language=language, status=status,
                     sectors=[db.session.get(Sector, s) for s in sectors],
                     countries=[db.session.get(Country, c) for c in countries])
    db.session.add(obj)
    db.session.commit()
    return obj


def need(owner, ref="ip-solar", title="Solar for the industrial park", sectors=("renewable_energy",),
         status="open", language="en"):
    obj = Need(ref=ref, city=owner, title=title, description="", language=language, status=status,
               sectors=[db.session.get(Sector, s) for s in sectors])
    db.session.add(obj)
    db.session.commit()
    return obj


def users_per_role() -> dict:
    firm = company()
    partner = city()
    return {
        "company": user("firm@example.com", "company", company=firm),
        "city": user("city@example.com", "city", city=partner),
        "coordinator": user("coordinator@example.com", "coordinator"),
        "admin": user("admin@example.com", "admin"),
    }


def rematch() -> dict:
    """Recompute every stored match and commit, as `flask rematch` does (the service itself never commits)."""
    from matchapp.matching import store
    result = store.rematch()
    db.session.commit()
    return result
