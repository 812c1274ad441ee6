"""`node(id:)`: decode the global ID, load through the operation's DataLoaders, and apply
the same visibility rules as the typed queries (null when the caller may not see it)."""

from __future__ import annotations

from typing import Any

from resolvers import access
from resolvers.errors import DomainError
from schema.context import Info
from schema.ids import from_global_id

# The types resolve_node shows to whoever may read the organisation (its `org`).
ORG_TYPES = frozenset({"Street", "Community", "Grid", "ResponsibilityField", "Building", "Department", "StreetSection",
                       "PartnerUnit", "Category", "Subcategory"})


def whole_type(ctx: Any, type_name: str) -> bool:
    """Whether the caller sees every row of `type_name` exactly as resolve_node shows it — the
    organisation's places and units for whoever may read it, requests for those who see all —
    so that the compiled executor may read one by id without the resolver's checks."""
    from resolvers.requests.visibility import SEES_ALL

    actor = ctx.actor
    if type_name == "Request":
        return actor is not None and actor.role in SEES_ALL
    return type_name in ORG_TYPES and access.can_read_org(actor)


async def resolve_node(info: Info, gid: str) -> Any:
    from schema.types.people import Resident
    from schema.types.places import (
        Building,
        Community,
        Grid,
        ResponsibilityField,
        Street,
    )
    from schema.types.taxonomy import Category, Subcategory
    from schema.types.units import Department, PartnerUnit, StreetSection
    from schema.types.users import User

    org = {  # keep ORG_TYPES in step
        "Street": ("street", Street),
        "Community": ("community", Community),
        "Grid": ("grid", Grid),
        "ResponsibilityField": ("field", ResponsibilityField),
        "Building": ("building", Building),
        "Department": ("department", Department),
        "StreetSection": ("street_section", StreetSection),
        "PartnerUnit": ("partner_unit", PartnerUnit),
        "Category": ("category", Category),
        "Subcategory": ("subcategory", Subcategory),
    }
    type_name, pk = from_global_id(gid)
    ctx = info.context
    actor = ctx.actor
    loaders = ctx.loaders
    if type_name in org:
        if not access.can_read_org(actor):
            return None
        loader, cls = org[type_name]
        row = await getattr(loaders, loader).load(pk)
        return None if row is None else cls.from_row(row)
    if type_name == "Resident":
        row = await loaders.resident.load(pk)
        if row is None:
            return None
        building = await loaders.building.load(row.building_id)
        try:
            view = access.resident_view(actor, building)
        except DomainError:
            return None
        return await Resident.present(info, row, view)
    if type_name == "User":
        if actor is None or (actor.user_id != pk and not access.can_list_users(actor)):
            return None
        row = await loaders.user.load(pk)
        return None if row is None else User.from_row(row)
    if type_name == "CoTask":
        from schema.api.partners import visible_task

        return await visible_task(info, pk)
    if type_name == "DualReport":
        from schema.api.partners import visible_dual_report

        return await visible_dual_report(info, pk)
    if type_name in ("SocialOrganisation", "ServiceProject", "Fund"):
        from schema.types.society import resolve_society_node

        return await resolve_society_node(info, type_name, pk)
    if type_name in ("Meeting", "MeetingTopic", "MeetingFollowUp"):
        from schema.types.meetings import resolve_meeting_node

        return await resolve_meeting_node(info, type_name, pk)
    if type_name in ("Volunteer", "VolunteerTeam", "TimeBankAccount", "TimeBankEntry", "CatalogueItem", "ServiceRecord"):
        from schema.types.timebank import resolve_timebank_node

        return await resolve_timebank_node(info, type_name, pk)
    if type_name in ("SurveyCampaign", "SurveyRespondent", "FieldTeam", "FieldScore"):
        from schema.types.evaluation import resolve_evaluation_node

        return await resolve_evaluation_node(info, type_name, pk)
    from resolvers.errors import BadUserInput

    if type_name == "Request":
        from schema.request_access import load_visible

        return await load_visible(info, pk)  # the same visibility as request(id:)
    if type_name == "RequestEvent":
        return None
    raise BadUserInput(f"未知的对象类型:{type_name}", f"Unknown object type in ID: {type_name}")
