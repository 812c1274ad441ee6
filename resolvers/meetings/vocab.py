"""The words of deliberation meetings."""

from __future__ import annotations

from enum import Enum


class MeetingKind(str, Enum):
    SUNSHINE_17 = "SUNSHINE_17"  # 阳光17议: the monthly joint meeting on the 17th
    ROUND_TABLE = "ROUND_TABLE"  # 圆桌议事会: ad hoc


class MeetingState(str, Enum):
    PLANNED = "PLANNED"
    HELD = "HELD"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class TopicOutcome(str, Enum):
    PENDING = "PENDING"
    AGREED = "AGREED"
    NOT_AGREED = "NOT_AGREED"


class ParticipantKind(str, Enum):
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER"  # 两委成员
    PARTY_REPRESENTATIVE = "PARTY_REPRESENTATIVE"  # 党员代表
    RESIDENT_REPRESENTATIVE = "RESIDENT_REPRESENTATIVE"  # 群众代表
    VOLUNTEER = "VOLUNTEER"  # 志愿者
    ENTERPRISE = "ENTERPRISE"  # 辖区企业
    DEPUTY = "DEPUTY"  # 两代表一委员


class FollowUpState(str, Enum):
    OPEN = "OPEN"
    DONE = "DONE"


KIND_ZH = {MeetingKind.SUNSHINE_17: "阳光17议", MeetingKind.ROUND_TABLE: "圆桌议事会"}
STATE_ZH = {MeetingState.PLANNED: "已计划", MeetingState.HELD: "已召开", MeetingState.CLOSED: "已结束", MeetingState.CANCELLED: "已取消"}
OUTCOME_ZH = {TopicOutcome.PENDING: "待议", TopicOutcome.AGREED: "达成一致", TopicOutcome.NOT_AGREED: "未达成一致"}
PARTICIPANT_ZH = {
    ParticipantKind.COMMITTEE_MEMBER: "两委成员",
    ParticipantKind.PARTY_REPRESENTATIVE: "党员代表",
    ParticipantKind.RESIDENT_REPRESENTATIVE: "群众代表",
    ParticipantKind.VOLUNTEER: "志愿者",
    ParticipantKind.ENTERPRISE: "辖区企业",
    ParticipantKind.DEPUTY: "两代表一委员",
}
