"""The registers (台账) the district imports: their columns with Chinese headers, what each column
accepts, and the natural key a row is matched on, so that importing the same file twice changes
nothing the second time.

Cells are text by the time they get here (the reader turns Excel numbers and dates into text);
a parser gets a non-blank, stripped cell and returns the value or raises `CellError`. A blank
optional cell means "not given": a new row gets the default, an existing row keeps its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resolvers.roles import ROLE_LABELS, ROLE_SCOPES, Role, ScopeKind


class CellError(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    parse: Callable[[str], Any]
    help: str
    example: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Register:
    kind: str
    sheet: str
    title: str
    title_en: str
    columns: tuple[Column, ...]
    natural_key: str
    natural_key_en: str

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def example(self) -> dict[str, str]:
        return {c.key: c.example for c in self.columns}


# ------------------------------------------------------------------------------------ parsers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def squash(raw: str) -> str:
    """Runs of spaces (full-width too) as one, none at the ends: how names are compared."""
    return _SPACES.sub(" ", raw).strip()


def text(max_len: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not value.isprintable():  # the common case costs one C call; only odd cells go on
            value = squash(value)
            if _CONTROL.search(value) or "\n" in value or "\r" in value:
                raise CellError("含有换行或控制字符", "contains a line break or a control character")
        elif "  " in value:
            value = squash(value)
        if len(value) > max_len:
            raise CellError(f"超过 {max_len} 个字", f"longer than {max_len} characters")
        return value

    return parse


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def code(max_len: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if not _CODE.match(value):
            raise CellError("编码只能由字母、数字、- 和 _ 组成", "a code holds only letters, digits, - and _")
        if len(value) > max_len:
            raise CellError(f"编码超过 {max_len} 位", f"a code is at most {max_len} characters")
        return value

    return parse


def count(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = raw.strip().replace(",", "")
        try:
            number = float(value)
        except ValueError:
            raise CellError("须为整数", "must be a whole number") from None
        if not number.is_integer():
            raise CellError("须为整数", "must be a whole number")
        if not low <= number <= high:
            raise CellError(f"须在 {low}–{high} 之间", f"must be between {low} and {high}")
        return int(number)

    return parse


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "对"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "不是"}


def yes_no(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError("须填「是」或「否」", "must be 是 (yes) or 否 (no)")


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})$")


def phone(raw: str) -> str:
    """A mainland mobile number (11 digits) or a landline with its area code (0535-6612345)."""
    value = re.sub(r"[\s()（）]", "", raw)
    value = value.replace("—", "-").replace("－", "-")
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    elif value.startswith("0086"):
        value = value[4:].lstrip("-")
    digits = value.replace("-", "")
    if digits.startswith("86") and len(digits) == 13 and _MOBILE.match(digits[2:]):
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    landline = _LANDLINE.match(value)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise CellError("手机号格式不正确(应为 11 位手机号或带区号的固定电话)",
                    "malformed phone number (an 11-digit mobile or a landline with its area code)")


_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$")


def username(raw: str) -> str:
    value = raw.strip()
    if not _USERNAME.match(value):
        raise CellError("用户名须为 3–64 位字母、数字或 _ . @ -,以字母或数字开头",
                        "a username is 3–64 letters, digits or _ . @ -, starting with a letter or digit")
    return value


# Role synonyms people write in a register, beside the platform's own labels and enum names.
_ROLE_WORDS: dict[str, Role] = {
    **{label: role for role, label in ROLE_LABELS.items()},
    **{role.value.lower(): role for role in Role},
    "调度员": Role.CENTER_DISPATCHER, "呼应中心": Role.CENTER_DISPATCHER, "街道": Role.STREET_OFFICER,
    "街道工作人员": Role.STREET_OFFICER, "社区": Role.COMMUNITY_WORKER, "社区工作者": Role.COMMUNITY_WORKER,
    "社区工作人员": Role.COMMUNITY_WORKER, "部门": Role.DEPARTMENT_HANDLER, "部门工作人员": Role.DEPARTMENT_HANDLER,
    "区领导": Role.DISTRICT_LEADER, "共建单位联系人": Role.PARTNER, "志愿者": Role.VOLUNTEER,
}
IMPORTABLE_ROLES = [r for r in Role if r is not Role.ADMIN]


def role(raw: str) -> Role:
    value = raw.strip()
    found = _ROLE_WORDS.get(value) or _ROLE_WORDS.get(value.lower())
    if found is None:
        names = "、".join(ROLE_LABELS[r] for r in IMPORTABLE_ROLES)
        raise CellError(f"未知角色「{value}」,可填:{names}", f"unknown role {value!r}; one of {', '.join(r.value for r in IMPORTABLE_ROLES)}")
    if found is Role.ADMIN:
        raise CellError("平台管理员账号不能批量导入", "administrator accounts cannot be imported")
    return found


# Scope prefixes: `网格:C001-G01` says which kind of place a scope item names.
SCOPE_PREFIXES: dict[str, ScopeKind] = {
    "街道": ScopeKind.STREET, "科室": ScopeKind.SECTION, "社区": ScopeKind.COMMUNITY, "网格": ScopeKind.GRID,
    "责任田": ScopeKind.FIELD, "楼栋": ScopeKind.BUILDING, "部门": ScopeKind.DEPARTMENT, "共建单位": ScopeKind.PARTNER,
    **{k.value.lower(): k for k in ScopeKind},
}
SCOPE_LABELS: dict[ScopeKind, str] = {
    ScopeKind.STREET: "街道", ScopeKind.SECTION: "科室", ScopeKind.COMMUNITY: "社区", ScopeKind.GRID: "网格",
    ScopeKind.FIELD: "责任田", ScopeKind.BUILDING: "楼栋", ScopeKind.DEPARTMENT: "部门", ScopeKind.PARTNER: "共建单位",
}
_SCOPE_SPLIT = re.compile(r"[;；,，、|\n]+")


@dataclass(frozen=True)
class ScopeItem:
    kind: ScopeKind | None  # None: whichever kind the role may hold that the text names
    text: str


def scopes(raw: str) -> tuple[ScopeItem, ...]:
    items = []
    for part in _SCOPE_SPLIT.split(raw):
        part = part.strip()
        if not part:
            continue
        prefix, sep, rest = part.replace("：", ":").partition(":")
        if sep:
            kind = SCOPE_PREFIXES.get(prefix.strip().lower())
            if kind is None:
                raise CellError(f"未知的管辖范围类型「{prefix.strip()}」", f"unknown scope kind {prefix.strip()!r}")
            items.append(ScopeItem(kind, rest.strip()))
        else:
            items.append(ScopeItem(None, part))
    if len(items) > 50:
        raise CellError("管辖范围最多 50 项", "at most 50 scopes")
    return tuple(items)


def role_scope_kinds(r: Role) -> list[ScopeKind]:
    """The kinds a role may hold, in the order an unprefixed scope item is tried."""
    return [k for k in ScopeKind if k in ROLE_SCOPES[r]]


# ---------------------------------------------------------------------------------- registers

COMMUNITY_REF_HELP = "社区名称(如 福泰社区)或社区编码"
GRID_REF_HELP = "网格编码(如 C001-G01),或本行社区内的网格名称"

STREETS = Register(
    kind="STREETS", sheet="街道", title="街道台账", title_en="Streets",
    columns=(
        Column("name", "街道名称", True, text(64), "街道的中文名称,须唯一", "幸福街道"),
        Column("code", "街道编码", False, code(16), "留空则自动生成(ST01 …)", "ST12"),
        Column("name_en", "英文名称", False, text(128), "留空则与中文名称相同", "Xingfu Subdistrict"),
    ),
    natural_key="街道名称", natural_key_en="the street's name",
)

COMMUNITIES = Register(
    kind="COMMUNITIES", sheet="社区", title="社区台账", title_en="Communities",
    columns=(
        Column("street", "所属街道", True, text(64), "街道名称或街道编码;可以是本文件「街道」表中新增的街道", "幸福街道"),
        Column("name", "社区名称", True, text(64), "社区的中文名称,全区唯一", "福泰社区"),
        Column("code", "社区编码", False, code(16), "留空则自动生成(C151 …)", ""),
        Column("name_en", "英文名称", False, text(128), "留空则与中文名称相同", ""),
    ),
    natural_key="所属街道 + 社区名称", natural_key_en="(street, community name)",
)

GRIDS = Register(
    kind="GRIDS", sheet="网格", title="网格台账", title_en="Grids",
    columns=(
        Column("community", "所属社区", True, text(64), COMMUNITY_REF_HELP, "福泰社区"),
        Column("name", "网格名称", True, text(64), "网格名称,同一社区内不重复", "福泰社区第9网格"),
        Column("code", "网格编码", False, code(24), "填写则按编码匹配;留空则按 社区+网格名称 匹配,新网格自动生成编码", ""),
    ),
    natural_key="网格编码;未填编码时 所属社区 + 网格名称", natural_key_en="grid code, else (community, grid name)",
)

FIELDS = Register(
    kind="FIELDS", sheet="责任田", title="责任田台账", title_en="Responsibility fields",
    columns=(
        Column("community", "所属社区", False, text(64), COMMUNITY_REF_HELP + ";按网格名称查找时必填", "上夼西路社区"),
        Column("grid", "所属网格", True, text(64), GRID_REF_HELP, "上夼西路社区第1网格"),
        Column("name", "责任田名称", True, text(64), "责任田名称,同一网格内不重复", "上夼西路社区第1网格责任田99"),
        Column("code", "责任田编码", False, code(32), "填写则按编码匹配;留空则按 网格+名称 匹配,新责任田自动生成编码", ""),
    ),
    natural_key="责任田编码;未填编码时 所属网格 + 责任田名称", natural_key_en="field code, else (grid, field name)",
)

BUILDINGS = Register(
    kind="BUILDINGS", sheet="楼栋", title="楼栋台账", title_en="Buildings",
    columns=(
        Column("community", "所属社区", True, text(64), COMMUNITY_REF_HELP, "福泰社区"),
        Column("grid", "所属网格", True, text(64), GRID_REF_HELP + ";须属于本行社区", "福泰社区第1网格"),
        Column("field", "责任田", False, text(64), "责任田编码或本行网格内的责任田名称(可留空)", ""),
        Column("name", "楼栋名称", True, text(64), "如 3号楼", "3号楼"),
        Column("address", "详细地址", True, text(200), "门牌地址,同一社区内不重复", "福泰路18号3号楼"),
        Column("households", "户数", True, count(0, 10000), "整数,0–10000", "36"),
        Column("code", "楼栋编码", False, code(32), "填写则按编码匹配;留空则按 社区+详细地址 匹配,新楼栋自动生成编码和二维码", ""),
    ),
    natural_key="楼栋编码;未填编码时 所属社区 + 详细地址", natural_key_en="building code, else (community, address)",
)

RESIDENTS = Register(
    kind="RESIDENTS", sheet="居民", title="居民台账", title_en="Residents",
    columns=(
        Column("community", "所属社区", True, text(64), COMMUNITY_REF_HELP, "福泰社区"),
        Column("building", "楼栋", True, text(200), "楼栋编码,或本行社区内楼栋的详细地址", "福泰路18号3号楼"),
        Column("name", "姓名", True, text(64), "居民姓名", "张三"),
        Column("phone", "手机号", False, phone, "11 位手机号或带区号的固定电话;用于识别同一居民", "13800001234"),
        Column("room", "房号", False, text(16), "如 2单元301", "2单元301"),
        Column("party_member", "是否党员", False, yes_no, "是 / 否,留空为否", "否"),
        Column("leader", "是否楼长", False, yes_no, "是 / 否;每栋楼只有一位楼长", "否"),
    ),
    natural_key="楼栋 + 姓名 + 手机号;未填手机号时 楼栋 + 姓名 + 房号",
    natural_key_en="(building, name, phone); without a phone (building, name, room)",
)

STAFF = Register(
    kind="STAFF", sheet="工作人员", title="工作人员台账", title_en="Staff accounts",
    columns=(
        Column("username", "用户名", True, username, "登录用户名,全平台唯一", "futai_grid09"),
        Column("display_name", "姓名", True, text(64), "显示的姓名或岗位名称", "李四"),
        Column("role", "角色", True, role, "网格员、楼长、田长、社区工作站、街道分中心、区直部门、共建单位、志愿者、"
               "智慧呼应中心调度员、区委区政府、测评员(不能导入平台管理员)", "网格员"),
        Column("scopes", "管辖范围", False, scopes,
               "多项用 ; 、 或 , 分隔。网格员填网格编码(或 社区/网格名称),楼长填楼栋编码(或 社区/详细地址),田长填责任田编码,"
               "社区工作站填社区,街道分中心填街道或科室,区直部门填部门,共建单位填单位名称或编码;"
               "可加前缀说明类型,如 网格:C001-G01。全区性角色(调度员、区委区政府、测评员)留空",
               "福泰社区/福泰社区第1网格"),
    ),
    natural_key="用户名", natural_key_en="the username",
)

REGISTERS: tuple[Register, ...] = (STREETS, COMMUNITIES, GRIDS, FIELDS, BUILDINGS, RESIDENTS, STAFF)
BY_KIND: dict[str, Register] = {r.kind: r for r in REGISTERS}
# A workbook with one sheet per register, imported in this order so rows may refer to rows of
# earlier sheets (a community to a street added in the 街道 sheet).
DISTRICT = "DISTRICT"
DISTRICT_TITLE = "整套台账(多工作表)"
NOTES_SHEET = "填写说明"
