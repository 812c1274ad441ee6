"""Downloadable templates: per register an .xlsx with the Chinese header row (required columns
marked *), one example row (skipped on import while left unchanged) and a 填写说明 sheet; or a
CSV with the header and the example (UTF-8 with a BOM, so Excel opens it in Chinese)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from resolvers.imports.registers import BY_KIND, DISTRICT, NOTES_SHEET, REGISTERS, Register

_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
_EXAMPLE_FONT = Font(italic=True, color="808080")

GENERAL_NOTES = [
    "每个工作表第一行为表头(带 * 的列必填),从第二行起每行一条记录;灰色斜体的第 2 行是示例,原样保留时不会导入,可直接覆盖或删除。",
    "先「预检」:系统逐行检查并列出每个有问题的行号、列和原因,不写入任何数据;全部通过后再「导入」。",
    "导入是整体生效的:任何一行有问题,整个文件都不会写入。",
    "按自然键匹配已有记录:已存在的记录只更新有变化的列,重复导入同一文件不会产生重复数据。",
    "可选列留空表示「不修改」已有记录的该列;新记录取默认值。",
    "同一文件中可以引用前面已出现的记录,例如整套台账中「社区」表引用「街道」表新增的街道。",
    "CSV 文件支持 UTF-8(带或不带 BOM)与 GB18030/GBK 编码(Excel「CSV」另存即可)。",
    "新导入的工作人员账号各自获得一个随机初始密码,导入完成后仅可下载一次,请妥善分发。",
]


def _headers(register: Register) -> list[str]:
    return [c.header + ("*" if c.required else "") for c in register.columns]


def _data_sheet(ws, register: Register) -> None:  # noqa: ANN001 — openpyxl worksheet
    ws.title = register.sheet
    ws.append(_headers(register))
    ws.append([c.example for c in register.columns])
    for i, col in enumerate(register.columns, start=1):
        head = ws.cell(row=1, column=i)
        head.font = Font(bold=True)
        head.fill = _REQUIRED_FILL if col.required else _HEAD_FILL
        head.comment = Comment(col.help, "e呼应")
        ws.cell(row=2, column=i).font = _EXAMPLE_FONT
        ws.column_dimensions[get_column_letter(i)].width = max(14, min(40, len(col.header) * 3 + 6, len(col.example) * 2 + 4))
        # Text cells, so Excel keeps leading zeros of codes and does not turn phones into 1.38E+10.
        for row in range(2, 1002):
            ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"


def _notes_sheet(wb: Workbook, registers: list[Register]) -> None:
    ws = wb.create_sheet(NOTES_SHEET)
    ws.append(["填写说明"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in GENERAL_NOTES:
        ws.append([line])
    for reg in registers:
        ws.append([])
        ws.append([f"{reg.title}(工作表「{reg.sheet}」)", f"匹配依据(自然键):{reg.natural_key}"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append(["列名", "是否必填", "说明", "示例"])
        for c in range(1, 5):
            ws.cell(row=ws.max_row, column=c).font = Font(bold=True)
            ws.cell(row=ws.max_row, column=c).fill = _HEAD_FILL
        for col in reg.columns:
            ws.append([col.header, "必填" if col.required else "选填", col.help, col.example])
    for letter, width in zip("ABCD", (34, 40, 90, 24), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_xlsx(register_kind: str) -> bytes:
    registers = list(REGISTERS) if register_kind == DISTRICT else [BY_KIND[register_kind]]
    wb = Workbook()
    _data_sheet(wb.active, registers[0])
    for reg in registers[1:]:
        _data_sheet(wb.create_sheet(), reg)
    _notes_sheet(wb, registers)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv(register_kind: str) -> bytes:
    register = BY_KIND[register_kind]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(register))
    writer.writerow([c.example for c in register.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_name(register_kind: str, fmt: str) -> str:
    title = "整套台账" if register_kind == DISTRICT else BY_KIND[register_kind].title
    return f"{title}导入模板.{fmt}"
