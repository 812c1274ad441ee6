"""台账导入 — bulk import of the district's registers (streets, communities, grids, responsibility
fields, buildings, residents, staff accounts) from Excel or CSV, ADMIN only.

A dry run reports every bad row (row number, column, reason) and what each good row would do,
writing nothing. An import refuses a file with any bad row and otherwise writes all of it in one
transaction; rows are matched on each register's natural key (registers.py), so running the same
file again inserts nothing and changes nothing.

    registers.py   columns, parsers, natural keys        reader.py   xlsx / CSV → rows
    refs.py        what exists, indexed by natural key    plan.py     the validation pass
    write.py       bulk writes of a plan                  jobs.py     running, progress, record
    credentials.py initial passwords of new accounts      templates.py downloadable templates
"""

from __future__ import annotations

import csv
import io

from resolvers.access import require_role
from resolvers.actor import Actor
from resolvers.errors import BadUserInput
from resolvers.imports.jobs import Credential, Job, Status
from resolvers.imports.reader import FileError, detect_format
from resolvers.imports.registers import BY_KIND, DISTRICT, REGISTERS, Register
from resolvers.roles import ROLE_LABELS, Role

MAX_FILE_BYTES = 10 * 1024 * 1024
KINDS = (DISTRICT, *BY_KIND)

__all__ = ["Credential", "Job", "Status", "REGISTERS", "Register", "DISTRICT", "KINDS", "require_admin",
           "check_upload", "credentials_csv"]


def require_admin(actor: Actor | None) -> Actor:
    return require_role(actor, Role.ADMIN)


def check_upload(register: str, file_name: str, data: bytes) -> None:
    """What can be refused before a job starts: an unknown register, an empty, oversized or
    old-format file, a CSV for the multi-sheet register."""
    if register not in KINDS:
        raise BadUserInput(f"未知的台账类型:{register}", f"Unknown register {register}", field="register")
    if not data.strip():
        raise BadUserInput("文件为空", "The file is empty", field="file")
    if len(data) > MAX_FILE_BYTES:
        raise BadUserInput("文件超过 10 MB", "The file is larger than 10 MB", field="file")
    try:
        fmt = detect_format(file_name, data)
    except FileError as err:
        raise BadUserInput(err.zh, err.en, field="file") from None
    if fmt == "csv" and register == DISTRICT:
        raise BadUserInput("CSV 文件只能包含一种台账,请选择台账类型,或上传多工作表的 Excel 文件",
                           "A CSV file holds one register: choose which, or upload a multi-sheet .xlsx", field="register")


def credentials_csv(creds: list[Credential]) -> bytes:
    """The initial passwords to hand out: UTF-8 with a BOM so Excel opens it in Chinese."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["用户名", "姓名", "角色", "初始密码"])
    for c in creds:
        writer.writerow([c.username, _safe(c.display_name), ROLE_LABELS.get(Role(c.role), c.role), c.password])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(value: str) -> str:
    # A name typed into a register must not become a formula in the administrator's Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
