"""台账导入: templates, every register from Excel and CSV (UTF-8 and GB18030), bad rows reported by row
number with nothing written, re-runs that duplicate nothing, imported staff signing in, progress,
the recorded history and audit, and who may do any of it.

Every row these tests add carries this run's tag and is deleted again when the module ends: other
tests count the demo district's streets, communities, grids and buildings exactly.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
import pytest_asyncio
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from db.models import AuditEntry, Building, Community, Grid, ImportJob, Resident, ResponsibilityField, Street, User, UserScope
from resolvers.imports.reader import read_file
from schema.api.imports import download_url
from tests.conftest import GQL

RUN = uuid.uuid4().hex[:6]
TAG = f"导{RUN}"
USER_PREFIX = f"imp{RUN}"

JOB = """
fragment J on ImportJob {
  id register status finished message dryRun rowsTotal rowsValidated rowsWritten progress
  inserted updated unchanged badRows errorCount credentialCount credentialsUrl
  sheets { register sheet rows inserted updated unchanged badRows examplesSkipped ignoredHeaders }
  errors(first: 100) { totalCount edges { node { register sheet row column value reason reasonEn } } }
  changes(first: 100) { totalCount edges { node { sheet row action key changedColumns } } }
}
"""
IMPORT = "mutation($i: ImportRegisterInput!) { importRegister(input: $i) { job { ...J } } }" + JOB
POLL = "query($id: ID!) { importJob(id: $id) { ...J } }" + JOB

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------------------------- files

def xlsx(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if encoding == "utf-8-sig" else text.encode(encoding)


def encode(fmt: str, sheet: str, rows: Sequence[Sequence[Any]]) -> tuple[str, bytes]:
    if fmt == "xlsx":
        return f"{sheet}.xlsx", xlsx({sheet: rows})
    return f"{sheet}-{fmt}.csv", csv_bytes(rows, fmt)


def phone(n: int) -> str:
    return f"137{(int(RUN, 16) * 7 + n) % 10**8:08d}"


def chain(s: str) -> dict[str, Any]:
    """Names of one street → community → grids → field → buildings → residents → staff, unique to this run."""
    street, comm = f"{TAG}街道{s}", f"{TAG}社区{s}"
    grid1, grid2, field1 = f"{TAG}网格{s}1", f"{TAG}网格{s}2", f"{TAG}田{s}1"
    addr1, addr2 = f"{TAG}路{s}1号", f"{TAG}路{s}2号"
    return {
        "street": street, "community": comm, "grid1": grid1, "grid2": grid2, "field1": field1, "addr1": addr1, "addr2": addr2,
        "STREETS": ("街道", [["街道名称*", "街道编码", "英文名称"], [street, "", f"Test Street {s}"]]),
        "COMMUNITIES": ("社区", [["所属街道", "社区名称"], [street, comm]]),
        "GRIDS": ("网格", [["所属社区", "网格名称", "网格编码"], [comm, grid1, ""], [comm, grid2, ""]]),
        "FIELDS": ("责任田", [["所属社区", "所属网格", "责任田名称"], [comm, grid1, field1]]),
        "BUILDINGS": ("楼栋", [["所属社区", "所属网格", "责任田", "楼栋名称", "详细地址", "户数"],
                              [comm, grid1, field1, "1号楼", addr1, 24], [comm, grid2, "", "2号楼", addr2, 30]]),
        "RESIDENTS": ("居民", [["所属社区", "楼栋", "姓名", "手机号", "房号", "是否党员", "是否楼长"],
                              [comm, addr1, f"{TAG}甲{s}", phone(1), "1单元101", "是", "是"],
                              [comm, addr2, f"{TAG}乙{s}", "", "2单元202", "否", ""]]),
        "STAFF": ("工作人员", [["用户名", "姓名", "角色", "管辖范围"],
                              [f"{USER_PREFIX}{s}g", f"{TAG}网格员{s}", "网格员", f"{comm}/{grid1}; {comm}/{grid2}"],
                              [f"{USER_PREFIX}{s}l", f"{TAG}楼长{s}", "楼长", f"{comm}/{addr1}"]]),
    }


ORDER = ["STREETS", "COMMUNITIES", "GRIDS", "FIELDS", "BUILDINGS", "RESIDENTS", "STAFF"]


# --------------------------------------------------------------------------- helpers

async def upload(http: Any, token: str | None, register: str, name: str, data: bytes, *, dry_run: bool,
                 wait: bool = True, mime: str = "application/octet-stream", preflight: bool = True) -> dict:
    operations = {"query": IMPORT, "variables": {"i": {"register": register, "file": None, "dryRun": dry_run, "wait": wait}}}
    headers = {"accept": "application/graphql-response+json"}
    if preflight:
        headers["graphql-preflight"] = "1"
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = await http.post("/graphql", headers=headers, files={"0": (name, data, mime)},
                               data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.i.file"]})})
    body = response.json()
    body["_status"] = response.status_code
    return body


async def run_import(http: Any, token: str, register: str, name: str, data: bytes, *, dry_run: bool) -> dict:
    body = await upload(http, token, register, name, data, dry_run=dry_run)
    assert "errors" not in body, body
    job = body["data"]["importRegister"]["job"]
    assert job["finished"], job
    return job


def errors_of(job: dict) -> list[dict]:
    return [e["node"] for e in job["errors"]["edges"]]


async def count(db: Any, table: Any, *where: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


REGISTER_TABLES = [Street.__table__, Community.__table__, Grid.__table__, ResponsibilityField.__table__, Building.__table__,
                   Resident.__table__, User.__table__, UserScope.__table__]


async def table_counts(db: Any) -> dict[str, int]:
    return {t.name: await count(db, t) for t in REGISTER_TABLES}


async def purge(db: Any, tag: str, user_prefix: str) -> None:
    """Delete every register row a test added (by its tag), children first."""
    s, c, g, f, b, r = (m.__table__ for m in (Street, Community, Grid, ResponsibilityField, Building, Resident))
    u, us, a = User.__table__, UserScope.__table__, AuditEntry.__table__
    async with db.write_turn(), db.write_engine.begin() as conn:
        users = select(u.c.id).where(u.c.username.like(f"{user_prefix}%")).scalar_subquery()
        await conn.execute(delete(us).where(us.c.user_id.in_(users)))
        await conn.execute(delete(a).where(a.c.actor_user_id.in_(users)))
        await conn.execute(delete(u).where(u.c.username.like(f"{user_prefix}%")))
        comms = select(c.c.id).where(c.c.name.like(f"%{tag}%")).scalar_subquery()
        buildings = select(b.c.id).where((b.c.community_id.in_(comms)) | b.c.address.like(f"%{tag}%")).scalar_subquery()
        await conn.execute(delete(r).where(r.c.building_id.in_(buildings) | r.c.name.like(f"%{tag}%")))
        await conn.execute(delete(b).where(b.c.community_id.in_(comms) | b.c.address.like(f"%{tag}%")))
        grids = select(g.c.id).where(g.c.community_id.in_(comms)).scalar_subquery()
        await conn.execute(delete(f).where(f.c.grid_id.in_(grids) | f.c.name.like(f"%{tag}%")))
        await conn.execute(delete(g).where(g.c.community_id.in_(comms) | g.c.name.like(f"%{tag}%")))
        await conn.execute(delete(c).where(c.c.name.like(f"%{tag}%")))
        await conn.execute(delete(s).where(s.c.name.like(f"%{tag}%")))


@pytest_asyncio.fixture(scope="module", autouse=True)
async def cleanup(db: Any) -> Any:
    yield
    await purge(db, TAG, USER_PREFIX)


# ----------------------------------------------------------------------------- tests

async def test_templates_download_and_parse_back(gql: GQL, http: Any, tokens: dict[str, str]) -> None:
    q = "{ importRegisters { register title sheetName naturalKey templateXlsxUrl templateCsvUrl columns { key header required } } }"
    registers = (await gql.ok(q, token=tokens["admin"]))["importRegisters"]
    assert [r["register"] for r in registers] == [*ORDER, "DISTRICT"]
    for reg in registers:
        xlsx_response = await http.get(reg["templateXlsxUrl"])
        assert xlsx_response.status_code == 200 and xlsx_response.headers["content-type"] == XLSX_TYPE
        data = xlsx_response.content
        wb = load_workbook(io.BytesIO(data), read_only=True)
        assert "填写说明" in wb.sheetnames
        if reg["register"] == "DISTRICT":
            assert reg["templateCsvUrl"] is None
            sheets = read_file("t.xlsx", data, "DISTRICT")
            assert [s.register.kind for s in sheets] == ORDER
            assert all(s.missing == [] and s.rows == [] and s.examples_skipped == 1 for s in sheets)
            continue
        header = [c.value for c in next(wb[reg["sheetName"]].iter_rows(max_row=1))]
        assert header == [c["header"] + ("*" if c["required"] else "") for c in reg["columns"]]
        (sheet,) = read_file("t.xlsx", data, reg["register"])
        # The header is recognised, nothing required is missing, and the example row is not data.
        assert sheet.missing == [] and sheet.rows == [] and sheet.examples_skipped == 1
        csv_response = await http.get(reg["templateCsvUrl"])
        assert csv_response.status_code == 200 and csv_response.content.startswith(b"\xef\xbb\xbf")
        (sheet,) = read_file("t.csv", csv_response.content, reg["register"])
        assert sheet.missing == [] and sheet.rows == [] and sheet.examples_skipped == 1
    # A tampered link is refused.
    url = registers[0]["templateXlsxUrl"]
    assert (await http.get(url.replace("fmt=xlsx", "fmt=csv"))).status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "gb18030"])
async def test_every_register_imports_from_excel_and_csv(fmt: str, http: Any, db: Any, tokens: dict[str, str]) -> None:
    names = chain("x" if fmt == "xlsx" else "g")
    admin = tokens["admin"]
    for register in ORDER:
        sheet, rows = names[register]
        file_name, data = encode(fmt, sheet, rows)
        dry = await run_import(http, admin, register, file_name, data, dry_run=True)
        assert dry["status"] == "DONE" and dry["errorCount"] == 0, errors_of(dry)
        assert dry["inserted"] == len(rows) - 1 and dry["updated"] == dry["unchanged"] == 0
        job = await run_import(http, admin, register, file_name, data, dry_run=False)
        assert job["status"] == "DONE" and job["inserted"] == len(rows) - 1, job

    s, c, g, f, b, r = (m.__table__ for m in (Street, Community, Grid, ResponsibilityField, Building, Resident))
    async with db.read() as conn:
        street = (await conn.execute(select(s).where(s.c.name == names["street"]))).one()
        comm = (await conn.execute(select(c).where(c.c.name == names["community"]))).one()
        grids = {x.name: x for x in await conn.execute(select(g).where(g.c.community_id == comm.id))}
        field = (await conn.execute(select(f).where(f.c.name == names["field1"]))).one()
        buildings = {x.address: x for x in await conn.execute(select(b).where(b.c.community_id == comm.id))}
        residents = {x.name: x for x in await conn.execute(select(r).where(r.c.building_id.in_([x.id for x in buildings.values()])))}
    assert street.name_en.startswith("Test Street") and comm.street_id == street.id
    assert set(grids) == {names["grid1"], names["grid2"]} and all(x.code.startswith(comm.code + "-G") for x in grids.values())
    assert field.grid_id == grids[names["grid1"]].id
    b1, b2 = buildings[names["addr1"]], buildings[names["addr2"]]
    assert (b1.grid_id, b1.field_id, b1.households, b1.street_id) == (grids[names["grid1"]].id, field.id, 24, street.id)
    assert b2.field_id is None and b2.households == 30 and b1.qr_token and b2.qr_token and b1.qr_token != b2.qr_token
    lead = residents[f"{TAG}甲" + ("x" if fmt == "xlsx" else "g")]
    assert lead.phone == phone(1) and lead.is_party_member and lead.leads_building_id == b1.id
    other = residents[f"{TAG}乙" + ("x" if fmt == "xlsx" else "g")]
    assert other.phone is None and other.room == "2单元202" and other.leads_building_id is None


async def test_a_workbook_refers_to_rows_of_earlier_sheets_and_a_rerun_changes_nothing(http: Any, db: Any, tokens: dict[str, str]) -> None:
    names = chain("w")
    data = xlsx({names[k][0]: names[k][1] for k in ORDER} | {"填写说明": [["说明"]]})
    before = await table_counts(db)
    dry = await run_import(http, tokens["admin"], "DISTRICT", "district.xlsx", data, dry_run=True)
    assert dry["errorCount"] == 0, errors_of(dry)
    assert [s["sheet"] for s in dry["sheets"]] == [names[k][0] for k in ORDER]
    assert [s["inserted"] for s in dry["sheets"]] == [1, 1, 2, 1, 2, 2, 2]
    assert await table_counts(db) == before  # a dry run writes nothing
    first = await run_import(http, tokens["admin"], "DISTRICT", "district.xlsx", data, dry_run=False)
    assert first["status"] == "DONE" and first["inserted"] == 11 and first["credentialCount"] == 2
    after_first = await table_counts(db)
    assert after_first["building"] == before["building"] + 2 and after_first["user_scope"] == before["user_scope"] + 3

    again = await run_import(http, tokens["admin"], "DISTRICT", "district.xlsx", data, dry_run=False)
    assert again["status"] == "DONE" and (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 11)
    assert await table_counts(db) == after_first
    assert again["credentialCount"] == 0 and again["credentialsUrl"] is None

    # A changed cell is an update of that column only, found by the natural key.
    rows = [list(x) for x in names["BUILDINGS"][1]]
    rows[1][5] = 40
    changed = await run_import(http, tokens["admin"], "BUILDINGS", "b.xlsx", xlsx({"楼栋": rows}), dry_run=False)
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
    update = next(e["node"] for e in changed["changes"]["edges"] if e["node"]["action"] == "UPDATE")
    assert update["row"] == 2 and update["changedColumns"] == ["户数"]
    assert await table_counts(db) == after_first


async def test_bad_rows_are_each_reported_by_row_number_and_nothing_is_written(http: Any, db: Any, tokens: dict[str, str]) -> None:
    names = chain("b")
    admin = tokens["admin"]
    for register in ["STREETS", "COMMUNITIES", "GRIDS"]:
        await run_import(http, admin, register, "ok.csv", encode("utf-8-sig", *names[register])[1], dry_run=False)
    comm, grid1 = names["community"], names["grid1"]
    buildings = [["所属社区", "所属网格", "楼栋名称", "详细地址", "户数"],
                 [comm, grid1, "1号楼", f"{TAG}坏路1号", 10],          # 2: fine
                 [f"{TAG}不存在社区", grid1, "2号楼", f"{TAG}坏路2号", 10],  # 3: unknown community
                 [comm, grid1, "1号楼", f"{TAG}坏路1号", 12],          # 4: duplicate of row 2
                 [comm, grid1, "3号楼", f"{TAG}坏路3号", "很多"],       # 5: households not a number
                 [comm, f"{TAG}没有的网格", "4号楼", f"{TAG}坏路4号", 8]]  # 6: unknown grid
    residents = [["所属社区", "楼栋", "姓名", "手机号"],
                 ["福泰社区", "B000001", f"{TAG}错号", "12345"],            # 2: malformed phone (and B000001 not in 福泰)
                 ["福泰社区", f"{TAG}无此楼", f"{TAG}某人", "13800001111"]]  # 3: unknown building
    staff = [["用户名", "姓名", "角色", "管辖范围"],
             [f"{USER_PREFIX}bad1", "甲", "网格员", f"{comm}/{grid1}"],      # 2: fine
             [f"{USER_PREFIX}bad2", "乙", "神仙", ""],                      # 3: unknown role
             [f"{USER_PREFIX}bad3", "丙", "网格员", f"{TAG}不存在的网格"],     # 4: unknown scope
             [f"{USER_PREFIX}bad4", "丁", "楼长", "社区:福泰社区"],            # 5: a scope kind the role cannot hold
             [f"{USER_PREFIX}bad5", "戊", "平台管理员", ""],                  # 6: administrators are not imported
             ["admin", "己", "网格员", f"{comm}/{grid1}"],                   # 7: the admin account is not changed
             [f"{USER_PREFIX}bad1", "庚", "调度员", ""]]                     # 8: same username as row 2
    missing = [["所属社区", "所属网格", "楼栋名称", "户数"], [comm, grid1, "9号楼", 3]]
    cases = [
        ("BUILDINGS", "b.xlsx", xlsx({"楼栋": buildings}),
         {(3, "所属社区"), (4, ""), (5, "户数"), (6, "所属网格")}),
        ("RESIDENTS", "r.csv", csv_bytes(residents, "gb18030"), {(2, "手机号"), (2, "楼栋"), (3, "楼栋")}),
        ("STAFF", "s.csv", csv_bytes(staff, "utf-8"),
         {(3, "角色"), (4, "管辖范围"), (5, "管辖范围"), (6, "角色"), (7, "用户名"), (8, "")}),
        ("BUILDINGS", "missing.csv", csv_bytes(missing, "utf-8-sig"), {(1, "详细地址")}),
    ]
    for register, file_name, data, expected in cases:
        before = await table_counts(db)
        dry = await run_import(http, admin, register, file_name, data, dry_run=True)
        found = {(e["row"], e["column"]) for e in errors_of(dry)}
        assert found == expected, (register, errors_of(dry))
        assert all(e["reason"] and e["reasonEn"] for e in errors_of(dry))
        real = await run_import(http, admin, register, file_name, data, dry_run=False)
        assert real["status"] == "REFUSED" and {(e["row"], e["column"]) for e in errors_of(real)} == expected
        assert await table_counts(db) == before, register
    reasons = {e["reason"] for e in errors_of(dry)}
    assert any("缺少必填列" in x for x in reasons)

    by_reason = {(e["row"], e["column"]): e["reason"] for e in errors_of(await run_import(http, admin, "BUILDINGS", "b.xlsx", xlsx({"楼栋": buildings}), dry_run=True))}
    assert "社区不存在" in by_reason[(3, "所属社区")] and "第 2 行" in by_reason[(4, "")]
    staff_errors = errors_of(await run_import(http, admin, "STAFF", "s.csv", csv_bytes(staff, "utf-8"), dry_run=True))
    assert any("未知角色" in e["reason"] for e in staff_errors) and any("管辖范围不存在" in e["reason"] for e in staff_errors)

    # The refused imports are in the history, with their errors, and audited.
    history = await GQL(http).ok("{ importJobs(first: 5) { edges { node { id status errorCount fileName "
                                 "errors(first: 10) { edges { node { row column } } } } } } }", token=admin)
    refused = [e["node"] for e in history["importJobs"]["edges"] if e["node"]["status"] == "REFUSED"]
    assert refused and refused[0]["fileName"] == "missing.csv" and refused[0]["errors"]["edges"][0]["node"]["column"] == "详细地址"
    async with db.read() as conn:
        pk = (await conn.execute(select(ImportJob.__table__.c.id).where(ImportJob.__table__.c.key == refused[0]["id"]))).scalar_one()
        audit = (await conn.execute(select(AuditEntry.__table__).where(AuditEntry.__table__.c.target == f"ImportJob:{pk}"))).one()
    assert audit.action == "IMPORT" and "REFUSED" in audit.detail


async def test_residents_csv_in_utf8_without_bom_and_a_leader_handover(http: Any, db: Any, tokens: dict[str, str]) -> None:
    names = chain("h")
    admin = tokens["admin"]
    for register in ["STREETS", "COMMUNITIES", "GRIDS", "FIELDS", "BUILDINGS", "RESIDENTS"]:
        await run_import(http, admin, register, "x.csv", csv_bytes(names[register][1], "utf-8"), dry_run=False)
    comm, addr1 = names["community"], names["addr1"]
    new_leader = [["所属社区", "楼栋", "姓名", "手机号", "是否楼长"], [comm, addr1, f"{TAG}新楼长", phone(9), "是"]]
    clash = await run_import(http, admin, "RESIDENTS", "r.csv", csv_bytes(new_leader, "utf-8"), dry_run=True)
    assert [(e["row"], e["column"]) for e in errors_of(clash)] == [(2, "是否楼长")]
    handover = [*new_leader, [comm, addr1, f"{TAG}甲h", phone(1), "否"]]
    job = await run_import(http, admin, "RESIDENTS", "r.csv", csv_bytes(handover, "utf-8"), dry_run=False)
    assert job["status"] == "DONE" and (job["inserted"], job["updated"]) == (1, 1), errors_of(job)
    r = Resident.__table__
    async with db.read() as conn:
        leaders = (await conn.execute(select(r.c.name).where(r.c.leads_building_id.is_not(None), r.c.name.like(f"{TAG}%h")))).all()
        new = (await conn.execute(select(r.c.name).where(r.c.name == f"{TAG}新楼长", r.c.leads_building_id.is_not(None)))).all()
    assert leaders == [] and len(new) == 1


async def test_imported_staff_sign_in_with_their_role_and_scopes(http: Any, db: Any, tokens: dict[str, str]) -> None:
    names = chain("s")
    admin = tokens["admin"]
    for register in ORDER[:-1]:
        await run_import(http, admin, register, "x.xlsx", xlsx({names[register][0]: names[register][1]}), dry_run=False)
    job = await run_import(http, admin, "STAFF", "staff.xlsx", xlsx({"工作人员": names["STAFF"][1]}), dry_run=False)
    assert job["credentialCount"] == 2 and job["credentialsUrl"]
    response = await http.get(job["credentialsUrl"])
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["用户名", "姓名", "角色", "初始密码"]
    passwords = {row[0]: row[3] for row in rows[1:]}
    assert set(passwords) == {f"{USER_PREFIX}sg", f"{USER_PREFIX}sl"} and len(set(passwords.values())) == 2
    assert (await http.get(job["credentialsUrl"])).status_code == 410  # handed out once
    async with db.read() as conn:
        hashes = (await conn.execute(select(User.__table__.c.password_hash).where(User.__table__.c.username.in_(passwords)))).scalars().all()
    assert all(h.startswith("$argon2id$") and all(p not in h for p in passwords.values()) for h in hashes)

    me = "{ me { username role scopes { kind name } } }"
    gql = GQL(http)
    grid_worker = await gql.ok(me, token=await gql.login(f"{USER_PREFIX}sg", passwords[f"{USER_PREFIX}sg"]))
    assert grid_worker["me"]["role"] == "GRID_WORKER"
    assert sorted((s["kind"], s["name"]) for s in grid_worker["me"]["scopes"]) == [("GRID", names["grid1"]), ("GRID", names["grid2"])]
    leader = await gql.ok(me, token=await gql.login(f"{USER_PREFIX}sl", passwords[f"{USER_PREFIX}sl"]))
    assert leader["me"]["role"] == "BUILDING_LEADER" and [s["kind"] for s in leader["me"]["scopes"]] == ["BUILDING"]
    wrong = await gql.post("mutation { login(input: {username: \"%s\", password: \"%s\"}) { token } }"
                           % (f"{USER_PREFIX}sg", passwords[f"{USER_PREFIX}sl"]))
    assert wrong["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # A re-run leaves the accounts (and their passwords) alone; a changed scope is an update.
    staff = [list(x) for x in names["STAFF"][1]]
    staff[1][3] = f"{names['community']}/{names['grid1']}"
    again = await run_import(http, admin, "STAFF", "staff.xlsx", xlsx({"工作人员": staff}), dry_run=False)
    assert (again["inserted"], again["updated"], again["unchanged"], again["credentialCount"]) == (0, 1, 1, 0)
    assert [c["node"]["changedColumns"] for c in again["changes"]["edges"] if c["node"]["action"] == "UPDATE"] == [["管辖范围"]]
    still = await gql.ok(me, token=await gql.login(f"{USER_PREFIX}sg", passwords[f"{USER_PREFIX}sg"]))
    assert [s["name"] for s in still["me"]["scopes"]] == [names["grid1"]]


async def test_progress_is_polled_until_the_job_finishes(http: Any, db: Any, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    rows = [["所属社区", "楼栋", "姓名", "手机号", "房号"]]
    async with db.read() as conn:
        b, c = Building.__table__, Community.__table__
        found = (await conn.execute(select(c.c.name, b.c.code).join(c, c.c.id == b.c.community_id).order_by(b.c.id).limit(1500))).all()
    rows += [[name, code, f"{TAG}进度{i}", phone(100 + i), f"{i % 6 + 1}单元"] for i, (name, code) in enumerate(found)]
    body = await upload(http, admin, "RESIDENTS", "progress.csv", csv_bytes(rows, "gb18030"), dry_run=False, wait=False)
    job = body["data"]["importRegister"]["job"]
    assert job["status"] in ("QUEUED", "READING", "VALIDATING", "WRITING", "DONE")
    seen = [job["progress"]]
    gql = GQL(http)
    for _ in range(600):
        job = (await gql.ok(POLL, {"id": job["id"]}, token=admin))["importJob"]
        seen.append(job["progress"])
        if job["finished"]:
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "DONE" and job["inserted"] == 1500 and job["rowsWritten"] == job["rowsValidated"] == 1500
    assert seen == sorted(seen) and seen[-1] == 1.0


async def test_only_administrators_may_import(http: Any, gql: GQL, db: Any, settings: Any, tokens: dict[str, str]) -> None:
    data = csv_bytes([["街道名称"], [f"{TAG}无权街道"]], "utf-8")
    anonymous = await upload(http, None, "STREETS", "s.csv", data, dry_run=False)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for who in ("dispatcher", "community", "grid", "district"):
        body = await upload(http, tokens[who], "STREETS", "s.csv", data, dry_run=False)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
        for query in ("{ importRegisters { register } }", "{ importJobs(first: 1) { totalCount } }",
                      '{ importJob(id: "x") { id } }'):
            refused = await gql.post(query, token=tokens[who])
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who, query)
    for query in ("{ importRegisters { register } }", "{ importJobs(first: 1) { totalCount } }"):
        assert (await gql.post(query))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A browser form cannot post it cross-site: multipart needs the preflight header.
    csrf = await upload(http, tokens["admin"], "STREETS", "s.csv", data, dry_run=False, preflight=False)
    assert csrf["_status"] == 400 and csrf["errors"][0]["extensions"]["code"] == "CSRF_PREVENTED"
    assert await count(db, Street.__table__, Street.__table__.c.name == f"{TAG}无权街道") == 0
    # A download link is checked again when fetched: a genuine signature for someone who is no administrator fails.
    leader_id = (await gql.ok("{ me { id } }", token=tokens["leader"]))["me"]["id"]
    from schema.ids import from_global_id

    url = download_url(settings.secret_key, from_global_id(leader_id, "User")[1], "template", {"register": "STREETS", "fmt": "xlsx"})
    assert (await http.get(url)).status_code == 403


async def test_unreadable_files_are_refused_plainly(http: Any, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    old_xls = await upload(http, admin, "STREETS", "old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100, dry_run=True)
    assert old_xls["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and ".xlsx" in old_xls["errors"][0]["message"]
    empty = await upload(http, admin, "STREETS", "e.csv", b"", dry_run=True)
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    broken = await run_import(http, admin, "STREETS", "broken.xlsx", b"PK\x03\x04 not really a zip", dry_run=True)
    assert broken["errorCount"] == 1 and errors_of(broken)[0]["row"] == 0
    csv_for_workbook = await upload(http, admin, "DISTRICT", "d.csv", b"a,b\n1,2\n", dry_run=True)
    assert csv_for_workbook["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_reader_finds_the_header_and_keeps_excel_row_numbers() -> None:
    rows = [["居民台账(2026年11月)"], [],
            ["所属社区*", "楼栋(必填)", "姓名", "手机号", "户数备注"],
            ["福泰社区", "B000001", "张三", 13800001234, "x"],
            [None, None, None, None, None],
            ["福泰社区", "B000002", "李四", 13900001234.0, ""]]
    (sheet,) = read_file("r.xlsx", xlsx({"Sheet1": rows}), "RESIDENTS")
    assert sheet.header_row == 3 and sheet.missing == [] and sheet.ignored_headers == ["户数备注"]
    assert [(r.number, r.cells["name"], r.cells["phone"]) for r in sheet.rows] == [(4, "张三", "13800001234"), (6, "李四", "13900001234")]
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        (sheet,) = read_file("r.csv", csv_bytes([["街道名称"], ["幸福街道"], ["芝罘岛街道"]], encoding) if encoding != "utf-16"
                             else "街道名称\r\n幸福街道\r\n".encode("utf-16"), "STREETS")
        assert [r.cells["name"] for r in sheet.rows][:1] == ["幸福街道"], encoding
