"""Reading an uploaded register: Excel (.xlsx, openpyxl in read-only mode) or CSV (UTF-8 with or
without a BOM, UTF-16 with a BOM, or GB18030 — what Chinese Excel's "CSV" export writes).

Rows keep the number Excel shows (the header is usually row 1), so an error can say "第 12 行".
The header row is the first row naming a known column (a title row above it is fine); headers
match with or without a trailing `*` or (必填). Blank rows are skipped, and so is a row identical
to the template's example row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from resolvers.imports.registers import BY_KIND, DISTRICT, NOTES_SHEET, REGISTERS, Register

MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 10


class FileError(Exception):
    """The file as a whole cannot be read (not a register, unreadable, too large)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class Row:
    number: int
    cells: dict[str, str]


@dataclass
class Sheet:
    register: Register
    name: str
    header_row: int = 1
    rows: list[Row] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # keys of required columns not found
    duplicate_headers: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    examples_skipped: int = 0


def normalise_header(value: str) -> str:
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"[((](必填|选填|可选|必须)[))]$", "", value)
    return value.rstrip("*＊")


def _header_map(register: Register) -> dict[str, str]:
    names: dict[str, str] = {}
    for col in register.columns:
        for name in (col.header, col.key, *col.aliases):
            names[normalise_header(name).lower()] = col.key
    return names


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_sheet(register: Register, name: str, rows: Iterable[tuple[int, list[str]]]) -> Sheet:
    """`rows`: (row number, cell texts) in order. Finds the header, then maps each cell to its column."""
    sheet = Sheet(register=register, name=name)
    headers = _header_map(register)
    positions: dict[int, str] | None = None
    example = {k: v for k, v in register.example.items() if v}
    for number, cells in rows:
        if positions is None:
            if number > HEADER_SEARCH_ROWS:
                break
            found = {i: headers.get(normalise_header(c).lower()) for i, c in enumerate(cells) if c}
            if not any(found.values()):
                continue
            positions, seen = {}, set()
            for i, key in found.items():
                if key is None:
                    sheet.ignored_headers.append(cells[i])
                elif key in seen:
                    sheet.duplicate_headers.append(cells[i])
                else:
                    positions[i] = key
                    seen.add(key)
            sheet.header_row = number
            sheet.missing = [c.key for c in register.columns if c.required and c.key not in seen]
            continue
        values = {key: cells[i] if i < len(cells) else "" for i, key in positions.items()}
        if not any(values.values()):
            continue
        if example and all(values.get(k, "") == v for k, v in example.items()) and all(
            values.get(k, "") == "" for k in values if k not in example
        ):
            sheet.examples_skipped += 1
            continue
        sheet.rows.append(Row(number, values))
        if len(sheet.rows) > MAX_ROWS:
            raise FileError(f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows per import")
    if positions is None:
        sheet.missing = [c.key for c in register.columns if c.required]
    return sheet


# ---------------------------------------------------------------------------------- formats

def _sheet_register(title: str) -> Register | None:
    t = normalise_header(title)
    for reg in REGISTERS:
        if t in (reg.sheet, reg.title, reg.kind, reg.kind.lower()):
            return reg
    return None


def _xlsx_rows(ws) -> Iterator[tuple[int, list[str]]]:  # noqa: ANN001 — openpyxl read-only sheet
    ws.reset_dimensions()  # a generator's wrong <dimension> would otherwise cut rows off
    for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield number, [cell_text(v) for v in values]


def read_xlsx(data: bytes, register_kind: str) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileError("无法读取 Excel 文件,请确认是 .xlsx 格式", f"Cannot read the Excel file ({type(exc).__name__})") from None
    try:
        titles = [t for t in wb.sheetnames if normalise_header(t) != NOTES_SHEET]
        if register_kind == DISTRICT:
            chosen = [(t, reg) for t in titles if (reg := _sheet_register(t)) is not None]
            if not chosen:
                names = "、".join(r.sheet for r in REGISTERS)
                raise FileError(f"工作簿中没有可识别的工作表(应命名为:{names})",
                                f"No sheet is named after a register ({', '.join(r.kind for r in REGISTERS)})")
            order = {r.kind: i for i, r in enumerate(REGISTERS)}
            chosen.sort(key=lambda pair: order[pair[1].kind])
        else:
            reg = BY_KIND[register_kind]
            named = [t for t in titles if _sheet_register(t) is reg]
            if named:
                chosen = [(named[0], reg)]
            elif titles:
                chosen = [(titles[0], reg)]
            else:
                raise FileError("工作簿中没有工作表", "The workbook has no sheet")
        return [read_sheet(reg, title, _xlsx_rows(wb[title])) for title, reg in chosen]
    finally:
        wb.close()


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError("无法识别 CSV 文件的编码(支持 UTF-8 与 GB18030/GBK)",
                        "Unknown CSV encoding (UTF-8 and GB18030/GBK are supported)") from None


def read_csv(data: bytes, register_kind: str) -> list[Sheet]:
    if register_kind == DISTRICT:
        raise FileError("CSV 文件只能包含一种台账,请选择台账类型,或上传多工作表的 Excel 文件",
                        "A CSV file holds one register: choose which, or upload a multi-sheet .xlsx")
    try:
        body = decode_csv(data)
    except UnicodeDecodeError:
        raise FileError("CSV 文件编码无效", "The CSV file is not valid text") from None
    first = body.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ("；" if "；" in first and "," not in first else ",")
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [c.strip() for c in cells]
        except csv.Error as exc:
            raise FileError(f"CSV 格式错误:{exc}", f"Malformed CSV: {exc}") from None

    register = BY_KIND[register_kind]
    return [read_sheet(register, register.sheet, rows())]


def detect_format(file_name: str, data: bytes) -> str:
    name = file_name.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError("不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 或 CSV",
                        "Old .xls files are not supported: save as .xlsx or CSV")
    if name.endswith((".xlsx", ".xlsm")):
        raise FileError("文件不是有效的 .xlsx", "The file is not a valid .xlsx")
    return "csv"


def read_file(file_name: str, data: bytes, register_kind: str) -> list[Sheet]:
    if not data.strip():
        raise FileError("文件为空", "The file is empty")
    fmt = detect_format(file_name, data)
    reader: Callable[[bytes, str], list[Sheet]] = read_xlsx if fmt == "xlsx" else read_csv
    return reader(data, register_kind)
