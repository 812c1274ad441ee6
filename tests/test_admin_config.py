"""What ADMIN configures besides accounts: the taxonomy with its routing table and default
deadlines, the holiday table, and the units that handle requests. Each change is audited, applies
to what happens afterwards and never rewrites a request already triaged or dispatched.

The suite's database is shared (other tests count the 8 categories, 33 subcategories, 64
departments and 142 sections): rows made here are deleted and edits restored at teardown.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from db.models import (
    AuditEntry,
    Category,
    Community,
    Department,
    Holiday,
    HolidayYear,
    StreetSection,
    Subcategory,
)
from resolvers.calendar import LOCAL_TZ, add_working_days
from resolvers.requests.deadlines import holiday_table
from schema.ids import from_global_id, to_global_id
from tests.conftest import GQL
from tests.loop_helpers import DISPATCH, STEP, Loop, dept, qr_token_in, street, sub
from tests.test_import_registers import csv_bytes, errors_of, run_import

YEAR = 2095  # a year neither the package nor anybody else knows
SUB_FIELDS = "subcategory { id code name keywords defaultDepartment { name } deadlines { triageMinutes majorResponseHours " \
             "majorResolveWorkingDays minorAHours minorCProgressDays privateResponseHours } }"
UNIT = "unit { id kind code name nameEn active openWork partnerKind street { name } community { name } }"
YEAR_FIELDS = "holidayYear { year entered packageKnows estimated days { date isWorkday name source } }"
POLICY = {"triageMinutes": 30, "majorResponseHours": 2, "majorResolveWorkingDays": 5, "minorAHours": 24,
          "minorCProgressDays": 7, "privateResponseHours": 48}


def mark() -> str:
    return uuid.uuid4().hex[:6]


class Undo:
    """Rows to delete and subcategories to restore when a test ends, pass or fail."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.subcategories: list[int] = []
        self.categories: list[int] = []
        self.departments: list[int] = []
        self.sections: list[int] = []
        self.restore: dict[int, dict[str, Any]] = {}
        self.reactivate: list[int] = []

    async def keep(self, name: str) -> int:
        """Remember a seeded subcategory as it is now; returns its id."""
        t = Subcategory.__table__
        async with self.db.read() as conn:
            row = (await conn.execute(select(t).where(t.c.name == name))).one()
        self.restore[row.id] = {k: v for k, v in row._asdict().items() if k != "id"}
        return row.id

    async def run(self) -> None:
        async with self.db.engine.begin() as conn:
            for sid, values in self.restore.items():
                await conn.execute(update(Subcategory.__table__).where(Subcategory.__table__.c.id == sid).values(**values))
            for table, ids in ((Subcategory, self.subcategories), (Category, self.categories),
                               (Department, self.departments), (StreetSection, self.sections)):
                if ids:
                    await conn.execute(delete(table.__table__).where(table.__table__.c.id.in_(ids)))
            if self.reactivate:
                await conn.execute(update(Department.__table__).where(Department.__table__.c.id.in_(self.reactivate)).values(active=True))
            await conn.execute(delete(Holiday.__table__).where(Holiday.__table__.c.day >= date(YEAR, 1, 1),
                                                               Holiday.__table__.c.day <= date(YEAR, 12, 31)))
            await conn.execute(delete(HolidayYear.__table__).where(HolidayYear.__table__.c.year == YEAR))


@pytest.fixture
async def undo(db: Any) -> Any:
    u = Undo(db)
    yield u
    await u.run()


async def ok(gql: GQL, token: str, mutation: str, input: dict, fields: str, input_type: str | None = None) -> dict:
    name = input_type or mutation[0].upper() + mutation[1:] + "Input"
    body = await gql.post(f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" not in body, (mutation, body.get("errors"))
    return body["data"][mutation]


async def err(gql: GQL, token: str, mutation: str, input: dict, fields: str, input_type: str | None = None) -> dict:
    name = input_type or mutation[0].upper() + mutation[1:] + "Input"
    body = await gql.post(f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" in body, (mutation, "expected an error", body)
    return body["errors"][0]["extensions"]


async def audited(db: Any, action: str, target: str) -> list[str]:
    t = AuditEntry.__table__
    async with db.read() as conn:
        return list((await conn.execute(select(t.c.detail).where(t.c.action == action, t.c.target == target).order_by(t.c.id))).scalars())


def pk(gid: str) -> int:
    return from_global_id(gid)[1]


@pytest.fixture
def loop(gql: GQL, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


async def major(loop: Loop, db: Any, subcategory: str, text: str) -> dict:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 3), text=text))["request"]
    return await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, subcategory)},
                         fields="id version suggestedDepartment { name }")


