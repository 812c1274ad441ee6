"""The taxonomy (SPEC §5.2) as ADMIN edits it: categories and subcategories (names, keywords),
the routing table (subcategory → default department) and the default deadlines (§5.5).

Nothing here reaches back into existing requests: a request keeps the deadlines computed when it
was triaged or dispatched (`request.due_at`, `assignment.*_due_at`) and the units it was given;
an edit applies to what is suggested, triaged and dispatched afterwards. Codes are stable and
never change; categories and subcategories are added, never deleted (requests refer to them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Category, Department, Subcategory
from resolvers.actor import Actor
from resolvers.admin import common
from resolvers.errors import BadUserInput, Conflict, NotFound

MAX_KEYWORDS = 40
MAX_KEYWORD = 16


@dataclass(frozen=True)
class PolicyInput:
    """Default deadlines of a subcategory; bounds keep a typo from making a deadline absurd."""

    triage_minutes: int
    major_response_hours: int
    major_resolve_working_days: int
    minor_a_hours: int
    minor_c_progress_days: int
    private_response_hours: int


# field (camelCase for the client), Chinese label, low, high
_POLICY_BOUNDS = {
    "triage_minutes": ("triageMinutes", "分类时限(分钟)", 5, 24 * 60),
    "major_response_hours": ("majorResponseHours", "大事响应时限(小时)", 1, 7 * 24),
    "major_resolve_working_days": ("majorResolveWorkingDays", "大事办结时限(工作日)", 1, 60),
    "minor_a_hours": ("minorAHours", "小事A档时限(小时)", 1, 7 * 24),
    "minor_c_progress_days": ("minorCProgressDays", "小事C档进度报告间隔(天)", 1, 30),
    "private_response_hours": ("privateResponseHours", "私事响应时限(小时)", 1, 14 * 24),
}


def check_keywords(keywords: list[str]) -> str:
    """Keywords as stored: de-duplicated, in order, space separated (a keyword has no spaces)."""
    seen: list[str] = []
    for raw in keywords:
        word = (raw or "").strip()
        if not word:
            continue
        if any(ch.isspace() for ch in word):
            raise BadUserInput(f"关键词“{word[:16]}”不能含空格", "A keyword has no spaces; give each word separately", field="keywords")
        if len(word) > MAX_KEYWORD:
            raise BadUserInput(f"关键词最长 {MAX_KEYWORD} 字", f"A keyword has at most {MAX_KEYWORD} characters", field="keywords")
        if word not in seen:
            seen.append(word)
    if len(seen) > MAX_KEYWORDS:
        raise BadUserInput(f"关键词最多 {MAX_KEYWORDS} 个", f"At most {MAX_KEYWORDS} keywords", field="keywords")
    return " ".join(seen)


def check_policy(policy: PolicyInput) -> dict[str, int]:
    values = asdict(policy)
    for key, (field, zh, low, high) in _POLICY_BOUNDS.items():
        common.number(values[key], zh, field, low, high)
    return values


async def _category(session: AsyncSession, category_id: int) -> Category:
    row = await session.get(Category, category_id, with_for_update=True)
    if row is None:
        raise NotFound("大类不存在", "No such category", field="categoryId")
    return row


async def _subcategory(session: AsyncSession, subcategory_id: int) -> Subcategory:
    row = await session.get(Subcategory, subcategory_id, with_for_update=True)
    if row is None:
        raise NotFound("小类不存在", "No such subcategory", field="subcategoryId")
    return row


async def _active_department(session: AsyncSession, department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    dept = await session.get(Department, department_id)
    if dept is None:
        raise NotFound("区直部门不存在", "No such department", field="departmentId")
    if not dept.active:
        raise BadUserInput("该部门已停用,不能作为默认承办部门", "An inactive department cannot be a default", field="departmentId")
    return dept


async def create_category(session: AsyncSession, actor: Actor | None, *, code: str, name: str, name_en: str) -> Category:
    actor = common.require_admin(actor)
    code = common.code(code, "编码", "code", 32)
    name = common.text(name, "名称", "name", 32)
    name_en = common.text(name_en, "英文名称", "nameEn", 64)
    if (await session.execute(select(Category.id).where(Category.code == code))).first():
        raise Conflict("大类编码已存在", "That category code is taken", field="code")
    position = (await session.execute(select(func.coalesce(func.max(Category.position), 0)))).scalar_one() + 1
    row = Category(code=code, name=name, name_en=name_en, position=position)
    session.add(row)
    await common.flush_unique(session, "大类编码已存在", "That category code is taken", "code")
    common.audit(session, actor, common.TAXONOMY_CHANGED, f"Category:{row.id}", f"created code={code} name={name}")
    return row


async def update_category(session: AsyncSession, actor: Actor | None, category_id: int, *, name: str | None = None,
                          name_en: str | None = None) -> Category:
    actor = common.require_admin(actor)
    row = await _category(session, category_id)
    changes = []
    if name is not None and (name := common.text(name, "名称", "name", 32)) != row.name:
        changes.append(f"name {row.name}→{name}")
        row.name = name
    if name_en is not None and (name_en := common.text(name_en, "英文名称", "nameEn", 64)) != row.name_en:
        changes.append(f"nameEn {row.name_en}→{name_en}")
        row.name_en = name_en
    if changes:
        common.audit(session, actor, common.TAXONOMY_CHANGED, f"Category:{row.id}", "; ".join(changes))
    return row


async def create_subcategory(session: AsyncSession, actor: Actor | None, *, category_id: int, code: str, name: str,
                             name_en: str, keywords: list[str], department_id: int | None,
                             policy: PolicyInput | None) -> Subcategory:
    actor = common.require_admin(actor)
    await _category(session, category_id)
    code = common.code(code, "编码", "code", 48)
    name = common.text(name, "名称", "name", 32)
    name_en = common.text(name_en, "英文名称", "nameEn", 64)
    stored_keywords = check_keywords(keywords)
    await _active_department(session, department_id)
    values = check_policy(policy) if policy is not None else {}
    if (await session.execute(select(Subcategory.id).where(Subcategory.code == code))).first():
        raise Conflict("小类编码已存在", "That subcategory code is taken", field="code")
    position = (await session.execute(select(func.coalesce(func.max(Subcategory.position), 0))
                                      .where(Subcategory.category_id == category_id))).scalar_one() + 1
    row = Subcategory(code=code, name=name, name_en=name_en, category_id=category_id, position=position,
                      default_department_id=department_id, keywords=stored_keywords, **values)
    session.add(row)
    await common.flush_unique(session, "小类编码已存在", "That subcategory code is taken", "code")
    common.audit(session, actor, common.TAXONOMY_CHANGED, f"Subcategory:{row.id}",
                 f"created code={code} name={name} category={category_id} department={department_id}")
    return row


async def update_subcategory(session: AsyncSession, actor: Actor | None, subcategory_id: int, *, name: str | None = None,
                             name_en: str | None = None, keywords: list[str] | None = None) -> Subcategory:
    actor = common.require_admin(actor)
    row = await _subcategory(session, subcategory_id)
    changes = []
    if name is not None and (name := common.text(name, "名称", "name", 32)) != row.name:
        changes.append(f"name {row.name}→{name}")
        row.name = name
    if name_en is not None and (name_en := common.text(name_en, "英文名称", "nameEn", 64)) != row.name_en:
        changes.append(f"nameEn {row.name_en}→{name_en}")
        row.name_en = name_en
    if keywords is not None and (stored := check_keywords(keywords)) != row.keywords:
        changes.append(f"keywords [{row.keywords}]→[{stored}]")
        row.keywords = stored
    if changes:
        common.audit(session, actor, common.TAXONOMY_CHANGED, f"Subcategory:{row.id}", "; ".join(changes))
    return row


async def set_routing(session: AsyncSession, actor: Actor | None, subcategory_id: int, *, department_id: int | None) -> Subcategory:
    """The routing table's entry: the department a MAJOR request of this kind is suggested to
    go to (None: no default, the center chooses every time)."""
    actor = common.require_admin(actor)
    row = await _subcategory(session, subcategory_id)
    await _active_department(session, department_id)
    if row.default_department_id != department_id:
        common.audit(session, actor, common.ROUTING_CHANGED, f"Subcategory:{row.id}",
                     f"{row.code}: department {row.default_department_id}→{department_id}")
        row.default_department_id = department_id
    return row


async def set_deadlines(session: AsyncSession, actor: Actor | None, subcategory_id: int, *, policy: PolicyInput) -> Subcategory:
    actor = common.require_admin(actor)
    row = await _subcategory(session, subcategory_id)
    values = check_policy(policy)
    changes = [f"{k} {getattr(row, k)}→{v}" for k, v in values.items() if getattr(row, k) != v]
    if changes:
        for key, value in values.items():
            setattr(row, key, value)
        common.audit(session, actor, common.DEADLINES_CHANGED, f"Subcategory:{row.id}", f"{row.code}: " + "; ".join(changes))
    return row
