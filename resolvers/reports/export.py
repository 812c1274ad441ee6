"""CSV and Excel exports of a cadence `Report` (SPEC §5.5, §9).

* CSV: UTF-8 with a BOM (so Excel opens Chinese text correctly), CRLF line ends, minimal quoting,
  the Chinese header row first and no title line, so the file opens as a clean table. Codes are
  shown in Chinese, datetimes as local ``YYYY-MM-DD HH:MM`` (Asia/Shanghai), rates as ``66.7%``.
* Excel: one sheet named after the report, a bold title row with the period, the Chinese header
  row (bold, filled, frozen, with an autofilter), numbers as numbers, datetimes as Excel
  datetimes in Asia/Shanghai without tzinfo, and the totals row at the bottom.

Text that residents typed is never turned into a formula: CSV cells starting with ``= + - @``
get a leading apostrophe (the usual CSV-injection guard), Excel cells are written as strings.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from resolvers.calendar import LOCAL_TZ
from resolvers.reports.cadence import Column, Report

__all__ = ["csv_rows", "table_rows", "to_csv", "to_xlsx", "CSV_CONTENT_TYPE", "XLSX_CONTENT_TYPE"]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATETIME_TEXT = "%Y-%m-%d %H:%M"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _local_naive(value: datetime) -> datetime:
    """Asia/Shanghai wall time without tzinfo (a naive value is taken as local already)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _text(column: Column, value: Any) -> str:
    """A cell as CSV text."""
    value = column.display(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _local_naive(value).strftime(_DATETIME_TEXT)
    if isinstance(value, date):
        return value.isoformat()
    if _is_number(value):
        if column.kind == "percent":
            return f"{float(value) * 100:.1f}%"
        if column.kind == "float":
            return f"{float(value):.{column.decimals}f}"
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def table_rows(columns: list[Column], rows: list[dict[str, Any]], totals: dict[str, Any] | None = None) -> list[list[str]]:
    """Any table as CSV text cells: the Chinese header, the rows, then the totals if any."""
    out = [[c.label_zh for c in columns]]
    for row in rows:
        out.append([_text(c, row.get(c.key)) for c in columns])
    if totals:
        out.append([_text(c, totals.get(c.key)) for c in columns])
    return out


def csv_rows(report: Report) -> list[list[str]]:
    """The table as the CSV writes it: the Chinese header, the rows, then the totals if any."""
    out = [[c.label_zh for c in report.columns]]
    for row in report.rows:
        out.append([_text(c, row.get(c.key)) for c in report.columns])
    if report.totals:
        out.append([_text(c, report.totals.get(c.key)) for c in report.columns])
    return out


def to_csv(report: Report) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(csv_rows(report))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Excel.

_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_TOTALS_FILL = PatternFill(fill_type="solid", start_color="FFF2F2F2", end_color="FFF2F2F2")
_THIN = Side(style="thin", color="FFBFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_MAX_WIDTH = 60


def _cell_value(column: Column, value: Any) -> Any:
    value = column.display(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return _local_naive(value)
    if isinstance(value, date) or _is_number(value):
        return value
    # Control characters are illegal in the XML of a sheet.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _number_format(column: Column) -> str | None:
    if column.kind == "int":
        return "0"
    if column.kind == "float":
        return "0." + "0" * column.decimals if column.decimals > 0 else "0"
    if column.kind == "percent":
        return "0.0%"
    if column.kind == "datetime":
        return _DATETIME_FORMAT
    return None


def _display_width(value: Any, column: Column) -> int:
    """Columns wide enough for CJK text: full-width characters take two character cells."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if _is_number(value):
        return len(_text(column, value))
    longest = max(str(value).split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


class _Styles:
    """One named style per column kind (and for the totals row), registered once per workbook:
    assigning a named style to a cell is a cheap copy, where setting a font, border and number
    format on each of 100,000 cells would hash style objects 100,000 times."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.names: dict[tuple[str | None, bool], str] = {}

    def name(self, fmt: str | None, totals: bool) -> str:
        key = (fmt, totals)
        name = self.names.get(key)
        if name is None:
            name = f"ehy-{len(self.names)}{'-total' if totals else ''}"
            style = NamedStyle(name=name, border=_BORDER, font=Font(bold=totals))
            if fmt:
                style.number_format = fmt
            if totals:
                style.fill = _TOTALS_FILL
            self.wb.add_named_style(style)
            self.names[key] = name
        return name


def _write(ws: Any, styles: _Styles, row: int, col: int, column: Column, value: Any, *, totals: bool = False) -> Any:
    cell = ws.cell(row=row, column=col)
    cell.value = _cell_value(column, value)
    if isinstance(cell.value, str):
        # openpyxl would store "=…" as a formula: residents' text stays text.
        cell.data_type = "s"
    fmt = _number_format(column) if cell.value is not None and not isinstance(cell.value, str) else None
    cell.style = styles.name(fmt, totals)
    return cell


def _sheet(ws: Any, styles: _Styles, heading: str, cols: list[Column], rows: list[dict[str, Any]], totals: dict[str, Any] | None) -> None:
    ncols = max(len(cols), 1)
    last = get_column_letter(ncols)
    title = ws.cell(row=1, column=1, value=heading)
    title.data_type = "s"
    title.font = Font(bold=True, size=13)
    title.alignment = Alignment(vertical="center")
    if ncols > 1:
        ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 24

    widths = [_display_width(c.label_zh, c) for c in cols]
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=2, column=j, value=c.label_zh)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    r = 3
    for row in rows:
        for j, c in enumerate(cols, start=1):
            cell = _write(ws, styles, r, j, c, row.get(c.key))
            widths[j - 1] = max(widths[j - 1], _display_width(cell.value, c))
        r += 1
    last_data_row = r - 1
    if totals:
        for j, c in enumerate(cols, start=1):
            cell = _write(ws, styles, r, j, c, totals.get(c.key), totals=True)
            widths[j - 1] = max(widths[j - 1], _display_width(cell.value, c))

    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 6), _MAX_WIDTH)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{max(last_data_row, 2)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def to_xlsx(report: Report) -> bytes:
    """The report on its first (active) sheet; each further table (`Report.tables`: the league
    table, the overdue items per unit) on a sheet of its own, with the same period in its title."""
    wb = Workbook()
    ws = wb.active
    ws.title = report.sheet_name
    wb.properties.title = report.title
    wb.properties.creator = "e呼应"
    heading = report.heading
    if report.as_of is not None:
        heading += f"  数据截至 {_local_naive(report.as_of).strftime(_DATETIME_TEXT)}"
    styles = _Styles(wb)
    _sheet(ws, styles, heading, report.columns, report.rows, report.totals)
    used = {ws.title}
    for table in report.tables:
        name = table.sheet_name
        n = 2
        while name in used:
            suffix = f" ({n})"
            name = table.sheet_name[: 31 - len(suffix)] + suffix
            n += 1
        used.add(name)
        extra = wb.create_sheet(title=name)
        period = f"({report.period_label},北京时间)" if report.period_label else ""
        _sheet(extra, styles, f"{table.title}{period}", table.columns, table.rows, None)
    wb.active = 0

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
