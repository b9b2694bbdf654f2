"""The data model; import models from here."""
from .reference import Country, Sector
from .organisations import City, Company, Partnership
from .accounts import User, ROLES
from .listings import Need, Technology, NEED_STATUSES, TECHNOLOGY_STATUSES

__all__ = [
    "Country", "Sector", "City", "Company", "Partnership", "User", "ROLES",
    "Need", "Technology", "NEED_STATUSES", "TECHNOLOGY_STATUSES",
]