# ------------------------------------------------------------------------------------ taxonomy


async def test_a_new_category_and_subcategory_with_keywords_routing_and_deadlines(gql: GQL, tokens: dict[str, str], db: Any, undo: Undo) -> None:
    m = mark().upper()
    admin = tokens["admin"]
    cat = (await ok(gql, admin, "createCategory", {"code": f"T_{m}", "name": f"测试大类{m}", "nameEn": "Test"},
                    "category { id code name position }"))["category"]
    undo.categories.append(pk(cat["id"]))
    assert cat["position"] == 9
    policy = {**POLICY, "majorResponseHours": 4, "majorResolveWorkingDays": 10}
    created = (await ok(gql, admin, "createSubcategory", {
        "categoryId": cat["id"], "code": f"T_{m}_ONE", "name": f"测试小类{m}", "nameEn": "Test one",
        "keywords": ["井盖", " 井盖 ", "路灯杆"], "defaultDepartmentId": await dept(db, "区城市管理局"), "deadlines": policy}, SUB_FIELDS))["subcategory"]
    undo.subcategories.append(pk(created["id"]))
    assert created["keywords"] == ["井盖", "路灯杆"] and created["defaultDepartment"]["name"] == "区城市管理局"
    assert created["deadlines"] == policy

    # Everyone signed in reads the taxonomy: the new category comes last, with its subcategory.
    cats = (await gql.ok("{ categories { code subcategories { code } } }", token=tokens["department"]))["categories"]
    assert cats[-1] == {"code": f"T_{m}", "subcategories": [{"code": f"T_{m}_ONE"}]}

    renamed = (await ok(gql, admin, "updateCategory", {"id": cat["id"], "name": f"改名大类{m}"}, "category { name nameEn }"))["category"]
    assert renamed == {"name": f"改名大类{m}", "nameEn": "Test"}
    assert await audited(db, "TAXONOMY_CHANGED", f"Category:{pk(cat['id'])}") == [
        f"created code=T_{m} name=测试大类{m}", f"name 测试大类{m}→改名大类{m}"]

    base = {"categoryId": cat["id"], "code": f"T_{m}_TWO", "name": "二", "nameEn": "Two"}
    for change, code, field in [
        ({"code": f"T_{m}_ONE"}, "CONFLICT", "code"),
        ({"code": "lower_case"}, "BAD_USER_INPUT", "code"),
        ({"keywords": ["两个 词"]}, "BAD_USER_INPUT", "keywords"),
        ({"keywords": ["一" * 17]}, "BAD_USER_INPUT", "keywords"),
        ({"deadlines": {**POLICY, "triageMinutes": 0}}, "BAD_USER_INPUT", "triageMinutes"),
        ({"deadlines": {**POLICY, "majorResolveWorkingDays": 400}}, "BAD_USER_INPUT", "majorResolveWorkingDays"),
        ({"name": ""}, "BAD_USER_INPUT", "name"),
    ]:
        ext = await err(gql, admin, "createSubcategory", {**base, **change}, "subcategory { id }")
        assert (ext["code"], ext.get("field")) == (code, field), change
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(Subcategory).where(Subcategory.category_id == pk(cat["id"])))).scalar_one() == 1


async def test_new_keywords_suggest_a_subcategory_for_requests_submitted_afterwards(loop: Loop, gql: GQL, tokens: dict[str, str],
                                                                                    db: Any, undo: Undo) -> None:
    sid = await undo.keep("流浪动物")
    word = f"喵星人{mark()}"
    fields = "id suggestedSubcategory { name }"
    before = (await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 5), text=f"{word}半夜出没"))["request"]
    keywords = (await gql.ok("query($id: ID!) { node(id: $id) { ... on Subcategory { keywords } } }", {"id": to_global_id("Subcategory", sid)},
                             token=tokens["admin"]))["node"]["keywords"]
    updated = (await ok(gql, tokens["admin"], "updateSubcategory", {"id": to_global_id("Subcategory", sid), "keywords": [*keywords, word]},
                        SUB_FIELDS))["subcategory"]
    assert updated["keywords"] == [*keywords, word]
    after = (await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 5), text=f"{word}半夜出没"))["request"]
    assert (await loop.get("dispatcher", after["id"], fields))["suggestedSubcategory"]["name"] == "流浪动物"
    assert (await loop.get("dispatcher", before["id"], fields))["suggestedSubcategory"] is None  # not re-suggested
    [detail] = await audited(db, "TAXONOMY_CHANGED", f"Subcategory:{sid}")
    assert detail.startswith("keywords [") and word in detail


