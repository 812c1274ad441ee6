"""Roles and the places or units they are scoped to (SPEC §3)."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    ADMIN = "ADMIN"
    CENTER_DISPATCHER = "CENTER_DISPATCHER"
    STREET_OFFICER = "STREET_OFFICER"
    COMMUNITY_WORKER = "COMMUNITY_WORKER"
    GRID_WORKER = "GRID_WORKER"
    BUILDING_LEADER = "BUILDING_LEADER"
    FIELD_HEAD = "FIELD_HEAD"
    DEPARTMENT_HANDLER = "DEPARTMENT_HANDLER"
    DISTRICT_LEADER = "DISTRICT_LEADER"
    PARTNER = "PARTNER"
    VOLUNTEER = "VOLUNTEER"
    EVALUATOR = "EVALUATOR"


class ScopeKind(str, Enum):
    STREET = "STREET"
    SECTION = "SECTION"
    COMMUNITY = "COMMUNITY"
    GRID = "GRID"
    FIELD = "FIELD"
    BUILDING = "BUILDING"
    DEPARTMENT = "DEPARTMENT"
    PARTNER = "PARTNER"


# Which scope kinds a role may hold. District-wide roles hold none.
ROLE_SCOPES: dict[Role, frozenset[ScopeKind]] = {
    Role.ADMIN: frozenset(),
    Role.CENTER_DISPATCHER: frozenset(),
    Role.DISTRICT_LEADER: frozenset(),
    Role.EVALUATOR: frozenset(),
    Role.STREET_OFFICER: frozenset({ScopeKind.STREET, ScopeKind.SECTION}),
    Role.COMMUNITY_WORKER: frozenset({ScopeKind.COMMUNITY}),
    Role.GRID_WORKER: frozenset({ScopeKind.GRID}),
    Role.BUILDING_LEADER: frozenset({ScopeKind.BUILDING}),
    Role.FIELD_HEAD: frozenset({ScopeKind.FIELD}),
    Role.DEPARTMENT_HANDLER: frozenset({ScopeKind.DEPARTMENT}),
    Role.PARTNER: frozenset({ScopeKind.PARTNER}),
    Role.VOLUNTEER: frozenset({ScopeKind.COMMUNITY}),
}

ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "平台管理员",
    Role.CENTER_DISPATCHER: "智慧呼应中心调度员",
    Role.STREET_OFFICER: "街道分中心",
    Role.COMMUNITY_WORKER: "社区工作站",
    Role.GRID_WORKER: "网格员",
    Role.BUILDING_LEADER: "楼长",
    Role.FIELD_HEAD: "田长",
    Role.DEPARTMENT_HANDLER: "区直部门",
    Role.DISTRICT_LEADER: "区委区政府",
    Role.PARTNER: "共建单位",
    Role.VOLUNTEER: "志愿者",
    Role.EVALUATOR: "测评员",
}
