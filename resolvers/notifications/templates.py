"""Which request events a resident hears about, and in what words.

Texts are Chinese, carry the tracking code the resident holds, and fit one SMS segment
(70 characters with the signature): free text (a progress note, a resolution) is cut to fit.
Only what the tracking page may show goes into a text — of a tier-B assignee the public name,
title and work phone (SPEC §5.3); never a handling unit's internal notes or a reject reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from resolvers.calendar import LOCAL_TZ

SIGNATURE = "【e呼应】"
SMS_SEGMENT = 70

# What residents are told: receipt, hand-over, acceptance, the tier (with a B assignee's details),
# progress, the resolution with the request to rate it, reopening and the end; a merged duplicate
# learns where its issue goes on. Internal steps (disputes, escalation, deadlines) stay internal.
NOTIFYING = frozenset({
    "SUBMITTED", "DISPATCHED", "REDISPATCHED", "DECIDED", "ACCEPTED", "CLASSIFIED", "PROGRESS",
    "RESOLVED", "REOPENED", "CLOSED", "MERGED", "REJECTED",
})


@dataclass(frozen=True)
class Facts:
    """What one message may say: the event and the public face of its request."""

    kind: str
    code: str  # the recipient's own tracking code
    at: datetime
    note: str = ""
    scope: str | None = None
    tier: str | None = None
    assignee_name: str | None = None
    assignee_title: str | None = None
    assignee_phone: str | None = None
    deadline: datetime | None = None
    progress_interval_days: int | None = None
    merged_into: str | None = None
    reopened_by: str | None = None


def local_time(at: datetime) -> str:
    local = at.astimezone(LOCAL_TZ)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _fit(head: str, free: str, tail: str) -> str:
    """head + free + tail within one segment, cutting the free text with an ellipsis."""
    room = SMS_SEGMENT - len(SIGNATURE) - len(head) - len(tail)
    free = " ".join(free.split())
    if len(free) > room:
        free = free[: max(0, room - 1)] + "…"
    return SIGNATURE + head + free + tail


def _tier(f: Facts) -> str:
    about = f"您反映的诉求{f.code}"
    if f.tier == "A":
        return SIGNATURE + about + "已安排工作人员现场处置。"
    if f.tier == "C":
        every = f"每{f.progress_interval_days}天" if f.progress_interval_days else "定期"
        return SIGNATURE + about + f"已制定工作方案,{every}反馈一次进展。"
    by = f"承诺{local_time(f.deadline)}前办结。" if f.deadline else "正在办理。"
    phone = f",电话{f.assignee_phone}," if f.assignee_phone else ","
    name, title = f.assignee_name or "专人", f.assignee_title or ""
    # The name and phone are what the resident needs; the title goes first when space is short.
    for who in (title + name, name):
        text = SIGNATURE + about + f"由{who}负责" + phone + by
        if len(text) <= SMS_SEGMENT:
            return text
    return _fit(about + "由", name, "负责" + phone + by)


def compose(f: Facts) -> str | None:
    """The message for an event, or None when residents are not told of it."""
    about = f"您反映的诉求{f.code}"
    match f.kind:
        case "SUBMITTED":
            return SIGNATURE + f"您的诉求已收到,受理编号{f.code},可凭编号查询办理进度。"
        case "DISPATCHED":
            if f.scope == "PRIVATE":
                return SIGNATURE + about + "已安排专人对接办理。"
            return SIGNATURE + about + "已交承办单位办理。"
        case "REDISPATCHED" | "DECIDED":
            return SIGNATURE + about + "已重新明确承办单位,正在办理。"
        case "ACCEPTED":
            return SIGNATURE + about + "已由承办单位受理,正在办理。"
        case "CLASSIFIED":
            return _tier(f)
        case "PROGRESS":
            return _fit(about + "有新进展:", f.note, "")
        case "RESOLVED":
            return _fit(about + "已办结:", f.note, "。请于7日内凭编号评价。")
        case "REOPENED":
            why = "根据您的评价" if f.reopened_by == "RESIDENT" else "经审核"
            return SIGNATURE + about + f"{why}已退回重新办理。"
        case "CLOSED":
            return SIGNATURE + about + "已办理完毕并归档,感谢您的参与。"
        case "MERGED":
            return SIGNATURE + about + f"与同一问题合并,由{f.merged_into}统一办理,进展将继续通知您。"
        case "REJECTED":
            return SIGNATURE + about + "经审核未予受理,如有疑问请联系所在社区。"
    return None
