"""The GraphQL schema: strawberry types in schema/types, thin fields calling resolvers/."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule
from strawberry.types import ExecutionContext

from schema import graphql_core_shims, input_plans
from schema.cost import CostLimit
from schema.errors import CodedErrors, classify, observe_errors
from schema.permissions import PasswordChangeGate
from schema.text_guard import NoNulInText
from schema.api.auth import AuthMutation
from schema.api.evaluation import EvaluationMutation, EvaluationQuery
from schema.api.kpi import KpiMutation, KpiQuery
from schema.api.meetings import MeetingMutation, MeetingQuery
from schema.api.org import OrgQuery
from schema.api.partners import PartnerMutation, PartnerQuery
from schema.api.requests_mutation import RequestMutation
from schema.api.reports import EvaluationExportQuery, ReportQuery
from schema.api.requests_query import RequestQuery
from schema.api.society import SocietyMutation, SocietyQuery
from schema.api.subscriptions import Subscription
from schema.api.timebank import TimeBankMutation, TimeBankQuery
from schema.api.admin import AdminMutation, AdminQuery
# <admin-import>
from schema.api.imports import ImportMutation, ImportQuery
# <import-import>
from schema.api.qr import QrMutation, QrQuery
# <qr-import>
from schema.api.notifications import NotificationMutation
# <notify-import>
from schema.api.orders import OrdersMutation, OrdersQuery
# <orders-import>
from schema.types.partners import CoTask, DualReport
from schema.types.evaluation import FieldScore, FieldTeam, SurveyCampaign, SurveyRespondent
from schema.types.meetings import Meeting, MeetingFollowUp, MeetingTopic
from schema.types.people import Resident
from schema.types.places import Building, Community, Grid, ResponsibilityField, Street
from schema.types.taxonomy import Category, Subcategory
from schema.types.units import Department, PartnerUnit, StreetSection
from schema.types.requests import Request
from schema.types.users import User
from schema.types.society import Fund, ServiceProject, SocialOrganisation
from schema.types.timebank import CatalogueItem, ServiceRecord, TimeBankAccount, TimeBankEntry, Volunteer, VolunteerTeam

@strawberry.type(description="Queries. Lists are Relay connections of at most 100 items a page.")
# One base per line, each area with its own anchor comment: parts added side by side never touch
# the same line.
class Query(
    OrgQuery,
    RequestQuery,
    ReportQuery,
    EvaluationExportQuery,
    PartnerQuery,
    MeetingQuery,
    TimeBankQuery,
    SocietyQuery,
    EvaluationQuery,
    KpiQuery,
    AdminQuery,
    # <admin-query>
    ImportQuery,
    # <import-query>
    QrQuery,
    # <qr-query>
    # <notify-query>
    OrdersQuery,
    # <orders-query>
):
    pass


@strawberry.type(description="Mutations: each takes one input object and returns a payload.")
class Mutation(
    AuthMutation,
    RequestMutation,
    PartnerMutation,
    MeetingMutation,
    TimeBankMutation,
    SocietyMutation,
    EvaluationMutation,
    KpiMutation,
    AdminMutation,
    # <admin-mutation>
    ImportMutation,
    # <import-mutation>
    QrMutation,
    # <qr-mutation>
    NotificationMutation,
    # <notify-mutation>
    OrdersMutation,
    # <orders-mutation>
):
    pass


NODE_TYPES = [Street, Community, Grid, ResponsibilityField, Building, Resident, Department, StreetSection, PartnerUnit, Category,
              Subcategory, User, Request, CoTask, DualReport, Meeting, MeetingTopic, MeetingFollowUp, Volunteer, VolunteerTeam,
              TimeBankAccount, TimeBankEntry, CatalogueItem, ServiceRecord, SocialOrganisation, ServiceProject, Fund,
              SurveyCampaign, SurveyRespondent, FieldTeam, FieldScore]

graphql_core_shims.install()

MAX_DEPTH = 20  # Relay connections spend two levels (edges → node) per hop
MAX_ALIASES = 30
MAX_TOKENS = 4000
CACHE_SIZE = 512
# The depth and alias limits as validation rules built once. strawberry's QueryDepthLimiter and
# MaxAliasesLimiter build a new rule class per instance, i.e. per operation with factories, and the
# ValidationCache is keyed by the rules: it never hit, every operation was validated again, and
# the cache kept 512 entries of dead classes — a heap that lengthened every full GC pause.
LIMIT_RULES = [depth_limit_rule(MAX_DEPTH, None, None), alias_limit_rule(MAX_ALIASES)]


class EhuyingSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Give every error its code in place, on every path (HTTP, and WebSocket subscriptions,
        # which the CodedErrors extension does not see); internal ones are logged and masked here.
        for error in errors:
            if (error.extensions or {}).get("code") and error.original_error is None:
                continue
            coded = classify(error)
            error.message = coded.message
            error.extensions = coded.extensions
            error.original_error = None
            error.args = (coded.message,)
        observe_errors(errors, execution_context)  # metrics by code; one audit row per refused operation


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    extensions: list[Any] = [
        CodedErrors,
        # Factories: strawberry builds fresh extensions per operation; the parse and validation
        # LRU caches themselves are module-level and bounded by CACHE_SIZE.
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        CostLimit,  # after ValidationCache: it prices only documents that validated
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        PasswordChangeGate,  # a user who must change their password may do only that
        NoNulInText,  # no U+0000 in any string: PostgreSQL text cannot hold it
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    built = EhuyingSchema(query=Query, mutation=Mutation, subscription=Subscription, types=NODE_TYPES, extensions=extensions)
    input_plans.install(built)
    return built


schema = build_schema()
