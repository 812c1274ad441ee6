"""All models, imported here so that `Base.metadata` knows every table (Alembic relies on it)."""

from db.base import Base
from db.models.audit import AuditEntry
from db.models.evaluation import FieldScore, FieldTeam, SurveyAnswer, SurveyCampaign, SurveyRespondent
from db.models.kpi import KpiRuleVersion
from db.models.admin import ix_audit_entry_actor_id
# <admin-models>
from db.models.imports import ImportJob
# <import-models>
from db.models.qr import RetiredQrToken
# <qr-models>
from db.models.notifications import Notification, WeChatFollower
# <notify-models>
from db.models.orders12345 import CityOrder, CityOrderCallback
# <orders-models>
from db.models.partners import TASK_LOG_SEQ, CoTask, CoTaskEvent, CoTaskPartner, CoTaskRequest, DualReport, DualReportService
from db.models.meetings import Meeting, MeetingFollowUp, MeetingFollowUpNote, MeetingParticipant, MeetingTopic, MeetingTopicRequest
from db.models.people import Resident
from db.models.requests import (
    Assignment,
    Holiday,
    HolidayYear,
    IdempotencyKey,
    Photo,
    RateBucket,
    Request,
    RequestCount,
    REQUEST_LOG_SEQ,
    RequestEvent,
    RequestReporter,
)
from db.models.society import CommunityPartnership, Fund, ServiceProject, ServiceProjectEvent, SocialOrganisation
from db.models.places import Building, Community, Grid, ResponsibilityField, Street, StreetSection
from db.models.taxonomy import Category, Subcategory
from db.models.units import Department, PartnerUnit
from db.models.users import User, UserScope
from db.models.volunteers import (
    CatalogueItem,
    Redemption,
    ServiceParticipant,
    ServiceRecord,
    TimeBankAccount,
    TimeBankEntry,
    TimeBankLine,
    TimeBankRate,
    Volunteer,
    VolunteerTeam,
    VolunteerTeamMember,
)

__all__ = [
    "REQUEST_LOG_SEQ",
    "TASK_LOG_SEQ",
    "FieldScore",
    "FieldTeam",
    "SurveyAnswer",
    "SurveyCampaign",
    "SurveyRespondent",
    "CommunityPartnership",
    "Fund",
    "ServiceProject",
    "ServiceProjectEvent",
    "SocialOrganisation",
    "CatalogueItem",
    "Redemption",
    "ServiceParticipant",
    "ServiceRecord",
    "TimeBankAccount",
    "TimeBankEntry",
    "TimeBankLine",
    "TimeBankRate",
    "Volunteer",
    "VolunteerTeam",
    "VolunteerTeamMember",
    "Meeting",
    "MeetingFollowUp",
    "MeetingFollowUpNote",
    "MeetingParticipant",
    "MeetingTopic",
    "MeetingTopicRequest",
    "CoTask",
    "CityOrder",
    "CityOrderCallback",
    "CoTaskEvent",
    "KpiRuleVersion",
    "Notification",
    "WeChatFollower",
    "RetiredQrToken",
    "CoTaskPartner",
    "CoTaskRequest",
    "DualReport",
    "DualReportService",
    "Assignment",
    "Holiday",
    "HolidayYear",
    "IdempotencyKey",
    "ImportJob",
    "Photo",
    "RateBucket",
    "Request",
    "RequestCount",
    "RequestEvent",
    "RequestReporter",
    "AuditEntry",
    "Base",
    "Building",
    "Category",
    "Community",
    "Department",
    "Grid",
    "PartnerUnit",
    "Resident",
    "ResponsibilityField",
    "Street",
    "StreetSection",
    "Subcategory",
    "User",
    "UserScope",
]