async def test_submissions_do_not_read_the_keywords_again_until_they_change(loop: Loop, db: Any, count_statements: Any) -> None:
    """The keywords are remembered (resolvers/requests/keywords.py); the test above shows an edit
    is seen by the very next submission."""
    await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 6), text="路灯不亮")
    with count_statements() as counted:
        await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 7), text="路灯还是不亮")
    assert counted.statements and not [s for s in counted.statements if "subcategory.keywords" in s], counted.statements


async def test_the_routing_table_applies_to_what_is_dispatched_afterwards(loop: Loop, gql: GQL, tokens: dict[str, str], db: Any,
                                                                           undo: Undo) -> None:
    sid = await undo.keep("共享单车")
    sub_gid = to_global_id("Subcategory", sid)
    first = await major(loop, db, "共享单车", "共享单车堆满人行道")
    original = first["suggestedDepartment"]["name"]
    await loop.ok("dispatcher", "dispatchRequest", {"id": first["id"], "lead": {"id": await dept(db, original)}}, DISPATCH)

    routed = (await ok(gql, tokens["admin"], "setSubcategoryRouting", {"subcategoryId": sub_gid, "departmentId": await dept(db, "区城市管理局")},
                       SUB_FIELDS, "SetRoutingInput"))["subcategory"]
    assert routed["defaultDepartment"]["name"] == "区城市管理局"
    second = await major(loop, db, "共享单车", "共享单车倒在盲道上")
    assert second["suggestedDepartment"]["name"] == "区城市管理局"
    units = (await loop.get("dispatcher", first["id"], "assignments { unitName role }"))["assignments"]
    assert units == [{"unitName": original, "role": "LEAD"}]  # what was dispatched stays dispatched
    [detail] = await audited(db, "ROUTING_CHANGED", f"Subcategory:{sid}")
    assert detail.endswith(f"→{pk(await dept(db, '区城市管理局'))}")

    cleared = (await ok(gql, tokens["admin"], "setSubcategoryRouting", {"subcategoryId": sub_gid, "departmentId": None}, SUB_FIELDS,
                        "SetRoutingInput"))["subcategory"]
    assert cleared["defaultDepartment"] is None


async def test_default_deadlines_apply_to_requests_dispatched_afterwards_never_retroactively(
        loop: Loop, gql: GQL, tokens: dict[str, str], db: Any, undo: Undo) -> None:
    sid = await undo.keep("道路设施")
    lead = {"lead": {"id": await dept(db, "区交通运输局")}}
    earlier = await major(loop, db, "道路设施", "人行道地砖松动")
    earlier = await loop.ok("dispatcher", "dispatchRequest", {"id": earlier["id"], **lead}, DISPATCH, fields="id dueAt")
    policy = {**POLICY, "majorResponseHours": 7}
    changed = (await ok(gql, tokens["admin"], "setSubcategoryDeadlines", {"subcategoryId": to_global_id("Subcategory", sid), "deadlines": policy},
                        SUB_FIELDS, "SetDeadlinesInput"))["subcategory"]
    assert changed["deadlines"]["majorResponseHours"] == 7

    assert (await loop.get("dispatcher", earlier["id"], "dueAt"))["dueAt"] == earlier["dueAt"]  # untouched
    later = await major(loop, db, "道路设施", "路灯杆倾斜")
    sent = datetime.now(timezone.utc)
    later = await loop.ok("dispatcher", "dispatchRequest", {"id": later["id"], **lead}, DISPATCH, fields="id dueAt dueKind")
    due = datetime.fromisoformat(later["dueAt"])
    assert later["dueKind"] == "RESPONSE" and timedelta(hours=6.9) < due - sent < timedelta(hours=7.1)
    [detail] = await audited(db, "DEADLINES_CHANGED", f"Subcategory:{sid}")
    assert "major_response_hours 2→7" in detail

    ext = await err(gql, tokens["admin"], "setSubcategoryDeadlines", {"subcategoryId": to_global_id("Subcategory", sid),
                                                                      "deadlines": {**POLICY, "privateResponseHours": 0}}, "subcategory { id }", "SetDeadlinesInput")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "privateResponseHours")


