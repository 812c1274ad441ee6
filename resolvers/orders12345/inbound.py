"""The inbound order format (see the package docstring): checked field by field, every problem
reported at once, so the platform can fix a rejected order in one round."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from db.base import utcnow
from resolvers.requests.intake import PHONE

ORDER_NO = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
URL = re.compile(r"^https?://[^\s]{1,490}$")
MAX_ATTACHMENTS = 10
CLOCK_SKEW = timedelta(minutes=5)

CITY_12345 = "CITY_12345"
OPEN311 = "OPEN311"


@dataclass(frozen=True)
class Problem:
    field: str
    code: str  # REQUIRED / MALFORMED / TOO_LONG / TOO_MANY / IN_FUTURE
    message: str
    message_en: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message, "messageEn": self.message_en}


@dataclass
class OrderIn:
    """An order from either door (12345 JSON or an Open311 form), ready to become a request."""

    source: str
    order_no: str | None  # None: Open311, numbered by the tracking code it gets
    received_at: datetime
    text: str
    address: str
    caller_name: str | None = None
    caller_phone: str | None = None
    category: str | None = None
    subcategory_id: int | None = None  # Open311's service_code, already resolved
    attachments: list[str] = field(default_factory=list)
    lat: float | None = None
    long: float | None = None


def normalise_phone(value: str) -> str | None:
    """A caller's number as call centres write it (+86, spaces, dashes, full-width) → our form, or None."""
    s = re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", value))
    s = re.sub(r"^(?:\+?86|0086)(?=1[3-9]\d{9}$)", "", s)
    if re.fullmatch(r"1[3-9]\d-?\d{4}-?\d{4}", s):
        s = s.replace("-", "")
    return s if PHONE.match(s) else None


def _text(obj: dict[str, Any], key: str, label: str, problems: list[Problem], *, limit: int, required: bool) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(label, "REQUIRED", f"缺少 {label}", f"{label} is required"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(label, "MALFORMED", f"{label} 须为字符串", f"{label} must be a string"))
        return None
    value = value.strip()
    if len(value) > limit:
        problems.append(Problem(label, "TOO_LONG", f"{label} 过长(最多 {limit} 字)", f"{label} is longer than {limit} characters"))
        return None
    return value


def parse_order(body: Any) -> OrderIn | list[Problem]:
    if not isinstance(body, dict):
        return [Problem("", "MALFORMED", "工单须为 JSON 对象", "The body must be a JSON object")]
    problems: list[Problem] = []

    order_no = body.get("orderNo")
    if isinstance(order_no, int) and not isinstance(order_no, bool):
        order_no = str(order_no)
    if order_no is None or order_no == "":
        problems.append(Problem("orderNo", "REQUIRED", "缺少工单编号 orderNo", "orderNo is required"))
    elif not isinstance(order_no, str) or not ORDER_NO.match(order_no.strip()):
        problems.append(Problem("orderNo", "MALFORMED", "工单编号须为 1–64 位字母、数字、- 或 _", "orderNo must be 1–64 of A–Z a–z 0–9 - _"))
    else:
        order_no = order_no.strip()

    received_at = None
    raw_time = body.get("receivedAt")
    if raw_time in (None, ""):
        problems.append(Problem("receivedAt", "REQUIRED", "缺少受理时间 receivedAt", "receivedAt is required"))
    else:
        try:
            received_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
        except ValueError:
            received_at = None
        if received_at is None or received_at.tzinfo is None:
            problems.append(Problem("receivedAt", "MALFORMED", "受理时间须为带时区的 ISO 8601 时间", "receivedAt must be ISO 8601 with a time zone"))
            received_at = None
        elif received_at > utcnow() + CLOCK_SKEW:
            problems.append(Problem("receivedAt", "IN_FUTURE", "受理时间不能晚于现在", "receivedAt is in the future"))

    caller = body.get("caller")
    name = phone = None
    if caller is None:
        problems.append(Problem("caller", "REQUIRED", "缺少来电人 caller", "caller is required"))
    elif not isinstance(caller, dict):
        problems.append(Problem("caller", "MALFORMED", "caller 须为对象 {name, phone}", "caller must be an object {name, phone}"))
    else:
        name = _text(caller, "name", "caller.name", problems, limit=32, required=False)
        raw_phone = _text(caller, "phone", "caller.phone", problems, limit=32, required=False)
        if raw_phone is not None:
            phone = normalise_phone(raw_phone)
            if phone is None:
                problems.append(Problem("caller.phone", "MALFORMED", "来电号码格式不正确", "caller.phone is not a mobile or landline number"))

    text = _text(body, "text", "text", problems, limit=2000, required=True)
    address = _text(body, "address", "address", problems, limit=200, required=True)
    category = _text(body, "category", "category", problems, limit=64, required=False)

    attachments = body.get("attachments") or []
    if not isinstance(attachments, list):
        problems.append(Problem("attachments", "MALFORMED", "attachments 须为链接数组", "attachments must be an array of URLs"))
        attachments = []
    elif len(attachments) > MAX_ATTACHMENTS:
        problems.append(Problem("attachments", "TOO_MANY", f"附件最多 {MAX_ATTACHMENTS} 个", f"At most {MAX_ATTACHMENTS} attachments"))
    else:
        for i, url in enumerate(attachments):
            if not isinstance(url, str) or not URL.match(url):
                problems.append(Problem(f"attachments[{i}]", "MALFORMED", "附件须为 http(s) 链接", "Each attachment must be an http(s) URL"))

    if problems:
        return problems
    return OrderIn(source=CITY_12345, order_no=order_no, received_at=received_at, text=text, address=address,
                   caller_name=name, caller_phone=phone, category=category, attachments=list(attachments))
