"""The sticker sheet's geometry, in millimetres from the page's top-left corner.

A4 portrait holds 3 × 4 door stickers of 60 × 68 mm, cut apart along the dashed guides. The
code itself is 42 mm across (a phone reads it from an arm's length at a door; ≥ 40 mm), with
at least the four modules of white quiet zone the QR standard asks for on every side before
the cut or the text. Under it: the building's name and address; above it: what it is for.
"""

from __future__ import annotations

from dataclasses import dataclass

A4 = (210.0, 297.0)


@dataclass(frozen=True)
class Box:
    x: float  # left, mm from the page's left edge
    y: float  # top, mm from the page's top edge
    w: float
    h: float


@dataclass(frozen=True)
class Cell:
    """One sticker: where it is cut, and where its parts go."""

    page: int  # 0-based
    outline: Box
    code: Box  # the code's modules, quiet zone excluded
    caption_baseline: float  # y of the line above the code
    name_baseline: float
    address_baselines: tuple[float, float]  # up to two lines
    text_left: float
    text_width: float


@dataclass(frozen=True)
class SheetLayout:
    page_w: float
    page_h: float
    cell_w: float
    cell_h: float
    columns: int
    rows: int
    left: float  # first column's left edge
    top: float  # first row's top edge
    code_size: float
    header_baseline: float
    footer_baseline: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def pages(self, count: int) -> int:
        return max(1, -(-count // self.per_page))

    def cell(self, index: int) -> Cell:
        page, slot = divmod(index, self.per_page)
        row, col = divmod(slot, self.columns)
        x, y = self.left + col * self.cell_w, self.top + row * self.cell_h
        code_x = x + (self.cell_w - self.code_size) / 2
        code_y = y + 9.0
        below = code_y + self.code_size
        return Cell(
            page=page,
            outline=Box(x, y, self.cell_w, self.cell_h),
            code=Box(code_x, code_y, self.code_size, self.code_size),
            caption_baseline=y + 4.4,
            name_baseline=below + 6.2,
            address_baselines=(below + 10.4, below + 13.8),
            text_left=x + 3.0,
            text_width=self.cell_w - 6.0,
        )

    def cut_lines(self, count_on_page: int) -> list[tuple[float, float, float, float]]:
        """Dashed guides (x1, y1, x2, y2) around the used cells of a page: every row line and
        column line across the rows in use, so one straight cut separates a row or a column."""
        rows = max(1, -(-count_on_page // self.columns))
        cols = min(self.columns, count_on_page) if rows == 1 else self.columns
        right, bottom = self.left + cols * self.cell_w, self.top + rows * self.cell_h
        lines = [(self.left, self.top + r * self.cell_h, right, self.top + r * self.cell_h) for r in range(rows + 1)]
        lines += [(self.left + c * self.cell_w, self.top, self.left + c * self.cell_w, bottom) for c in range(cols + 1)]
        return lines


def sheet_layout(page: tuple[float, float] = A4, cell: tuple[float, float] = (60.0, 68.0), code_size: float = 42.0,
                 header: float = 13.5) -> SheetLayout:
    """Cells centred across the page, below a header band of `header` mm; the footer (page
    numbers) sits in what is left under the last row."""
    page_w, page_h = page
    cell_w, cell_h = cell
    if code_size < 40.0:
        raise ValueError("a door sticker's code must be at least 40 mm across")
    if code_size + 12.0 > cell_w or code_size + 24.0 > cell_h:
        raise ValueError("the cell is too small for the code, its quiet zone and two lines of text")
    columns = int(page_w // cell_w)
    rows = int((page_h - header - 8.0) // cell_h)
    if columns < 1 or rows < 1:
        raise ValueError("the page is too small for one sticker")
    left = (page_w - columns * cell_w) / 2
    top = header
    bottom = top + rows * cell_h
    return SheetLayout(
        page_w=page_w, page_h=page_h, cell_w=cell_w, cell_h=cell_h, columns=columns, rows=rows, left=left, top=top,
        code_size=code_size, header_baseline=header - 6.0, footer_baseline=min(page_h - 5.0, bottom + 6.0),
    )
