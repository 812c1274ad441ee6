"""Types whose fields are columns: what each type's `from_row` copies (or looks up) from its row,
field by field, so that a page of them can be read with exactly the columns a query asks for
and its to-one relations joined in the same statement (projection.py).

These mirror the `from_row` classmethods in schema/types/; tests/test_compiled_queries.py
compares every field listed here against the full executor's answer. A field not listed (a
resolver that computes, loads or checks something) simply keeps its document on the object path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from strawberry.utils.str_converters import to_camel_case

from db.models import Building as BuildingModel
from db.models import Category as CategoryModel
from db.models import Community as CommunityModel
from db.models import Grid as GridModel
from db.models import Request as RequestModel
from db.models import RequestEvent as RequestEventModel
from db.models import Street as StreetModel
from db.models import Subcategory as SubcategoryModel
from resolvers.requests import vocab
from resolvers.requests.common import STATE_ZH
from schema.ids import global_ids_of


@dataclass(frozen=True)
class Col:
    columns: tuple[str, ...]
    value: Callable[..., Any] | None = None  # None: the one column's value as it is
    # The stored values `value` is made for (an enum's, a label table's keys): the builder then
    # looks each one's response value up in a table made once (projection.py).
    domain: tuple[Any, ...] = ()


@dataclass
class Columnar:
    table: Table
    from_row: Callable[[Any], Any]
    fields: dict[str, Col]
    relations: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (foreign key column, target type)


def _gid(type_name: str) -> dict[str, Col]:
    return {"id": Col(("id",), global_ids_of(type_name))}


def _raw(*names: str) -> dict[str, Col]:
    return {to_camel_case(n): Col((n,)) for n in names}


def _enum(column: str, enum: Any, *, optional: bool) -> dict[str, Col]:
    members = {e.value: e for e in enum}
    if optional:  # from_row: `X(value) if value else None`
        return {to_camel_case(column): Col((column,), lambda v: members[v] if v else None, tuple(members))}
    return {to_camel_case(column): Col((column,), members.__getitem__, tuple(members))}


def _specs() -> dict[str, Columnar]:
    from schema.types.places import Building, Community, Grid, Street
    from schema.types.requests import Request, RequestEvent
    from schema.types.taxonomy import Category, Subcategory

    return {
        "Request": Columnar(
            RequestModel.__table__, Request.from_row,
            {**_gid("Request"),
             **_raw("tracking_code", "title", "text", "version", "created_at", "occurred_at", "updated_at", "location_note",
                    "due_at", "due_estimated", "resolve_due_at", "overdue_since", "assignee_name", "assignee_title",
                    "assignee_phone", "work_plan", "progress_interval_days", "escalation_note", "resolution",
                    "first_response_at", "resolved_at", "closed_at", "rating_comment", "rated_at"),
             **_enum("channel", vocab.Channel, optional=False), **_enum("state", vocab.State, optional=False),
             "stateLabel": Col(("state",), STATE_ZH.__getitem__, tuple(STATE_ZH)),
             **_enum("scope", vocab.Scope, optional=True), **_enum("tier", vocab.Tier, optional=True),
             **_enum("private_kind", vocab.PrivateKind, optional=True), **_enum("due_kind", vocab.DueKind, optional=True)},
            {"building": ("building_id", "Building"), "grid": ("grid_id", "Grid"), "community": ("community_id", "Community"),
             "street": ("street_id", "Street"), "category": ("category_id", "Category"), "subcategory": ("subcategory_id", "Subcategory")},
        ),
        # A request's history: `request` checks visibility, so it stays on the object path.
        "RequestEvent": Columnar(
            RequestEventModel.__table__, RequestEvent.from_row,
            {"cursor": Col(("seq",), str), **_raw("seq", "at", "actor_label", "version", "note", "data"),
             **_enum("kind", vocab.EventKind, optional=False),
             **_enum("from_state", vocab.State, optional=True), **_enum("to_state", vocab.State, optional=True)},
        ),
        "Street": Columnar(StreetModel.__table__, Street.from_row, {**_gid("Street"), **_raw("code", "name", "name_en")}),
        "Community": Columnar(CommunityModel.__table__, Community.from_row, {**_gid("Community"), **_raw("code", "name", "name_en")},
                              {"street": ("street_id", "Street")}),
        "Grid": Columnar(GridModel.__table__, Grid.from_row, {**_gid("Grid"), **_raw("code", "name")},
                         {"community": ("community_id", "Community")}),
        "Building": Columnar(BuildingModel.__table__, Building.from_row, {**_gid("Building"), **_raw("code", "name", "address", "households")},
                             {"grid": ("grid_id", "Grid"), "community": ("community_id", "Community"), "street": ("street_id", "Street")}),
        "Category": Columnar(CategoryModel.__table__, Category.from_row, {**_gid("Category"), **_raw("code", "name", "name_en", "position")}),
        "Subcategory": Columnar(SubcategoryModel.__table__, Subcategory.from_row, {**_gid("Subcategory"), **_raw("code", "name", "name_en", "position")},
                                {"category": ("category_id", "Category")}),
    }


_SPECS: dict[str, Columnar] | None = None


def spec(type_name: str) -> Columnar | None:
    global _SPECS
    if _SPECS is None:
        _SPECS = _specs()
    return _SPECS.get(type_name)