# ------------------------------------------------------------------------------------ holidays


async def test_a_year_the_package_knows_lists_its_holidays_and_make_up_days(gql: GQL, tokens: dict[str, str]) -> None:
    q = "query($y: Int!) { holidayYear(year: $y) { year entered packageKnows estimated days { date isWorkday name source } } }"
    y = (await gql.ok(q, {"y": 2026}, token=tokens["admin"]))["holidayYear"]
    assert y["packageKnows"] is True and y["estimated"] is False
    days = {d["date"]: d for d in y["days"]}
    assert days["2026-10-01"] == {"date": "2026-10-01", "isWorkday": False, "name": "国庆节", "source": "PACKAGE"}
    assert any(d["isWorkday"] and d["name"] == "调休上班" for d in y["days"])
    body = await gql.post(q, {"y": 1999}, token=tokens["admin"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_holiday_table_of_a_year_nobody_knows(gql: GQL, tokens: dict[str, str], db: Any, undo: Undo) -> None:
    admin = tokens["admin"]
    q = "query($y: Int!) { holidayYear(year: $y) { entered packageKnows estimated days { date isWorkday name source } } }"
    assert (await gql.ok(q, {"y": YEAR}, token=admin))["holidayYear"] == {"entered": False, "packageKnows": False, "estimated": True, "days": []}

    monday, saturday = date(YEAR, 5, 2), date(YEAR, 5, 7)
    year = (await ok(gql, admin, "setHoliday", {"date": monday.isoformat(), "isWorkday": False, "name": "劳动节"}, YEAR_FIELDS,
                     "HolidayDayInput"))["holidayYear"]
    assert year["days"] == [{"date": "2095-05-02", "isWorkday": False, "name": "劳动节", "source": "TABLE"}]
    year = (await ok(gql, admin, "setHoliday", {"date": saturday.isoformat(), "isWorkday": True}, YEAR_FIELDS, "HolidayDayInput"))["holidayYear"]
    assert year["days"][-1] == {"date": "2095-05-07", "isWorkday": True, "name": "调休上班", "source": "TABLE"}
    assert year["estimated"] is True

    for input, field in [
        ({"date": "2095-05-03", "isWorkday": False}, "name"),  # a day off needs its name
        ({"date": "2095-05-04", "isWorkday": True}, "date"),  # a Wednesday is a working day anyway
        ({"date": "2101-01-01", "isWorkday": False, "name": "元旦"}, "date"),
    ]:
        ext = await err(gql, admin, "setHoliday", input, "holidayYear { year }", "HolidayDayInput")
        assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", field), input

    # Working days now follow the table: the holiday is skipped, the make-up Saturday counts.
    async with db.sessions() as session:
        table = await holiday_table(session)
    friday = datetime(YEAR, 4, 29, 10, tzinfo=LOCAL_TZ)
    assert add_working_days(friday, 1, table).at == datetime(YEAR, 5, 3, 10, tzinfo=LOCAL_TZ)
    assert add_working_days(datetime(YEAR, 5, 6, 10, tzinfo=LOCAL_TZ), 1, table).at == datetime(YEAR, 5, 7, 10, tzinfo=LOCAL_TZ)
    assert add_working_days(friday, 1, table).estimated is True  # the year is not entered yet

    marked = (await ok(gql, admin, "markHolidayYear", {"year": YEAR, "entered": True}, YEAR_FIELDS))["holidayYear"]
    assert marked["entered"] is True and marked["estimated"] is False
    async with db.sessions() as session:
        assert add_working_days(friday, 1, await holiday_table(session)).estimated is False

    removed = (await ok(gql, admin, "removeHoliday", {"date": "2095-05-07"}, YEAR_FIELDS))["holidayYear"]
    assert [d["date"] for d in removed["days"]] == ["2095-05-02"]
    ext = await err(gql, admin, "removeHoliday", {"date": "2095-05-07"}, "holidayYear { year }")
    assert ext["code"] == "NOT_FOUND"

    # A whole notice at once replaces the year's entries; an absurd one is refused whole.
    too_long = [{"date": (date(YEAR, 7, 1) + timedelta(days=i)).isoformat(), "isWorkday": False, "name": "暑假"} for i in range(15)]
    ext = await err(gql, admin, "enterHolidayYear", {"year": YEAR, "days": too_long}, "holidayYear { year }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "days")
    ext = await err(gql, admin, "enterHolidayYear", {"year": YEAR, "days": [{"date": "2096-01-01", "isWorkday": False, "name": "元旦"}]},
                    "holidayYear { year }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "days")
    notice = [{"date": f"{YEAR}-01-0{d}", "isWorkday": False, "name": "元旦"} for d in (1, 2, 3)] + \
             [{"date": f"{YEAR}-01-08", "isWorkday": True, "name": "调休上班"}]
    entered = (await ok(gql, admin, "enterHolidayYear", {"year": YEAR, "days": notice}, YEAR_FIELDS))["holidayYear"]
    assert [(d["date"], d["isWorkday"]) for d in entered["days"]] == [
        ("2095-01-01", False), ("2095-01-02", False), ("2095-01-03", False), ("2095-01-08", True)]
    assert entered["entered"] is True

    details = await audited(db, "HOLIDAY_CHANGED", "Holiday:2095-05-02") + await audited(db, "HOLIDAY_CHANGED", f"HolidayYear:{YEAR}")
    assert details[0] == "none → off 劳动节" and "entered" in details and details[-1].startswith("entered notice: 3 days off, 1 make-up")


# ------------------------------------------------------------------------------------ units


async def units(gql: GQL, token: str, kind: str, filter: dict) -> list[dict]:
    q = """query($k: AdminUnitKind!, $f: AdminUnitFilter) { adminUnits(kind: $k, filter: $f, first: 100) {
        edges { node { id code name active openWork street { name } community { name } } } } }"""
    return [e["node"] for e in (await gql.ok(q, {"k": kind, "f": filter}, token=token))["adminUnits"]["edges"]]


async def test_a_department_is_created_renamed_and_retired(loop: Loop, gql: GQL, http: Any, tokens: dict[str, str], db: Any,
                                                          undo: Undo) -> None:
    m, admin = mark(), tokens["admin"]
    unit = (await ok(gql, admin, "createUnit", {"kind": "DEPARTMENT", "name": f"区测试局{m}", "nameEn": "Test Bureau"}, UNIT))["unit"]
    undo.departments.append(pk(unit["id"]))
    assert re.fullmatch(r"D\d{2,}", unit["code"]) and int(unit["code"][1:]) >= 65
    assert (unit["kind"], unit["active"], unit["openWork"], unit["nameEn"]) == ("DEPARTMENT", True, 0, "Test Bureau")
    ext = await err(gql, admin, "createUnit", {"kind": "DEPARTMENT", "name": f"区测试局{m}", "nameEn": "Again"}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("CONFLICT", "name")
    ext = await err(gql, admin, "createUnit", {"kind": "DEPARTMENT", "name": f"区测试二局{m}"}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "nameEn")

    renamed = (await ok(gql, admin, "renameUnit", {"id": unit["id"], "name": f"区试验局{m}"}, UNIT))["unit"]
    assert renamed["name"] == f"区试验局{m}" and renamed["nameEn"] == "Test Bureau"
    assert [u["name"] for u in await units(gql, admin, "DEPARTMENT", {"search": f"试验局{m}"})] == [f"区试验局{m}"]

    # The routing table pointing to it keeps it in service.
    sid = await undo.keep("绿化养护")
    await ok(gql, admin, "setSubcategoryRouting", {"subcategoryId": to_global_id("Subcategory", sid), "departmentId": unit["id"]},
             "subcategory { id }", "SetRoutingInput")
    ext = await err(gql, admin, "setUnitActive", {"id": unit["id"], "active": False}, "unit { id }")
    assert ext["code"] == "CONFLICT" and "绿化养护" in (await gql.post(
        "mutation($i: SetUnitActiveInput!) { setUnitActive(input: $i) { unit { id } } }", {"i": {"id": unit["id"], "active": False}},
        token=admin))["errors"][0]["message"]
    original = undo.restore[sid]["default_department_id"]
    await ok(gql, admin, "setSubcategoryRouting", {"subcategoryId": to_global_id("Subcategory", sid),
                                                  "departmentId": to_global_id("Department", original) if original else None},
             "subcategory { id }", "SetRoutingInput")

    retired = (await ok(gql, admin, "setUnitActive", {"id": unit["id"], "active": False, "reason": "机构改革"}, UNIT))["unit"]
    assert retired["active"] is False
    assert [u["name"] for u in await units(gql, admin, "DEPARTMENT", {"search": m, "active": True})] == []
    # The list the dispatch form reads leaves it out; the full list keeps it, marked retired.
    q = "query($a: Boolean) { departments(first: 100, active: $a) { edges { node { id active } } } }"
    in_service = {e["node"]["id"] for e in (await gql.ok(q, {"a": True}, token=admin))["departments"]["edges"]}
    everything = {e["node"]["id"]: e["node"]["active"] for e in (await gql.ok(q, {"a": None}, token=admin))["departments"]["edges"]}
    assert unit["id"] not in in_service and everything[unit["id"]] is False and len(everything) > len(in_service)
    # The staff register cannot give it a handler either: the dry run says why.
    staff = [["用户名", "姓名", "角色", "管辖范围"], [f"t-imp-{m}", "经办人", "部门工作人员", f"区试验局{m}"]]
    job = await run_import(http, admin, "STAFF", "staff.csv", csv_bytes(staff, "utf-8"), dry_run=True)
    assert [(e["row"], e["column"]) for e in errors_of(job)] == [(2, "管辖范围")]
    assert "已停用" in errors_of(job)[0]["reason"]

    # A retired department gets no new work: no dispatch, no new handler, no routing.
    request = await major(loop, db, "噪音扰民", "广场舞音响太吵")
    code = await loop.err("dispatcher", "dispatchRequest", {"id": request["id"], "lead": {"id": unit["id"]}}, DISPATCH)
    assert code == "BAD_USER_INPUT"
    ext = await err(gql, admin, "createUser", {"username": f"t-h-{m}", "displayName": "经办人", "role": "DEPARTMENT_HANDLER",
                                               "scopes": [{"kind": "DEPARTMENT", "refId": unit["id"]}]}, "account { active }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "scopes")
    ext = await err(gql, admin, "setSubcategoryRouting", {"subcategoryId": to_global_id("Subcategory", sid), "departmentId": unit["id"]},
                    "subcategory { id }", "SetRoutingInput")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "departmentId")

    back = (await ok(gql, admin, "setUnitActive", {"id": unit["id"], "active": True}, UNIT))["unit"]
    assert back["active"] is True
    target = f"Department:{pk(unit['id'])}"
    assert await audited(db, "UNIT_CHANGED", target) == [
        f"created code={unit['code']} name=区测试局{m}", f"name 区测试局{m}→区试验局{m}", "deactivated reason=机构改革", "activated"]


async def test_a_unit_with_open_assignments_is_retired_only_once_they_are_done(loop: Loop, gql: GQL, tokens: dict[str, str], db: Any,
                                                                                undo: Undo) -> None:
    admin = tokens["admin"]
    # A seeded department nobody routes to and no other test dispatches to.
    async with db.read() as conn:
        routed = select(Subcategory.default_department_id).where(Subcategory.default_department_id.is_not(None))
        dept_id, dept_name = (await conn.execute(select(Department.id, Department.name).where(Department.id.not_in(routed), Department.id <= 64)
                                                 .order_by(Department.id.desc()).limit(1))).one()
    undo.reactivate.append(dept_id)
    unit_gid = to_global_id("Department", dept_id)
    handler = await ok(gql, admin, "createUser", {"username": f"t-h-{mark()}", "displayName": dept_name, "role": "DEPARTMENT_HANDLER",
                                                  "scopes": [{"kind": "DEPARTMENT", "refId": unit_gid}], "password": "Handler-2026"},
                       "account { user { username } }")
    loop.tokens["handler"] = await gql.login(handler["account"]["user"]["username"], "Handler-2026")
    request = await major(loop, db, "噪音扰民", "夜间工地施工噪音")
    await loop.ok("dispatcher", "dispatchRequest", {"id": request["id"], "lead": {"id": unit_gid}}, DISPATCH)

    body = await gql.post("mutation($i: SetUnitActiveInput!) { setUnitActive(input: $i) { unit { id } } }",
                          {"i": {"id": unit_gid, "active": False}}, token=admin)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT" and error["extensions"]["openWork"] >= 1 and "仍在办理" in error["message"]
    [listed] = [u for u in await units(gql, admin, "DEPARTMENT", {"search": dept_name}) if u["id"] == unit_gid]
    assert listed["active"] is True and listed["openWork"] == error["extensions"]["openWork"]

    await loop.ok("handler", "acceptRequest", {"id": request["id"]}, STEP)
    await loop.ok("handler", "resolveRequest", {"id": request["id"], "resolution": "已责令夜间停工"})
    await loop.ok("dispatcher", "closeRequest", {"id": request["id"]}, STEP)
    retired = (await ok(gql, admin, "setUnitActive", {"id": unit_gid, "active": False}, UNIT))["unit"]
    assert retired["active"] is False and retired["openWork"] == 0
    await ok(gql, admin, "setUnitActive", {"id": unit_gid, "active": True}, UNIT)


async def test_street_sections_are_created_in_their_street_renamed_and_retired(gql: GQL, tokens: dict[str, str], db: Any, undo: Undo) -> None:
    m, admin = mark(), tokens["admin"]
    xingfu = await street(db, "幸福街道")
    section = (await ok(gql, admin, "createUnit", {"kind": "SECTION", "streetId": xingfu, "name": f"测试办{m}", "nameEn": "Test office"}, UNIT))["unit"]
    undo.sections.append(pk(section["id"]))
    assert section["street"]["name"] == "幸福街道" and re.fullmatch(r"ST\d\d-\d\d", section["code"])
    ext = await err(gql, admin, "createUnit", {"kind": "SECTION", "streetId": xingfu, "name": f"测试办{m}", "nameEn": "x"}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("CONFLICT", "name")
    ext = await err(gql, admin, "createUnit", {"kind": "SECTION", "name": f"无街道{m}", "nameEn": "x"}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "streetId")
    listed = await units(gql, admin, "SECTION", {"streetId": xingfu, "search": m})
    assert [(u["name"], u["street"]["name"]) for u in listed] == [(f"测试办{m}", "幸福街道")]
    renamed = (await ok(gql, admin, "renameUnit", {"id": section["id"], "name": f"综合办{m}", "nameEn": "General office"}, UNIT))["unit"]
    assert (renamed["name"], renamed["nameEn"]) == (f"综合办{m}", "General office")
    assert (await ok(gql, admin, "setUnitActive", {"id": section["id"], "active": False}, UNIT))["unit"]["active"] is False
    ext = await err(gql, admin, "setUnitActive", {"id": xingfu, "active": False}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "id")  # a street is not a unit ADMIN retires


async def test_a_partner_unit_with_an_open_task_is_retired_only_after_the_task(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    m, admin = mark(), tokens["admin"]
    async with db.read() as conn:
        community = to_global_id("Community", (await conn.execute(select(Community.id).where(Community.name == "塔山社区"))).scalar_one())
    unit = (await ok(gql, admin, "createUnit", {"kind": "PARTNER", "communityId": community, "name": f"测试物业{m}",
                                                "partnerKind": "PROPERTY_COMPANY", "services": "保洁"}, UNIT))["unit"]
    assert (unit["partnerKind"], unit["community"]["name"], unit["nameEn"]) == ("PROPERTY_COMPANY", "塔山社区", None)
    ext = await err(gql, admin, "renameUnit", {"id": unit["id"], "name": f"测试物业{m}", "nameEn": "Property"}, "unit { id }")
    assert (ext["code"], ext["field"]) == ("BAD_USER_INPUT", "nameEn")
    task = await gql.ok("""mutation($i: CreateCoTaskInput!) { createCoTask(input: $i) { task { id version } } }""", {"i": {
        "communityId": community, "title": f"楼道清理{m}", "ask": "清理楼道堆物", "partnerUnitIds": [unit["id"]],
        "dueAt": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()}}, token=tokens["dispatcher"])
    ext = await err(gql, admin, "setUnitActive", {"id": unit["id"], "active": False}, "unit { id }")
    assert ext["code"] == "CONFLICT" and ext["openWork"] == 1
    await gql.ok("mutation($i: CoTaskTextInput!) { cancelCoTask(input: $i) { task { state } } }",
                 {"i": {"id": task["createCoTask"]["task"]["id"], "text": "改由社区自行处理"}}, token=tokens["dispatcher"])
    retired = (await ok(gql, admin, "setUnitActive", {"id": unit["id"], "active": False}, UNIT))["unit"]
    assert retired["active"] is False and retired["openWork"] == 0
    assert len(await audited(db, "UNIT_CHANGED", f"PartnerUnit:{pk(unit['id'])}")) == 2
