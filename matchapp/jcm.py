"""JCM equipment-subsidy screening: partner country, subsidy, cost-effectiveness, payback.

The numbers come from `jcm_rules` (editable, with an effective date) and the
countries' JCM signing dates, never from constants here.
Cost-effectiveness = subsidy ÷ (annual CO2 reduction × legal useful life).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select

from .extensions import db
from .models import Country, JcmRule
from .domain import DomainError


class ScreeningError(DomainError):
    def __init__(self, field: str, message: str):
        super().__init__(message, 400, field)


@dataclass
class ScreeningInput:
    investment_jpy: float
    co2_t_per_year: float
    life_years: float
    country: str
    technology: str = "general"
    annual_savings_jpy: float | None = None

    @classmethod
    def parse(cls, args) -> "ScreeningInput":
        """Numbers from request arguments; ScreeningError names the first bad or missing field."""
        values = {name: positive(args.get(name), name) for name in ("investment_jpy", "co2_t_per_year", "life_years")}
        country = (args.get("country") or "").strip().upper()
        if not country:
            raise ScreeningError("country", "'country' is required (ISO 3166-1 alpha-2, e.g. VN)")
        if db.session.get(Country, country) is None:
            raise ScreeningError("country", f"unknown country '{country}'")
        technology = (args.get("technology") or "general").strip().lower() or "general"
        savings = args.get("annual_savings_jpy")
        return cls(**values, country=country, technology=technology,
                   annual_savings_jpy=positive(savings, "annual_savings_jpy") if savings not in (None, "") else None)


# Accepted ranges: wide enough for any real project, narrow enough that every figure stays finite.
RANGES = {"investment_jpy": (1, 1e15), "co2_t_per_year": (0.001, 1e9), "life_years": (1, 100),
          "annual_savings_jpy": (1, 1e15)}


def positive(raw, name: str) -> float:
    if raw is None or str(raw).strip() == "":
        raise ScreeningError(name, f"'{name}' is required")
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise ScreeningError(name, f"'{name}' must be a number")
    low, high = RANGES[name]
    if not value.is_finite() or value <= 0:
        raise ScreeningError(name, f"'{name}' must be greater than zero")
    if value < Decimal(str(low)) or value > Decimal(str(high)):
        raise ScreeningError(name, f"'{name}' must be between {low:g} and {high:g}")
    return float(value)


def rule_for(technology: str, country: str, on: date) -> JcmRule:
    """The newest rule in force for this technology (and country, where one exists), else the general one."""
    def newest(tech):
        return db.session.scalar(
            select(JcmRule).where(JcmRule.technology == tech, JcmRule.effective_from <= on,
                                  or_(JcmRule.country == country, JcmRule.country.is_(None)))
            .order_by(JcmRule.country.is_(None), JcmRule.effective_from.desc()).limit(1))
    rule = newest(technology) or newest("general")
    if rule is None:
        raise ScreeningError("technology", "no JCM rule is in force on that date")
    return rule


def screen(data: ScreeningInput, on: date | None = None) -> dict:
    """Each check with its pass/fail reason, in the contract's JSON shape."""
    on = on or date.today()
    country = db.session.get(Country, data.country)
    rule = rule_for(data.technology, data.country, on)
    eligible = country.jcm_signed is not None and country.jcm_signed[:10] <= on.isoformat()
    subsidy = min(data.investment_jpy * rule.max_rate, rule.max_subsidy_jpy)
    lifetime_t = data.co2_t_per_year * data.life_years
    cost_effectiveness = subsidy / lifetime_t
    reasons = [
        f"{country.name_en} is a JCM partner country (signed {country.jcm_signed})" if eligible
        else f"{country.name_en} is not a JCM partner country",
        f"Subsidy at most {rule.max_rate:.0%} of the investment and {rule.max_subsidy_jpy:,} JPY: {subsidy:,.0f} JPY",
    ]
    cost_ok = cost_effectiveness <= rule.threshold_jpy_per_t
    reasons.append(f"Cost-effectiveness {cost_effectiveness:,.0f} JPY/tCO2 "
                   f"{'≤' if cost_ok else '>'} threshold {rule.threshold_jpy_per_t:,} JPY/tCO2 "
                   f"({rule.note or rule.technology})")
    payback_ok = None
    payback = None
    if data.annual_savings_jpy:
        payback = (data.investment_jpy - subsidy) / data.annual_savings_jpy
        payback_ok = payback >= rule.min_payback_years
        reasons.append(f"Payback {payback:.1f} years {'≥' if payback_ok else '<'} {rule.min_payback_years:g} years"
                       + ("" if payback_ok else ": the project pays for itself too fast to need a subsidy"))
    else:
        reasons.append(f"Payback not checked: give annual_savings_jpy (must be ≥ {rule.min_payback_years:g} years)")
    return {
        "eligible_country": eligible, "subsidy_rate_max": rule.max_rate, "subsidy_jpy": round(subsidy),
        "cost_effectiveness_jpy_per_t": round(cost_effectiveness, 1),
        "threshold_jpy_per_t": rule.threshold_jpy_per_t, "payback_years": None if payback is None else round(payback, 2),
        "passes_payback": payback_ok, "passes": bool(eligible and cost_ok and payback_ok is not False),
        "reasons": reasons, "rule_effective_from": rule.effective_from.isoformat(),
    }
