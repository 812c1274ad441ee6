"""The words of the request loop: channels, scopes, tiers, states, unit kinds, event kinds."""

from __future__ import annotations

from enum import Enum


class Channel(str, Enum):
    BUILDING_LEADER = "BUILDING_LEADER"
    GRID_WORKER = "GRID_WORKER"
    SNAPSHOT = "SNAPSHOT"
    HOTLINE = "HOTLINE"
    SERVICE_STATION = "SERVICE_STATION"
    MAILBOX = "MAILBOX"
    QR_CODE = "QR_CODE"
    MEETING = "MEETING"
    CITY_HOTLINE = "CITY_HOTLINE"


class Scope(str, Enum):
    MAJOR = "MAJOR"
    MINOR = "MINOR"
    PRIVATE = "PRIVATE"


class Tier(str, Enum):
    A = "A"
    B = "B"
    C = "C"


class PrivateKind(str, Enum):
    MEDIATION = "MEDIATION"
    RESOURCE = "RESOURCE"


class State(str, Enum):
    SUBMITTED = "SUBMITTED"
    TRIAGED = "TRIAGED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    DISPUTED = "DISPUTED"
    REDISPATCHED = "REDISPATCHED"
    ESCALATED = "ESCALATED"
    DECIDED = "DECIDED"
    MERGED = "MERGED"
    REJECTED = "REJECTED"
    REOPENED = "REOPENED"


TERMINAL = frozenset({State.CLOSED, State.MERGED, State.REJECTED})
# States in which the clock runs against someone (a deadline can be missed).
OPEN = frozenset(State) - TERMINAL - {State.RESOLVED}


class UnitKind(str, Enum):
    DEPARTMENT = "DEPARTMENT"
    STREET = "STREET"
    SECTION = "SECTION"
    COMMUNITY = "COMMUNITY"
    GRID = "GRID"
    BUILDING_LEADER = "BUILDING_LEADER"
    PEACEMAKER = "PEACEMAKER"
    VOLUNTEER_TEAM = "VOLUNTEER_TEAM"
    SOCIAL_ORG = "SOCIAL_ORG"


MAJOR_LEAD_KINDS = frozenset({UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.SECTION})
MEDIATION_KINDS = frozenset({UnitKind.GRID, UnitKind.BUILDING_LEADER, UnitKind.PEACEMAKER})
RESOURCE_KINDS = frozenset({UnitKind.VOLUNTEER_TEAM, UnitKind.SOCIAL_ORG})


class DueKind(str, Enum):
    TRIAGE = "TRIAGE"
    RESPONSE = "RESPONSE"
    REDISPATCH = "REDISPATCH"
    DECISION = "DECISION"
    RESOLVE = "RESOLVE"
    PROGRESS = "PROGRESS"


class Rating(str, Enum):
    SATISFIED = "SATISFIED"
    BASIC = "BASIC"
    UNSATISFIED = "UNSATISFIED"


RATING_SCORE = {Rating.SATISFIED: 1.0, Rating.BASIC: 0.5, Rating.UNSATISFIED: 0.0}


class EventKind(str, Enum):
    SUBMITTED = "SUBMITTED"
    TRIAGED = "TRIAGED"
    CLASSIFIED = "CLASSIFIED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    CO_ACCEPTED = "CO_ACCEPTED"
    DISPUTED = "DISPUTED"
    REDISPATCHED = "REDISPATCHED"
    ESCALATED = "ESCALATED"
    DECIDED = "DECIDED"
    PROGRESS = "PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    MERGED = "MERGED"
    MERGED_IN = "MERGED_IN"
    REJECTED = "REJECTED"
    RATED = "RATED"
    OVERDUE = "OVERDUE"
    REPORTER_ADDED = "REPORTER_ADDED"
    CO_TASK_LINKED = "CO_TASK_LINKED"  # a co-building task now answers this request
    PLACED = "PLACED"  # the center placed a request that arrived without a building (12345 orders)
