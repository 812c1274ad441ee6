"""台账导入 types: the registers and their columns, import jobs with progress, the dry-run report."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.imports import jobs
from resolvers.imports.registers import DISTRICT_TITLE, Register
from resolvers.imports.report import Action, RowChange, RowError, SheetCount
from schema.context import Info
from schema.pagination import Connection, Edge, PageInfo, _decode, _encode, check_page_args
from schema.types.users import User


@strawberry.enum(description="Which register a file holds; DISTRICT is a workbook with one sheet per register.")
class ImportRegisterKind(Enum):
    DISTRICT = "DISTRICT"
    STREETS = "STREETS"
    COMMUNITIES = "COMMUNITIES"
    GRIDS = "GRIDS"
    FIELDS = "FIELDS"
    BUILDINGS = "BUILDINGS"
    RESIDENTS = "RESIDENTS"
    STAFF = "STAFF"


ImportJobStatus = strawberry.enum(jobs.Status, name="ImportJobStatus", description=(
    "QUEUED → READING → VALIDATING → (WRITING) → DONE; REFUSED: an import with bad rows, nothing written; "
    "FAILED: an internal error, nothing written."))
ImportRowAction = strawberry.enum(Action, name="ImportRowAction", description="What a row does: INSERT a new record, UPDATE an existing one, or nothing.")


@strawberry.type(description="A column of a register.")
class ImportColumn:
    key: str = strawberry.field(description="Stable key (also accepted as the header).")
    header: str = strawberry.field(description="Chinese header, as in the template.")
    required: bool = strawberry.field(description="A row without it is refused.")
    description: str = strawberry.field(description="What it accepts (Chinese).")
    example: str = strawberry.field(description="The template's example value.")


@strawberry.type(description="A register that can be imported, with its columns and natural key.")
class ImportRegisterInfo:
    register: ImportRegisterKind = strawberry.field(description="Which register.")
    title: str = strawberry.field(description="Chinese title, e.g. 楼栋台账.")
    title_en: str = strawberry.field(description="English title.")
    sheet_name: str = strawberry.field(description="The worksheet name in a DISTRICT workbook (and in the template).")
    natural_key: str = strawberry.field(description="What a row is matched on (Chinese); a re-run matching every row changes nothing.")
    natural_key_en: str = strawberry.field(description="The same in English.")
    columns: list[ImportColumn] = strawberry.field(description="The columns, in template order.")
    template_xlsx_url: str = strawberry.field(description="Signed link (10 minutes) to the .xlsx template: header, example row, notes sheet.")
    template_csv_url: str | None = strawberry.field(description="Signed link (10 minutes) to the CSV template; null for DISTRICT.")

    @classmethod
    def of(cls, reg: Register | None, xlsx_url: str, csv_url: str | None) -> ImportRegisterInfo:
        if reg is None:
            return cls(register=ImportRegisterKind.DISTRICT, title=DISTRICT_TITLE, title_en="Whole district (one sheet per register)",
                       sheet_name="", natural_key="各工作表分别按其自然键匹配", natural_key_en="each sheet by its own natural key",
                       columns=[], template_xlsx_url=xlsx_url, template_csv_url=None)
        return cls(
            register=ImportRegisterKind(reg.kind), title=reg.title, title_en=reg.title_en, sheet_name=reg.sheet,
            natural_key=reg.natural_key, natural_key_en=reg.natural_key_en,
            columns=[ImportColumn(key=c.key, header=c.header, required=c.required, description=c.help, example=c.example)
                     for c in reg.columns],
            template_xlsx_url=xlsx_url, template_csv_url=csv_url,
        )


@strawberry.type(description="A bad row: where (sheet, row number as Excel shows it, column) and why.")
class ImportRowError:
    register: ImportRegisterKind = strawberry.field(description="The register of the sheet.")
    sheet: str = strawberry.field(description="Worksheet name (the register's sheet name for CSV); empty for a file-level problem.")
    row: int = strawberry.field(description="Row number as Excel shows it (the header is usually row 1); 0 for the file as a whole.")
    column: str = strawberry.field(description="Chinese header of the column at fault; empty when the row as a whole is.")
    value: str = strawberry.field(description="The cell as given (at most 200 characters).")
    reason: str = strawberry.field(description="Why (Chinese).")
    reason_en: str = strawberry.field(description="Why (English).")

    @classmethod
    def of(cls, e: RowError) -> ImportRowError:
        kind = e.register if e.register in ImportRegisterKind.__members__ else "DISTRICT"
        return cls(register=ImportRegisterKind(kind), sheet=e.sheet, row=e.row, column=e.column, value=e.value,
                   reason=e.zh, reason_en=e.en)


@strawberry.type(description="What a good row does.")
class ImportRowChange:
    register: ImportRegisterKind = strawberry.field(description="The register of the sheet.")
    sheet: str = strawberry.field(description="Worksheet name.")
    row: int = strawberry.field(description="Row number as Excel shows it.")
    action: ImportRowAction = strawberry.field(description="INSERT, UPDATE or UNCHANGED.")
    key: str = strawberry.field(description="The row's natural key, for people to read.")
    changed_columns: list[str] = strawberry.field(description="For an UPDATE: the columns it changes (Chinese).")

    @classmethod
    def of(cls, c: RowChange) -> ImportRowChange:
        return cls(register=ImportRegisterKind(c.register), sheet=c.sheet, row=c.row, action=c.action, key=c.key,
                   changed_columns=list(c.changed))


@strawberry.type(description="Counts of one sheet.")
class ImportSheetResult:
    register: ImportRegisterKind = strawberry.field(description="The register of the sheet.")
    sheet: str = strawberry.field(description="Worksheet name.")
    rows: int = strawberry.field(description="Data rows read (blank rows and the untouched example row not counted).")
    inserted: int = strawberry.field(description="Rows that insert (dry run: would insert).")
    updated: int = strawberry.field(description="Rows that update an existing record.")
    unchanged: int = strawberry.field(description="Rows matching an existing record exactly.")
    bad_rows: int = strawberry.field(description="Rows with at least one error.")
    examples_skipped: int = strawberry.field(description="Rows identical to the template's example row, skipped.")
    ignored_headers: list[str] = strawberry.field(description="Headers not belonging to the register, ignored.")

    @classmethod
    def of(cls, s: SheetCount) -> ImportSheetResult:
        return cls(register=ImportRegisterKind(s.register), sheet=s.sheet, rows=s.rows, inserted=s.inserted, updated=s.updated,
                   unchanged=s.unchanged, bad_rows=s.bad_rows, examples_skipped=s.examples_skipped,
                   ignored_headers=list(s.ignored_headers))


@strawberry.type(description="How long a phase of a job took.")
class ImportPhaseTime:
    phase: str = strawberry.field(description="read, validate, passwords, recheck (inside the write transaction), write or total.")
    seconds: float = strawberry.field(description="Wall-clock seconds.")


def _page(items: list[Any], first: int | None, after: str | None) -> Connection[Any]:
    check_page_args(first, None)
    start = int(_decode(after, 1)[0]) + 1 if after else 0
    size = 20 if first is None else first
    chunk = items[start : start + size]
    total = len(items)

    async def count() -> int:
        return total

    edges = [Edge(cursor=_encode([start + i]), node=node) for i, node in enumerate(chunk)]
    return Connection(edges=edges, page_info=PageInfo(
        has_next_page=start + size < total, has_previous_page=start > 0,
        start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
    ), _count=count)


@strawberry.type(description=(
    "台账导入任务 — one upload being checked (dry run) or imported. Poll `importJob(id)` for progress while it runs; "
    "a real import's outcome is kept (`importJobs`), a dry run's only in the memory of the server that ran it, for two hours."))
class ImportJob:
    id: strawberry.ID = strawberry.field(description="The job's opaque id (for `importJob(id:)`).")
    register: ImportRegisterKind = strawberry.field(description="What the file was imported as.")
    file_name: str = strawberry.field(description="The uploaded file's name.")
    dry_run: bool = strawberry.field(description="True: checked only, nothing written.")
    status: ImportJobStatus = strawberry.field(description="Where the job is.")
    finished: bool = strawberry.field(description="DONE, REFUSED or FAILED: nothing more will change.")
    message: str = strawberry.field(description="The outcome in a sentence (Chinese); empty while running.")
    message_en: str = strawberry.field(description="The same in English.")
    rows_total: int = strawberry.field(description="Data rows in the file (known once read).")
    rows_validated: int = strawberry.field(description="Rows checked so far.")
    rows_written: int = strawberry.field(description="Rows written so far (unchanged rows count as written).")
    inserted: int = strawberry.field(description="Rows inserting a record (dry run: that would).")
    updated: int = strawberry.field(description="Rows updating a record (dry run: that would).")
    unchanged: int = strawberry.field(description="Rows matching a record exactly.")
    bad_rows: int = strawberry.field(description="Rows with at least one error (a row may have several).")
    error_count: int = strawberry.field(description="Number of errors (a recorded import keeps the first 1,000).")
    started_at: datetime = strawberry.field(description="When the upload arrived (UTC).")
    finished_at: datetime | None = strawberry.field(description="When the job ended (UTC).")
    sheets: list[ImportSheetResult] = strawberry.field(description="Counts per sheet.")
    seconds: list[ImportPhaseTime] = strawberry.field(description="Time per phase.")
    credential_count: int = strawberry.field(description="New staff accounts given an initial password by this import.")
    _errors: strawberry.Private[list[RowError]]
    _changes: strawberry.Private[list[RowChange]]
    _started_by: strawberry.Private[int | None]
    _live: strawberry.Private[jobs.Job | None]

    @strawberry.field(description="Share done, 0–1: validation is the first half, writing the second (a dry run validates only).")
    def progress(self) -> float:
        if self.finished:
            return 1.0
        if not self.rows_total:
            return 0.0
        validated = self.rows_validated / self.rows_total
        if self.dry_run:
            return round(validated, 4)
        return round(validated / 2 + self.rows_written / self.rows_total / 2, 4)

    @strawberry.field(description="Every error, by sheet and row number. At most 100 a page.")
    def errors(self, first: Annotated[int | None, strawberry.argument(description="Page size (≤ 100, default 20).")] = None,
               after: Annotated[str | None, strawberry.argument(description="Cursor of the last error seen.")] = None,
               ) -> Connection[ImportRowError]:
        return _page([ImportRowError.of(e) for e in self._errors], first, after)

    @strawberry.field(description="What each good row does, by sheet and row number; empty for a recorded (not live) job.")
    def changes(self, action: Annotated[ImportRowAction | None, strawberry.argument(description="Only rows with this action.")] = None,
                first: Annotated[int | None, strawberry.argument(description="Page size (≤ 100, default 20).")] = None,
                after: Annotated[str | None, strawberry.argument(description="Cursor of the last change seen.")] = None,
                ) -> Connection[ImportRowChange]:
        rows = [c for c in self._changes if action is None or c.action is action]
        return _page([ImportRowChange.of(c) for c in rows], first, after)

    @strawberry.field(description="The administrator who ran it.")
    async def started_by(self, info: Info) -> User | None:
        if self._started_by is None:
            return None
        row = await info.context.loaders.user.load(self._started_by)
        return None if row is None else User.from_row(row)

    @strawberry.field(description=(
        "Signed one-time link (10 minutes) to the new accounts' initial passwords (CSV), for the administrator who ran the "
        "import, on the server that ran it, within 30 minutes of the end; null once downloaded or expired."))
    def credentials_url(self, info: Info) -> str | None:
        from schema.api.imports import download_url

        actor = info.context.actor
        live = self._live
        if live is None or not live.credentials_available or actor is None or actor.user_id != live.started_by:
            return None
        return download_url(info.context.settings.secret_key, actor.user_id, "credentials", {"job": live.key})

    @classmethod
    def from_job(cls, job: jobs.Job) -> ImportJob:
        report = job.report
        errors = list(report.errors) if report else []
        changes = list(report.changes) if report else []
        totals = {a: sum(1 for c in changes if c.action is a) for a in Action}
        return cls(
            id=strawberry.ID(job.key), register=ImportRegisterKind(job.register), file_name=job.file_name, dry_run=job.dry_run,
            status=job.status, finished=job.finished, message=job.message, message_en=job.message_en,
            rows_total=job.rows_total, rows_validated=job.rows_validated, rows_written=job.rows_written,
            inserted=totals[Action.INSERT], updated=totals[Action.UPDATE], unchanged=totals[Action.UNCHANGED],
            bad_rows=report.bad_rows if report else 0, error_count=len(errors), started_at=job.started_at,
            finished_at=job.finished_at, sheets=[ImportSheetResult.of(s) for s in (report.sheets if report else [])],
            seconds=[ImportPhaseTime(phase=k, seconds=v) for k, v in job.seconds.items()],
            credential_count=job.credential_count, _errors=errors, _changes=changes, _started_by=job.started_by, _live=job,
        )

    @classmethod
    def from_row(cls, row: Any) -> ImportJob:
        summary = json.loads(row.summary or "{}")
        errors = [RowError.from_json(e) for e in json.loads(row.errors or "[]")]
        status = jobs.Status(row.status)
        return cls(
            id=strawberry.ID(row.key), register=ImportRegisterKind(row.register), file_name=row.file_name, dry_run=False,
            status=status, finished=True, message=summary.get("message", ""), message_en=summary.get("messageEn", ""),
            rows_total=row.rows_total, rows_validated=row.rows_total, rows_written=row.rows_total if status is jobs.Status.DONE else 0,
            inserted=row.inserted, updated=row.updated, unchanged=row.unchanged, bad_rows=summary.get("badRows", 0),
            error_count=row.error_count, started_at=row.started_at, finished_at=row.finished_at,
            sheets=[ImportSheetResult.of(SheetCount.from_json(s)) for s in summary.get("sheets", [])],
            seconds=[ImportPhaseTime(phase=k, seconds=v) for k, v in summary.get("seconds", {}).items()],
            credential_count=summary.get("accounts", 0), _errors=errors, _changes=[], _started_by=row.started_by_user_id, _live=None,
        )
