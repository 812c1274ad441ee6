"""Cadence reports through the API: on screen, and as signed CSV / Excel downloads."""

import csv
import io
from typing import Any

import openpyxl

from tests.loop_helpers import Loop, qr_token_in

Q = """query($k: CadenceReportKind!) { cadenceReport(kind: $k) { title periodStart periodEnd columns { key label } rows csvUrl xlsxUrl } }"""


async def test_daily_followup_lists_an_overdue_item_and_exports_it(gql: Any, tokens: dict[str, str], db: Any, http: Any) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from db.models import Request
    from schema.ids import from_global_id

    r = (await Loop(gql, tokens).submit(None, qrToken=await qr_token_in(db, "福泰社区", 12), text="跟进报表:井盖缺失"))["request"]
    async with db.write() as s:
        await s.execute(update(Request).where(Request.id == from_global_id(r["id"])[1]).values(due_at=datetime.now(timezone.utc) - timedelta(hours=3)))
    report = (await gql.ok(Q, {"k": "DAILY_FOLLOWUP"}, token=tokens["dispatcher"]))["cadenceReport"]
    assert report["title"] and report["columns"]
    flat = [cell for row in report["rows"] for cell in row]
    assert r["trackingCode"] in flat
    # The CSV download carries a BOM and the same rows.
    response = await http.get(report["csvUrl"])
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == [c["label"] for c in report["columns"]]
    assert r["trackingCode"] in [cell for row in table for cell in row]
    # The Excel download opens, with the same header.
    xlsx = await http.get(report["xlsxUrl"])
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header_row = next(row for row in sheet.iter_rows(values_only=True) if row and row[0] == report["columns"][0]["label"])
    assert list(header_row[: len(report["columns"])]) == [c["label"] for c in report["columns"]]
    # A tampered link is refused.
    assert (await http.get(report["csvUrl"].replace("kind=DAILY_FOLLOWUP", "kind=QUARTERLY_SUMMARY"))).status_code == 403


async def test_a_community_sees_only_its_own_and_a_partner_none(gql: Any, tokens: dict[str, str]) -> None:
    body = await gql.post(Q, {"k": "QUARTERLY_SUMMARY"}, token=tokens["partner"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    report = (await gql.ok(Q, {"k": "WEEKLY_DISPATCH"}, token=tokens["community"]))["cadenceReport"]
    assert report["periodEnd"] > report["periodStart"]
