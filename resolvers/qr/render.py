"""The sticker sheet as a PDF (reportlab): vector codes, Chinese text, cutting guides.

The codes are drawn as filled paths, not bitmaps: they print sharp at any size and no viewer
smooths their edges. Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1):
nothing is downloaded or read from disk; the viewer or printer supplies a Song typeface.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache

import segno
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from resolvers.calendar import LOCAL_TZ
from resolvers.qr.layout import Cell, SheetLayout, sheet_layout
from resolvers.qr.settings import resident_url
from resolvers.qr.sheet import Sheet, Sticker

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

CAPTION = "扫码反映问题 · e呼应"
INK = (0.0, 0.0, 0.0)
GUIDE = (0.62, 0.62, 0.62)
MUTED = (0.35, 0.35, 0.35)


@lru_cache(maxsize=8192)
def code_matrix(data: str) -> tuple[bytes, ...]:
    """The code's modules (1 = dark), quiet zone excluded. Level M survives a scuffed or
    partly covered sticker. Encoding is the slow part (segno tries all eight masks), and a
    building's URL only changes when its token is rotated: reprints come from the cache."""
    qr = segno.make(data, error="m", micro=False, boost_error=False)
    return tuple(bytes(row) for row in qr.matrix)


def _fit(text: str, size: float, width_mm: float) -> str:
    width = width_mm * mm
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, size: float, width_mm: float, lines: int) -> list[str]:
    """Chinese wraps between any two characters; the last line gets an ellipsis if cut."""
    width = width_mm * mm
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        n = len(rest)
        while n > 1 and pdfmetrics.stringWidth(rest[:n], FONT, size) > width:
            n -= 1
        out.append(rest[:n])
        rest = rest[n:]
    if rest and out:
        out[-1] = _fit(out[-1] + rest, size, width_mm)
    return out


class _Page:
    """Millimetre coordinates from the top-left, as in layout.py, on a reportlab canvas."""

    def __init__(self, canvas: Canvas, layout: SheetLayout) -> None:
        self.c, self.h = canvas, layout.page_h

    def x(self, v: float) -> float:
        return v * mm

    def y(self, v: float) -> float:
        return (self.h - v) * mm

    def text(self, x: float, baseline: float, s: str, size: float, *, align: str = "left", color=INK) -> None:
        self.c.setFillColorRGB(*color)
        self.c.setFont(FONT, size)
        draw = {"left": self.c.drawString, "center": self.c.drawCentredString, "right": self.c.drawRightString}[align]
        draw(self.x(x), self.y(baseline), s)

    def code(self, cell: Cell, data: str) -> None:
        matrix = code_matrix(data)
        n = len(matrix)
        runs: list[str] = []
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                # One rectangle per run of dark modules, in module units (row 0 at the top).
                runs.append(f"{start} {n - 1 - r} {c - start} 1 re")
        module = cell.code.w / n * mm
        self.c.saveState()
        # Scaled so that one unit is one module: the path is small integers written directly
        # (reportlab formats every coordinate in pure Python, ~40,000 of them per community),
        # and one fill for the whole code leaves no anti-aliased seams between rows.
        self.c.transform(module, 0, 0, module, self.x(cell.code.x), self.y(cell.code.y + cell.code.h))
        self.c.setFillColorRGB(*INK)
        self.c.addLiteral("\n".join(runs) + "\nf")
        self.c.restoreState()

    def guides(self, lines: list[tuple[float, float, float, float]]) -> None:
        self.c.saveState()
        self.c.setStrokeColorRGB(*GUIDE)
        self.c.setLineWidth(0.3)
        self.c.setDash(2, 2)
        for x1, y1, x2, y2 in lines:
            self.c.line(self.x(x1), self.y(y1), self.x(x2), self.y(y2))
        self.c.restoreState()


def _short_grid(grid_name: str, community: str) -> str:
    return grid_name[len(community):] if community and grid_name.startswith(community) and grid_name != community else grid_name


def _sticker(page: _Page, cell: Cell, sticker: Sticker, base_url: str, grid_label: str | None) -> None:
    page.text(cell.text_left, cell.caption_baseline, CAPTION, 6.5, color=MUTED)
    if grid_label:
        page.text(cell.text_left + cell.text_width, cell.caption_baseline, _fit(grid_label, 6.5, cell.text_width / 2), 6.5,
                  align="right", color=MUTED)
    page.code(cell, resident_url(base_url, sticker.token))
    centre = cell.text_left + cell.text_width / 2
    page.text(centre, cell.name_baseline, _fit(sticker.name, 10.0, cell.text_width), 10.0, align="center")
    for baseline, line in zip(cell.address_baselines, _wrap(sticker.address, 7.5, cell.text_width, 2)):
        page.text(centre, baseline, line, 7.5, align="center")


def render_sheet(sheet: Sheet, base_url: str, *, layout: SheetLayout | None = None, printed_at: datetime | None = None) -> bytes:
    layout = layout or sheet_layout()
    head = sheet.head
    printed = (printed_at or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
    pages = layout.pages(len(sheet.stickers))
    # A community's sheet is cut up and handed out grid by grid: each sticker says its grid.
    community = head.community if head.grid is None else ""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(layout.page_w * mm, layout.page_h * mm), pageCompression=1)
    canvas.setTitle(f"{head.title} 楼栋民情二维码")
    canvas.setAuthor("e呼应")
    canvas.setSubject(head.place)
    for p in range(pages):
        page = _Page(canvas, layout)
        on_page = sheet.stickers[p * layout.per_page:(p + 1) * layout.per_page]
        page.text(layout.left, layout.header_baseline, f"{head.title} · 楼栋民情二维码", 12.0)
        page.text(layout.page_w - layout.left, layout.header_baseline, f"{head.place} · 共 {head.building_count} 栋", 8.0,
                  align="right", color=MUTED)
        for i, sticker in enumerate(on_page):
            cell = layout.cell(p * layout.per_page + i)
            _sticker(page, cell, sticker, base_url, _short_grid(sticker.grid_name, community) if community else None)
        if on_page:
            page.guides(layout.cut_lines(len(on_page)))
        else:
            page.text(layout.page_w / 2, layout.top + 20, "该范围内没有楼栋", 12.0, align="center", color=MUTED)
        page.text(layout.page_w / 2, layout.footer_baseline,
                  f"第 {p + 1} / {pages} 页 · 沿虚线裁剪 · 打印于 {printed:%Y-%m-%d %H:%M}", 7.0, align="center", color=MUTED)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
