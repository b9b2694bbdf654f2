"""A living programme for the demo: introductions in every state, meetings past and coming,
projects at each stage with their numbers, funding and MRV, and announcements.

Introductions are written as rows with their history (the demo's other organisations have
no logins to act with, and seeding must not mail anybody); projects go through the
workspace's services, as a coordinator's would. `seed()` does nothing when the database
already has introductions, so it can run on every `make run`.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from .extensions import db
from .events import outcomes as event_outcomes, services as events
from .models import (Announcement, City, Company, Event, EventParticipant, Introduction, IntroductionEvent, Meeting,
                     MeetingOption, Need, Technology, User)
from .models.base import utcnow
from .workspace import projects

# need ref, technology ref, state, who asked, days ago, meeting in days (None: no meeting)
INTRODUCTIONS = [
    ("hp-seafood-wastewater", "kanmon-rooftop-solar", "requested", "company", 2, None),
    ("dn-rooftop-solar", "kanmon-floating-solar", "requested", "coordinator", 1, None),
    ("hp-ip-waste-liquid", "daiseki-liquid-energy", "meeting_scheduled", "city", 20, 3),
    ("hp-catba-ev-bus", "evmj-ev-bus", "accepted", "city", 10, None),
    ("pp-e-trikes", "terra-e-trike", "met", "coordinator", 40, -7),
    ("hcmc-water-pumps", "hitachi-pump-inverter", "follow_up", "city", 60, -30),
    ("qc-landfill-solar", "kanmon-rooftop-solar", "declined", "company", 30, None),
    ("bkk-building-energy", "azbil-building-hvac", "withdrawn", "city", 25, None),
    ("koror-ev", "evmj-ev-bus", "expired", "coordinator", 45, None),
    ("sel-cement-fuel", "amita-cement-fuel", "closed", "city", 90, -60),
    ("hp-seafood-wastewater", "jfils-organic-wastewater", "follow_up", "coordinator", 400, -380),
    ("sby-composting", "nishihara-composting", "follow_up", "city", 200, -180),
    ("ygn-market-biogas", "hitz-methane-fermentation", "met", "coordinator", 150, -120),
    ("smg-bus-fuel", "hokusan-cng-retrofit", "accepted", "city", 50, None),
    ("pp-rice-husk", "fujita-rice-husk", "met", "coordinator", 120, -100),
]
HISTORY = {  # the actions that led to each state
    "requested": ["request"], "accepted": ["request", "accept"], "declined": ["request", "decline"],
    "withdrawn": ["request", "withdraw"], "expired": ["request", "expire"],
    "meeting_scheduled": ["request", "accept", "schedule"], "met": ["request", "accept", "schedule", "met"],
    "follow_up": ["request", "accept", "schedule", "met", "follow_up"],
    "closed": ["request", "accept", "schedule", "met", "close"],
}
STATE_AFTER = {"request": "requested", "accept": "accepted", "decline": "declined", "withdraw": "withdrawn",
               "expire": "expired", "schedule": "meeting_scheduled", "met": "met", "follow_up": "follow_up",
               "close": "closed"}
# need ref, technology ref, stage, details (next_step_due in days from today), funding (source, status,
# amount JPY, fiscal year), MRV (years before this one, t)
PROJECTS = [
    ("hp-seafood-wastewater", "jfils-organic-wastewater", "commercialisation",
     {"expected_co2_t": 1850.0, "co2_basis": "Methane avoided at 12 seafood plants, 2006 IPCC guidelines",
      "investment_jpy": 420_000_000, "subsidy_jpy": 190_000_000, "next_step": "Second-year monitoring report",
      "next_step_due": 60},
     [("jcm_subsidy", "granted", 190_000_000, 2025)], [(0, 1710.0)]),
    ("sby-composting", "nishihara-composting", "feasibility",
     {"expected_co2_t": 5200.0, "co2_basis": "120 t/day organic waste diverted from landfill",
      "investment_jpy": 650_000_000, "subsidy_jpy": 300_000_000,
      "next_step": "Feasibility study report to the Ministry", "next_step_due": -5},
     [("city_to_city", "granted", 25_000_000, 2026)], []),
    ("ygn-market-biogas", "hitz-methane-fermentation", "planning",
     {"expected_co2_t": 3100.0, "co2_basis": "Biogas from 40 t/day market waste replacing diesel generation",
      "investment_jpy": 380_000_000, "next_step": "Site visit with the market committee", "next_step_due": 14},
     [("city_to_city", "applied", 20_000_000, 2027)], []),
    ("smg-bus-fuel", "hokusan-cng-retrofit", "discovery",
     {"expected_co2_t": 900.0, "co2_basis": "60 buses retrofitted to CNG, 30 % less CO2 per km",
      "next_step": "Workshop with the bus operator", "next_step_due": 21}, [], []),
    ("pp-rice-husk", "fujita-rice-husk", "dropped", {"expected_co2_t": 2400.0}, [], []),
]
ANNOUNCEMENTS = [  # kind, English title and text, Japanese title and text
    ("call", "City-to-City Collaboration Programme: proposals for FY2027 open",
     "Japanese local governments and their partner cities may propose joint feasibility studies until 31 January. "
     "Coordinators help write the proposal from an accepted introduction.",
     "都市間連携事業：2027年度の提案募集",
     "自治体と海外の連携都市は、1月31日まで共同の実現可能性調査を提案できます。"
     "コーディネーターが承諾済みの紹介から提案書づくりを支援します。"),
    ("subsidy", "JCM equipment subsidy: second round",
     "The representative company applies with its international consortium; the screening page estimates the "
     "subsidy rate and cost-effectiveness.",
     "JCM設備補助事業 第2回公募",
     "代表事業者は国際コンソーシアムで応募します。スクリーニング画面で補助率と費用対効果の目安を確認できます。"),
]


def seed() -> bool:
    """Add the programme once; False when the database already has introductions."""
    if db.session.scalar(select(Introduction.id).limit(1)) is not None:
        return False
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator").order_by(User.id))
    if coordinator is None:
        return False
    needs = {n.ref: n for n in db.session.scalars(select(Need))}
    techs = {t.ref: t for t in db.session.scalars(select(Technology))}
    now, made = utcnow(), {}
    for need_ref, tech_ref, state, requester, days_ago, meeting_in in INTRODUCTIONS:
        if need_ref in needs and tech_ref in techs:
            made[(need_ref, tech_ref)] = introduction(needs[need_ref], techs[tech_ref], state, requester,
                                                      now - timedelta(days=days_ago), meeting_in, coordinator)
    db.session.flush()
    for need_ref, tech_ref, stage, details, funding, monitoring in PROJECTS:
        if (need_ref, tech_ref) in made:
            project(made[(need_ref, tech_ref)], coordinator, stage, details, funding, monitoring)
    held_event(coordinator)
    for kind, title, body, title_ja, body_ja in ANNOUNCEMENTS:
        db.session.add(Announcement(kind=kind, title=title, body=body, title_ja=title_ja, body_ja=body_ja,
                                    created_by_id=coordinator.id))
    db.session.commit()
    return True


def introduction(need, technology, state, requester, at, meeting_in, coordinator) -> Introduction:
    accepted = state not in ("requested", "declined", "withdrawn", "expired")
    item = Introduction(need=need, technology=technology, state=state, requester_side=requester,
                        requested_by_id=coordinator.id if requester == "coordinator" else None, message="",
                        city_accepted=accepted, company_accepted=accepted, expires_at=at + timedelta(days=14),
                        created_at=at, updated_at=at)
    db.session.add(item)
    db.session.flush()
    for step, action in enumerate(HISTORY[state]):
        db.session.add(IntroductionEvent(introduction_id=item.id, state=STATE_AFTER[action], action=action,
                                         by_id=coordinator.id if requester == "coordinator" and action == "request"
                                         else None, at=at + timedelta(days=step)))
    if meeting_in is not None:
        starts = (utcnow() + timedelta(days=meeting_in)).replace(hour=2, minute=0, second=0, microsecond=0)
        db.session.add(Meeting(introduction_id=item.id, state="confirmed", mode="online",
                               url="https://meet.example/matchapp-demo", duration_minutes=60, starts_at=starts,
                               proposer_side="company", options=[MeetingOption(starts_at=starts)]))
    return item


def project(item: Introduction, coordinator, stage, details, funding, monitoring) -> None:
    created = projects.from_introduction(coordinator, item)
    db.session.flush()
    values = {name: getattr(created, name) for name in projects.DETAIL_FIELDS}
    values.update(details)
    if "next_step_due" in values and isinstance(values["next_step_due"], int):
        values["next_step_due"] = date.today() + timedelta(days=values["next_step_due"])
    values["next_step_owner_id"] = coordinator.id if values.get("next_step") else None
    projects.update_details(coordinator, created, created.version, **values)
    db.session.flush()
    for source, status, amount, year in funding:
        projects.add_funding(coordinator, created, source, status, amount, year)
    reason = "The rice mill owner sold the site." if stage == "dropped" else ""
    projects.move_stage(coordinator, created, created.version, stage, reason)
    db.session.flush()
    for years_ago, co2 in monitoring:
        projects.record_monitoring(coordinator, created, date.today().year - years_ago, co2, "Metered biogas flow, JCM methodology VN_AM007")


EVENT_COMPANIES = ("kanmon-solar", "j-fils", "daiseki", "ev-motors-japan", "hitachi", "azbil")
EVENT_CITIES = ("hai-phong", "da-nang", "ho-chi-minh-city")
EVENT_WISHES = (("hai-phong", "kanmon-solar"), ("da-nang", "kanmon-solar"), ("j-fils", "hai-phong"))


def held_event(coordinator) -> None:
    """A matchmaking event three weeks ago: wishes, a schedule filled from them and from matches, and the
    outcome of each meeting (a follow-up proposes or advances the pair's introduction)."""
    companies = [db.session.scalar(select(Company).where(Company.ref == ref)) for ref in EVENT_COMPANIES]
    cities = [db.session.scalar(select(City).where(City.ref == ref)) for ref in EVENT_CITIES]
    if None in companies or None in cities:
        return
    held_on = date.today() - timedelta(days=21)
    event = Event(title="Kitakyushu–Viet Nam business matching 2026", held_on=held_on, mode="in_person",
                  place="Kitakyushu International Conference Center", timezone="Asia/Tokyo",
                  created_by_id=coordinator.id)
    events.make_slots(event, datetime.combine(held_on, time(10, 0)), 30, 4, 2)
    event.participants.extend([EventParticipant(company=c) for c in companies] +
                              [EventParticipant(city=c) for c in cities])
    db.session.add(event)
    db.session.flush()
    by_ref = {(p.company or p.city).ref: p for p in event.participants}
    for asker, wanted in EVENT_WISHES:
        chosen = {by_ref[w].id for a, w in EVENT_WISHES if a == asker}
        events.set_interests(by_ref[asker], chosen)
    db.session.flush()
    events.propose_schedule(event)
    events.publish(event)
    db.session.flush()
    for number, meeting in enumerate(sorted(event.meetings, key=lambda m: (m.slot.starts_at, m.slot.table))):
        outcome = "follow_up" if number % 3 == 0 else "no_show" if number == 4 else "held"
        event_outcomes.record_outcome(coordinator, meeting, outcome)
