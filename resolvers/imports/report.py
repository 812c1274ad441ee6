"""What a validation pass found: every bad row (row number, column, reason) and what each good
row would do (insert, update, or nothing), counted per sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Action(str, Enum):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class RowError:
    register: str
    sheet: str
    row: int  # 0: the file as a whole
    column: str  # the Chinese header, "" when not about one column
    value: str
    zh: str
    en: str

    def as_json(self) -> dict[str, Any]:
        return {"register": self.register, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "reason": self.zh, "reasonEn": self.en}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RowError:
        return cls(d.get("register", ""), d.get("sheet", ""), int(d.get("row", 0)), d.get("column", ""),
                   d.get("value", ""), d.get("reason", ""), d.get("reasonEn", ""))


@dataclass(frozen=True)
class RowChange:
    register: str
    sheet: str
    row: int
    action: Action
    key: str  # the natural key as the row gave it, for people to read
    changed: tuple[str, ...] = ()  # Chinese headers of the columns an UPDATE changes


@dataclass
class SheetCount:
    register: str
    sheet: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    examples_skipped: int = 0
    ignored_headers: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"register": self.register, "sheet": self.sheet, "rows": self.rows, "inserted": self.inserted,
                "updated": self.updated, "unchanged": self.unchanged, "badRows": self.bad_rows,
                "examplesSkipped": self.examples_skipped, "ignoredHeaders": list(self.ignored_headers)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SheetCount:
        return cls(d.get("register", ""), d.get("sheet", ""), d.get("rows", 0), d.get("inserted", 0), d.get("updated", 0),
                   d.get("unchanged", 0), d.get("badRows", 0), d.get("examplesSkipped", 0), tuple(d.get("ignoredHeaders", ())))


@dataclass
class Report:
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    sheets: list[SheetCount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    @property
    def bad_rows(self) -> int:
        return len({(e.sheet, e.row) for e in self.errors})

    def total(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)


def tally(sheet: str, register: str, rows: int, changes: list[RowChange], bad_rows: set[int]) -> SheetCount:
    count = SheetCount(register=register, sheet=sheet, rows=rows, bad_rows=len(bad_rows))
    for c in changes:
        if c.action is Action.INSERT:
            count.inserted += 1
        elif c.action is Action.UPDATE:
            count.updated += 1
        else:
            count.unchanged += 1
    return count
