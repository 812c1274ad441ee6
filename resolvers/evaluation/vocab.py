"""The words of the evaluation: survey aspects and ratings, field aspects, states and marks."""

from __future__ import annotations

from enum import Enum
from fractions import Fraction


class SurveyAspect(str, Enum):
    SOLVING_NEEDS = "SOLVING_NEEDS"  # 解决需求
    CONTACT = "CONTACT"  # 联系群众
    DAILY_DUTY = "DAILY_DUTY"  # 日常履职
    WORK_STYLE = "WORK_STYLE"  # 工作作风
    SERVICE_ATTITUDE = "SERVICE_ATTITUDE"  # 服务态度


class Rating(str, Enum):
    SATISFIED = "SATISFIED"  # 满意 = 1
    BASIC = "BASIC"  # 基本满意 = 0.5
    UNSATISFIED = "UNSATISFIED"  # 不满意 = 0


RATING_VALUE: dict[str, Fraction] = {
    Rating.SATISFIED.value: Fraction(1),
    Rating.BASIC.value: Fraction(1, 2),
    Rating.UNSATISFIED.value: Fraction(0),
}


class RespondentStatus(str, Enum):
    PENDING = "PENDING"
    ANSWERED = "ANSWERED"
    UNREACHABLE = "UNREACHABLE"


class FieldAspect(str, Enum):
    GOVERNANCE = "GOVERNANCE"  # 社区治理
    SERVICES = "SERVICES"  # 社区服务
    NEIGHBOURLY_HELP = "NEIGHBOURLY_HELP"  # 邻里互助
    TEAM_BUILDING = "TEAM_BUILDING"  # 队伍建设
    INNOVATION = "INNOVATION"  # 方法创新


# The FieldScore column of each aspect.
FIELD_COLUMN = {
    FieldAspect.GOVERNANCE: "governance",
    FieldAspect.SERVICES: "services",
    FieldAspect.NEIGHBOURLY_HELP: "neighbourly_help",
    FieldAspect.TEAM_BUILDING: "team_building",
    FieldAspect.INNOVATION: "innovation",
}


class CampaignState(str, Enum):
    OPEN = "OPEN"
    PUBLISHED = "PUBLISHED"


class Mark(str, Enum):
    REWARD = "REWARD"
    PENALTY = "PENALTY"
    NONE = "NONE"


class ExcludedReason(str, Enum):
    NO_PHONE_SCORE = "NO_PHONE_SCORE"
    NO_FIELD_SCORE = "NO_FIELD_SCORE"
    NO_SCORES = "NO_SCORES"


ASPECT_ZH = {
    SurveyAspect.SOLVING_NEEDS: "解决需求",
    SurveyAspect.CONTACT: "联系群众",
    SurveyAspect.DAILY_DUTY: "日常履职",
    SurveyAspect.WORK_STYLE: "工作作风",
    SurveyAspect.SERVICE_ATTITUDE: "服务态度",
}
RATING_ZH = {Rating.SATISFIED: "满意", Rating.BASIC: "基本满意", Rating.UNSATISFIED: "不满意"}
STATUS_ZH = {RespondentStatus.PENDING: "待访", RespondentStatus.ANSWERED: "已访", RespondentStatus.UNREACHABLE: "无法接通"}
FIELD_ZH = {
    FieldAspect.GOVERNANCE: "社区治理",
    FieldAspect.SERVICES: "社区服务",
    FieldAspect.NEIGHBOURLY_HELP: "邻里互助",
    FieldAspect.TEAM_BUILDING: "队伍建设",
    FieldAspect.INNOVATION: "方法创新",
}
MARK_ZH = {Mark.REWARD: "奖励", Mark.PENALTY: "惩戒", Mark.NONE: ""}
