"""台账导入 — GraphQL fields and the signed downloads (templates, initial passwords), ADMIN only.

The file comes as a GraphQL multipart upload (send a `GraphQL-Preflight: 1` header); the mutation
returns a job at once and the client polls `importJob(id)` for progress. Downloads are signed links
like the report exports (schema/exports.py): a browser link cannot carry a bearer token, so the
link names the user and expires, and the user is re-checked when it is fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import quote, urlencode

import strawberry
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.file_uploads import Upload

from db.models import ImportJob as ImportJobModel
from db.models import User as UserModel
from resolvers import imports, tokens
from resolvers.auth import actor_for_token
from resolvers.errors import BadUserInput, DomainError
from resolvers.imports import jobs
from resolvers.imports.registers import BY_KIND, DISTRICT, REGISTERS
from resolvers.imports.templates import template_csv, template_name, template_xlsx
from schema.context import Info
from schema.pagination import Connection, paginate
from schema.types.imports import ImportJob, ImportRegisterInfo, ImportRegisterKind

DOWNLOAD_TTL = 600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sign(secret: str, user_id: int, what: str, params: dict[str, str], expires: int) -> str:
    body = urlencode(sorted({**params, "uid": str(user_id), "exp": str(expires)}.items()))
    return hmac.new(secret.encode(), f"import-{what}:{body}".encode(), hashlib.sha256).hexdigest()[:40]


def download_url(secret: str, user_id: int, what: str, params: dict[str, str]) -> str:
    expires = int(time.time()) + DOWNLOAD_TTL
    query = {**params, "uid": str(user_id), "exp": str(expires)}
    return f"/imports/{what}?" + urlencode({**query, "sig": _sign(secret, user_id, what, params, expires)})


@strawberry.input(description="An upload to check (dryRun, the default) or to import.")
class ImportRegisterInput:
    register: ImportRegisterKind = strawberry.field(description="What the file holds; DISTRICT: a workbook with one sheet per register.")
    file: Upload = strawberry.field(description=(
        ".xlsx or .csv (UTF-8 with or without BOM, or GB18030), at most 10 MB, as a GraphQL multipart upload; send a "
        "`GraphQL-Preflight: 1` header."))
    dry_run: bool = strawberry.field(default=True, description=(
        "True: check every row and report, write nothing. False: import — refused (nothing written) if any row is bad, "
        "otherwise written in one transaction."))
    wait: bool = strawberry.field(default=False, description="Answer only when the job has ended (scripts); the console polls instead.")


@strawberry.type(description="The job started by an upload.")
class ImportRegisterPayload:
    job: ImportJob = strawberry.field(description="Poll `importJob(id)` until `finished`.")


def _template_urls(info: Info, kind: str) -> tuple[str, str | None]:
    secret, uid = info.context.settings.secret_key, info.context.actor.user_id
    xlsx = download_url(secret, uid, "template", {"register": kind, "fmt": "xlsx"})
    csv = None if kind == DISTRICT else download_url(secret, uid, "template", {"register": kind, "fmt": "csv"})
    return xlsx, csv


@strawberry.type(description="Register import queries (ADMIN).")
class ImportQuery:
    @strawberry.field(description="The registers that can be imported, their columns, natural keys and template links. ADMIN only.")
    def import_registers(self, info: Info) -> list[ImportRegisterInfo]:
        imports.require_admin(info.context.actor)
        out = [ImportRegisterInfo.of(reg, *_template_urls(info, reg.kind)) for reg in REGISTERS]
        return [*out, ImportRegisterInfo.of(None, *_template_urls(info, DISTRICT))]

    @strawberry.field(description=(
        "An import job by id: live progress while it runs on this server, else the recorded outcome of a real import; null "
        "when unknown (a finished dry run is forgotten after two hours). ADMIN only."))
    async def import_job(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The job id.")]) -> ImportJob | None:
        imports.require_admin(info.context.actor)
        live = jobs.get(str(id))
        if live is not None:
            return ImportJob.from_job(live)
        t = ImportJobModel.__table__
        async with info.context.db.read() as conn:
            row = (await conn.execute(select(t).where(t.c.key == str(id)))).first()
        return None if row is None else ImportJob.from_row(row)

    @strawberry.field(description="Past real imports (done, refused or failed), newest first. ADMIN only. At most 100 a page.")
    async def import_jobs(
        self, info: Info,
        register: Annotated[ImportRegisterKind | None, strawberry.argument(description="Only imports of this register.")] = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[ImportJob]:
        imports.require_admin(info.context.actor)
        t = ImportJobModel.__table__
        stmt = select(t)
        if register is not None:
            stmt = stmt.where(t.c.register == register.value)
        return await paginate(info.context.db, stmt, [t.c.id], ImportJob.from_row, first=first, after=after, descending=True)


@strawberry.type(description="Register import mutations (ADMIN).")
class ImportMutation:
    @strawberry.mutation(description=(
        "台账导入 — upload a register and check it (dryRun: true, the default) or import it. Returns the job at once; poll "
        "`importJob(id)`. The dry run reports every bad row (row number, column, reason) and what each row would do, writing "
        "nothing; the import refuses a file with any bad row and otherwise writes all of it in one transaction, matched on each "
        "register's natural key, so running it again changes nothing. New staff accounts get individual random initial "
        "passwords, downloadable once (`credentialsUrl`). ADMIN only."))
    async def import_register(self, info: Info, input: ImportRegisterInput) -> ImportRegisterPayload:
        actor = imports.require_admin(info.context.actor)
        upload = input.file
        if not hasattr(upload, "read"):
            raise BadUserInput("请以文件形式上传(multipart)", "Send the file as a multipart upload", field="file")
        data = await upload.read(imports.MAX_FILE_BYTES + 1)
        name = (getattr(upload, "filename", None) or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        imports.check_upload(input.register.value, name, data)
        job = jobs.start(info.context.db, register=input.register.value, file_name=name, data=data,
                         dry_run=input.dry_run, user_id=actor.user_id)
        if input.wait and job.task is not None:
            await asyncio.shield(job.task)
        return ImportRegisterPayload(job=ImportJob.from_job(job))


# ----------------------------------------------------------------------------- downloads

async def serve_import_download(request: Request) -> Response:
    """GET /imports/template?register=&fmt=… and /imports/credentials?job=…, both signed."""
    settings = request.app.state.settings
    what = request.path_params.get("what", "")
    q = request.query_params
    try:
        user_id, expires = int(q.get("uid", "")), int(q.get("exp", ""))
    except ValueError:
        return PlainTextResponse("链接无效 / malformed link", status_code=400)
    if what == "template":
        params = {"register": q.get("register", ""), "fmt": q.get("fmt", "")}
        if params["register"] not in imports.KINDS or params["fmt"] not in ("xlsx", "csv") or (
                params["register"] == DISTRICT and params["fmt"] == "csv"):
            return PlainTextResponse("链接无效 / malformed link", status_code=400)
    elif what == "credentials":
        params = {"job": q.get("job", "")}
    else:
        return PlainTextResponse("not found", status_code=404)
    if expires < time.time() or not hmac.compare_digest(_sign(settings.secret_key, user_id, what, params, expires), q.get("sig", "")):
        return PlainTextResponse("链接无效或已过期 / invalid or expired link", status_code=403)
    async with request.app.state.db.read() as conn:
        version = (await conn.execute(select(UserModel.token_version).where(UserModel.id == user_id))).scalar()
        actor = None
        if version is not None:
            # The same checks as a bearer token: still active, not revoked, still an administrator.
            token, _ = tokens.issue(settings.secret_key, user_id, version, 60)
            actor = await actor_for_token(conn, settings.secret_key, token)
    try:
        imports.require_admin(actor)
    except DomainError as err:
        return PlainTextResponse(err.zh, status_code=403)
    headers = {"Cache-Control": "private, no-store"}
    if what == "template":
        kind, fmt = params["register"], params["fmt"]
        body = await asyncio.to_thread(template_xlsx if fmt == "xlsx" else template_csv, kind)
        headers["Content-Disposition"] = _attachment(template_name(kind, fmt), f"{kind.lower()}-template.{fmt}")
        return Response(body, media_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8", headers=headers)
    job = jobs.get(params["job"])
    creds = job.take_credentials() if job is not None and job.started_by == user_id else None
    if creds is None:
        return PlainTextResponse("初始密码已下载或已过期 / the initial passwords were already downloaded or have expired",
                                 status_code=410, headers=headers)
    title = BY_KIND[job.register].title if job.register in BY_KIND else "整套台账"
    headers["Content-Disposition"] = _attachment(f"{title}-初始密码.csv", "initial-passwords.csv")
    return Response(imports.credentials_csv(creds), media_type="text/csv; charset=utf-8", headers=headers)


def _attachment(name: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
