"""From an address as a caller says it to one of the district's buildings.

Callers and call-takers write the same place many ways: 胜利路12号3号楼, 胜利路１２号３栋,
烟台市芝罘区胜利路12号三号楼2单元301室. Both sides are normalised to one key (road + door number
+ building number) and compared; only a single building is ever accepted — when several fit, the
request is left for the center to place rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Building

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Chinese numerals only where a number is expected: right before 号/栋/单元/…, so road names such
# as 三马路 or 二马路 keep their numeral.
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百]+)(?=[号栋幢座单元楼层室#])")
_NOTES = re.compile(r"[(\[【][^)\]】]*[)\]】]")  # (近XX超市), 【转办】
_NOISE = re.compile(r"[\s,,、。.·::;;\"'“”‘’]+")
_BUILDING = r"(?:号楼|号|栋|幢|座|#楼|#|楼)"
_FULL = re.compile(r"^(?P<head>.*?)(?P<door>\d+)(?:号院|号-|号|-)(?P<bldg>\d+)" + _BUILDING + r"(?P<rest>.*)$")
_DOOR = re.compile(r"^(?P<head>.*?)(?P<door>\d+)号(?P<rest>.*)$")
_ADMIN_PREFIX = re.compile(r".+?(?:省|市|区|县|旗|街道|镇|乡|社区|村)")
# Where the part of an address that identifies a household begins (unit, floor, room).
_HOUSEHOLD = re.compile(r"(?:\d+|[一二三四五六七八九十]+)\s*(?:单元|楼层|层|室)")


def _cn_to_int(s: str) -> str:
    if "十" not in s and "百" not in s:
        return "".join(str(_CN_DIGIT[c]) for c in s)  # 一二三 read digit by digit
    total = current = 0
    for c in s:
        if c == "十":
            total, current = total + (current or 1) * 10, 0
        elif c == "百":
            total, current = total + (current or 1) * 100, 0
        else:
            current = _CN_DIGIT[c]
    return str(total + current)


def normalise(address: str) -> str:
    s = unicodedata.normalize("NFKC", address)  # full-width digits, letters, #, spaces, brackets
    s = _NOTES.sub("", s)
    s = _NOISE.sub("", s)
    return _CN_NUMBER.sub(lambda m: _cn_to_int(m.group(1)), s)


@dataclass(frozen=True)
class Parsed:
    head: str  # the road, possibly with province/city/district/street in front
    door: str
    building: str | None

    @property
    def door_key(self) -> str:
        return f"{self.head}{self.door}号"

    @property
    def key(self) -> str:
        return f"{self.door_key}{self.building}号楼" if self.building else self.door_key


def parse(normalised: str) -> Parsed | None:
    m = _FULL.match(normalised)
    if m:
        return Parsed(m["head"], str(int(m["door"])), str(int(m["bldg"])))
    m = _DOOR.match(normalised)
    if m:
        return Parsed(m["head"], str(int(m["door"])), None)
    return None


def public_part(address: str) -> str:
    """The address without unit, floor and room: what may be shown beyond the center (SPEC §3)."""
    s = unicodedata.normalize("NFKC", address).strip()
    return _HOUSEHOLD.split(s, maxsplit=1)[0].strip()


def _admin_variant(a: str, b: str) -> bool:
    """The same place, one written with administrative divisions in front (烟台市芝罘区…)."""
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return bool(shorter) and longer.endswith(shorter) and _ADMIN_PREFIX.fullmatch(longer[: -len(shorter)]) is not None


@dataclass(frozen=True)
class Match:
    building_id: int | None
    how: str  # EXACT / NORMALISED / FUZZY, or NONE / AMBIGUOUS (no building)
    note: str = ""


async def match_building(session: AsyncSession, address: str) -> Match:
    raw = address.strip()
    if not raw:
        return Match(None, "NONE", "未提供地址")
    b = Building.__table__
    exact = (await session.execute(select(b.c.id).where(b.c.address == raw).limit(2))).scalars().all()
    if len(exact) == 1:
        return Match(exact[0], "EXACT")
    if exact:
        return Match(None, "AMBIGUOUS", "该地址登记了多栋楼")
    wanted = parse(normalise(raw))
    if wanted is None:
        return Match(None, "NONE", "地址中没有门牌号")
    # Narrow by the door number in SQL (stored addresses use ASCII digits), then compare keys here.
    near = or_(b.c.address.contains(f"{wanted.door}号"), b.c.address.contains(f"{wanted.door}-"))
    if wanted.building:
        near = near & b.c.address.contains(wanted.building)
    rows = (await session.execute(select(b.c.id, b.c.address).where(near))).all()
    same: list[int] = []
    prefixed: list[int] = []
    door_only: list[int] = []
    for row in rows:
        got = parse(normalise(row.address))
        if got is None:
            continue
        if wanted.building:
            if got.building and got.key == wanted.key:
                same.append(row.id)
            elif got.building and _admin_variant(got.key, wanted.key):
                prefixed.append(row.id)
        elif got.door_key == wanted.door_key or _admin_variant(got.door_key, wanted.door_key):
            door_only.append(row.id)
    for how, ids in (("NORMALISED", same), ("FUZZY", prefixed), ("FUZZY", door_only)):
        if len(ids) == 1:
            return Match(ids[0], how)
        if ids:
            return Match(None, "AMBIGUOUS", f"{len(ids)} 栋楼符合该地址")
    return Match(None, "NONE", "辖区内没有找到该地址的楼栋")
