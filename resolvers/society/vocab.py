"""Words of the four-society domain, and money in fen (分) — never floats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation, Overflow
from enum import Enum

from resolvers.calendar import local_today  # noqa: F401 — the society rules take "today" from here
from resolvers.errors import BadUserInput


class OrgKind(str, Enum):
    SOCIAL_ORGANISATION = "SOCIAL_ORGANISATION"  # 社会组织
    SOCIAL_WORK_AGENCY = "SOCIAL_WORK_AGENCY"  # 社工机构


class FundKind(str, Enum):
    ANNUAL_ALLOCATION = "ANNUAL_ALLOCATION"  # 每年财政划拨 300 万元
    SPECIAL_FUND = "SPECIAL_FUND"  # 社区专项基金 420 万元


class ContestKind(str, Enum):
    VENTURE_CONTEST = "VENTURE_CONTEST"  # 公益创投大赛
    ROADSHOW = "ROADSHOW"  # 路演答辩


class ProjectState(str, Enum):
    PROPOSED = "PROPOSED"
    AWARDED = "AWARDED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"


ORG_KIND_ZH = {"SOCIAL_ORGANISATION": "社会组织", "SOCIAL_WORK_AGENCY": "社工机构"}
FUND_KIND_ZH = {"ANNUAL_ALLOCATION": "财政年度划拨资金", "SPECIAL_FUND": "社区专项基金"}
CONTEST_KIND_ZH = {"VENTURE_CONTEST": "公益创投大赛", "ROADSHOW": "路演答辩"}
PROJECT_STATE_ZH = {"PROPOSED": "申报中", "AWARDED": "已立项", "RUNNING": "实施中", "COMPLETED": "已结项", "REJECTED": "未立项"}

# The yearly budgets the seed names, in fen: 3,000,000 and 4,200,000 yuan.
DEFAULT_BUDGET_FEN = {FundKind.ANNUAL_ALLOCATION: 300_000_000, FundKind.SPECIAL_FUND: 420_000_000}
FUND_NAME = {FundKind.ANNUAL_ALLOCATION: "四社联动年度财政资金", FundKind.SPECIAL_FUND: "社区专项基金"}

MAX_AMOUNT_FEN = 10_000_000_000  # 1 亿元: far above any fund, still exact in every layer
MIN_YEAR, MAX_YEAR = 2015, 2100


def yuan_to_fen(value: Decimal, field: str) -> int:
    """A positive amount of yuan with at most two decimals, as integer fen."""
    try:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if not value.is_finite():
            raise InvalidOperation
        fen = value * 100
        if fen != fen.to_integral_value():
            raise BadUserInput(f"{field} 金额最多两位小数(分)", f"{field}: at most two decimals (fen)", field=field)
    except InvalidOperation:
        raise BadUserInput(f"{field} 不是有效金额", f"{field} is not a valid amount", field=field) from None
    except Overflow:  # "1E+999999" parses, but × 100 leaves the decimal context's exponent range
        raise BadUserInput(f"{field} 超出上限", f"{field} is too large", field=field) from None
    out = int(fen)
    if out <= 0:
        raise BadUserInput(f"{field} 须大于零", f"{field} must be more than zero", field=field)
    if out > MAX_AMOUNT_FEN:
        raise BadUserInput(f"{field} 超出上限", f"{field} is too large", field=field)
    return out


def fen_to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))




def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadUserInput(f"年份 {year} 无效", f"Year {year} is out of range", field="year")
    return year


def clean_text(value: str | None, field: str, *, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise BadUserInput(f"{field} 不能为空", f"{field} is required", field=field)
    if len(text) > max_len:
        raise BadUserInput(f"{field} 最多 {max_len} 个字符", f"{field}: at most {max_len} characters", field=field)
    return text
