"""Signed downloads of reports: a browser link cannot carry a bearer token, so the link itself
names the user and expires; the user is re-checked (active, role, scope) when it is fetched."""

from __future__ import annotations

import hmac
import time
from datetime import date

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from config import Settings
from db.models import User
from resolvers.auth import actor_for_token
from resolvers.errors import DomainError
from resolvers.reports.export import to_csv, to_xlsx
from resolvers.reports.run import EVALUATION_KINDS, KINDS, EvaluationExportRequest, ReportRequest, run_evaluation_export, run_report
from resolvers import tokens
from schema.api.reports import sign_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def serve_export(request: Request, settings: Settings) -> Response:
    q = request.query_params
    kind, fmt, uid, exp, sig = q.get("kind", ""), q.get("fmt", ""), q.get("uid", ""), q.get("exp", ""), q.get("sig", "")
    if kind in EVALUATION_KINDS:
        return await _serve_evaluation(request, settings)
    try:
        user_id, expires, day = int(uid), int(exp), date.fromisoformat(q.get("day", ""))
    except ValueError:
        return PlainTextResponse("链接无效 / malformed link", status_code=400)
    params = {"kind": kind, "day": day.isoformat()}
    if kind not in KINDS or fmt not in ("csv", "xlsx") or expires < time.time() or not hmac.compare_digest(
        sign_export(settings.secret_key, user_id, params, fmt, expires), sig
    ):
        return PlainTextResponse("链接无效或已过期 / invalid or expired link", status_code=403)
    db = request.app.state.db
    async with db.read() as conn:
        version = (await conn.execute(select(User.token_version).where(User.id == user_id))).scalar()
        if version is None:
            return PlainTextResponse("forbidden", status_code=403)
        # The same checks as a bearer token: the user is still active and has not been revoked.
        token, _ = tokens.issue(settings.secret_key, user_id, version, 60)
        actor = await actor_for_token(conn, settings.secret_key, token)
        if actor is None:
            return PlainTextResponse("forbidden", status_code=403)
        try:
            report = await run_report(conn, actor, ReportRequest(kind=kind, day=day))
        except DomainError as err:
            return PlainTextResponse(err.zh, status_code=403)
    filename = f"{kind.lower()}-{day.isoformat()}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"}
    if fmt == "csv":
        return Response(to_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(to_xlsx(report), media_type=XLSX, headers=headers)


async def _serve_evaluation(request: Request, settings: Settings) -> Response:
    """The evaluation page's Excel downloads (community ranking, department KPIs): the same link
    checks (signature over every parameter, expiry, the user still active), then the rows from the
    same functions as the GraphQL fields, within the user's access as of now."""
    q = request.query_params
    fmt, uid, exp, sig = q.get("fmt", ""), q.get("uid", ""), q.get("exp", ""), q.get("sig", "")
    try:
        user_id, expires = int(uid), int(exp)
        req = EvaluationExportRequest.parse(q)
    except (ValueError, KeyError):
        return PlainTextResponse("链接无效 / malformed link", status_code=400)
    if fmt != "xlsx" or expires < time.time() or not hmac.compare_digest(
        sign_export(settings.secret_key, user_id, req.params(), fmt, expires), sig
    ):
        return PlainTextResponse("链接无效或已过期 / invalid or expired link", status_code=403)
    db = request.app.state.db
    async with db.read() as conn:
        version = (await conn.execute(select(User.token_version).where(User.id == user_id))).scalar()
        if version is None:
            return PlainTextResponse("forbidden", status_code=403)
        token, _ = tokens.issue(settings.secret_key, user_id, version, 60)
        actor = await actor_for_token(conn, settings.secret_key, token)
        if actor is None:
            return PlainTextResponse("forbidden", status_code=403)
        try:
            report = await run_evaluation_export(conn, actor, req)
        except DomainError as err:
            return PlainTextResponse(err.zh, status_code=403)
    filename = f"{req.file_stem()}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"}
    return Response(to_xlsx(report), media_type=XLSX, headers=headers)
