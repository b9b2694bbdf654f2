"""The data model; import models from here."""
from .reference import Country, Sector
from .organisations import City, Company, Partnership
from .accounts import User, ROLES
from .listings import (CURRENCIES, FUNDING_SOURCES, NEED_STATUSES, TECHNOLOGY_STATUSES, Delivery,
                       Need, Technology)
from .audit import AuditEvent
from .announcements import ANNOUNCEMENT_KINDS, Announcement
from .events import Event, EventInterest, EventMeeting, EventMeetingMember, EventParticipant, EventSlot
from .introductions import (Introduction, IntroductionEvent, Meeting, MeetingOption,
                            Message)
from .jcm import JcmRule
from .jobs import JobFailure
from .matches import OUTCOMES, Dismissal, Match, MatchingState, MatchOutcome, MatchProfile, TechnologyChange
from .notifications import Notification, OutboxEmail
from .projects import (CLOSED_STAGE, FUNDING_STATUSES, MEMBER_ROLES, PROJECT_FUNDING_SOURCES, STAGES, Funding, MonitoringRecord, Project,
                       ProjectDocument, ProjectEvent, ProjectMember)
from .searches import SavedSearch, SearchHit
from .submissions import Submission
from .tokens import ApiToken
from .uploads import PendingUpload

__all__ = [
    "Country", "Sector", "City", "Company", "Partnership", "User", "ROLES",
    "Need", "Technology", "Delivery", "NEED_STATUSES", "TECHNOLOGY_STATUSES", "FUNDING_SOURCES",
    "CURRENCIES", "Dismissal", "Match", "MatchOutcome", "MatchProfile", "MatchingState", "TechnologyChange", "OUTCOMES", "Introduction", "IntroductionEvent", "Meeting",
    "MeetingOption", "Message", "Event", "EventInterest", "EventMeeting", "EventMeetingMember",
    "EventParticipant", "EventSlot", "JcmRule", "JobFailure", "AuditEvent", "ANNOUNCEMENT_KINDS", "Announcement", "CLOSED_STAGE", "FUNDING_STATUSES", "PROJECT_FUNDING_SOURCES", "MEMBER_ROLES", "STAGES",
    "Funding", "MonitoringRecord", "Project", "ProjectDocument", "ProjectEvent", "ProjectMember", "Notification", "OutboxEmail", "SavedSearch", "SearchHit", "Submission", "ApiToken", "PendingUpload",
]
