"""What already exists, loaded once per pass and indexed by every way a register row may name it.

Rows planned by the pass are added to the same indexes (with negative placeholder ids the writer
replaces), so a row may refer to an existing row or to one added earlier in the same file.
Loading is bounded by what the file names: all places of the district (a few tens of thousands
of rows), but residents only of the buildings the file mentions and users only by the usernames
in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import (
    Building,
    Community,
    Department,
    Grid,
    PartnerUnit,
    Resident,
    ResponsibilityField,
    Street,
    StreetSection,
    User,
    UserScope,
)
from resolvers.imports.registers import CellError, squash, yes_no

IN_CHUNK = 500
WHOLE_TABLE_ABOVE = 3000  # buildings named by a residents file


@dataclass(slots=True, eq=False)
class StreetRef:
    id: int
    code: str
    name: str
    name_en: str


@dataclass(slots=True, eq=False)
class CommunityRef:
    id: int
    code: str
    name: str
    name_en: str
    street_id: int


@dataclass(slots=True, eq=False)
class GridRef:
    id: int
    code: str
    name: str
    community_id: int


@dataclass(slots=True, eq=False)
class FieldRef:
    id: int
    code: str
    name: str
    grid_id: int


@dataclass(slots=True, eq=False)
class BuildingRef:
    id: int
    code: str
    name: str
    address: str
    households: int
    grid_id: int
    field_id: int | None
    community_id: int
    street_id: int
    qr_token: str = ""


@dataclass(slots=True, eq=False)
class ResidentRef:
    id: int
    name: str
    phone: str | None
    building_id: int
    room: str | None
    is_party_member: bool
    leads_building_id: int | None


@dataclass(slots=True, eq=False)
class UnitRef:
    id: int
    code: str
    name: str
    active: bool = True  # a retired unit (resolvers/admin/units.py) takes no new staff


@dataclass(slots=True, eq=False)
class UserRef:
    id: int
    username: str
    display_name: str
    role: str
    scopes: frozenset[tuple[str, int]]
    scope_row_ids: dict[tuple[str, int], int] = field(default_factory=dict)


class Multi(defaultdict):
    """key → list of refs (names that need not be unique)."""

    def __init__(self) -> None:
        super().__init__(list)

    def move(self, old_key: Any, new_key: Any, ref: Any) -> None:
        if old_key in self and ref in self[old_key]:
            self[old_key].remove(ref)
        self[new_key].append(ref)


@dataclass
class Refs:
    streets_by_name: dict[str, StreetRef] = field(default_factory=dict)
    streets_by_code: dict[str, StreetRef] = field(default_factory=dict)
    streets_by_id: dict[int, StreetRef] = field(default_factory=dict)
    communities_by_name: dict[str, CommunityRef] = field(default_factory=dict)
    communities_by_code: dict[str, CommunityRef] = field(default_factory=dict)
    communities_by_id: dict[int, CommunityRef] = field(default_factory=dict)
    grids_by_code: dict[str, GridRef] = field(default_factory=dict)
    grids_by_name: Multi = field(default_factory=Multi)  # (community_id, name)
    grids_by_id: dict[int, GridRef] = field(default_factory=dict)
    fields_by_code: dict[str, FieldRef] = field(default_factory=dict)
    fields_by_name: Multi = field(default_factory=Multi)  # (grid_id, name)
    fields_by_id: dict[int, FieldRef] = field(default_factory=dict)
    buildings_by_code: dict[str, BuildingRef] = field(default_factory=dict)
    buildings_by_address: Multi = field(default_factory=Multi)  # (community_id, address)
    buildings_by_id: dict[int, BuildingRef] = field(default_factory=dict)
    # Residents under both keys a row may use: (building_id, name, "P", phone) and (…, "R", room).
    residents_by_key: Multi = field(default_factory=Multi)
    residents_by_id: dict[int, ResidentRef] = field(default_factory=dict)
    sections_by_code: dict[str, UnitRef] = field(default_factory=dict)
    sections_by_name: Multi = field(default_factory=Multi)
    departments_by_code: dict[str, UnitRef] = field(default_factory=dict)
    departments_by_name: Multi = field(default_factory=Multi)
    partners_by_code: dict[str, UnitRef] = field(default_factory=dict)
    partners_by_name: Multi = field(default_factory=Multi)
    users_by_name: dict[str, UserRef] = field(default_factory=dict)

    # ------------------------------------------------------------------ adding (existing or new)

    def add_street(self, s: StreetRef) -> None:
        self.streets_by_name[s.name] = self.streets_by_code[s.code] = self.streets_by_id[s.id] = s

    def add_community(self, c: CommunityRef) -> None:
        self.communities_by_name[c.name] = self.communities_by_code[c.code] = self.communities_by_id[c.id] = c

    def add_grid(self, g: GridRef) -> None:
        self.grids_by_code[g.code] = self.grids_by_id[g.id] = g
        self.grids_by_name[(g.community_id, g.name)].append(g)

    def add_field(self, f: FieldRef) -> None:
        self.fields_by_code[f.code] = self.fields_by_id[f.id] = f
        self.fields_by_name[(f.grid_id, f.name)].append(f)

    def add_building(self, b: BuildingRef) -> None:
        self.buildings_by_code[b.code] = self.buildings_by_id[b.id] = b
        self.buildings_by_address[(b.community_id, b.address)].append(b)

    @staticmethod
    def resident_keys(r: ResidentRef) -> list[tuple]:
        keys = [(r.building_id, r.name, "R", r.room or "")]
        if r.phone:
            keys.append((r.building_id, r.name, "P", r.phone))
        return keys

    def add_resident(self, r: ResidentRef) -> None:
        self.residents_by_id[r.id] = r
        for key in self.resident_keys(r):
            self.residents_by_key[key].append(r)

    def add_user(self, u: UserRef) -> None:
        self.users_by_name[u.username] = u


# ------------------------------------------------------------------------------------ loading

def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


async def load_places(conn: AsyncConnection, refs: Refs, *, buildings: bool) -> None:
    s, c, g, f = Street.__table__, Community.__table__, Grid.__table__, ResponsibilityField.__table__
    for r in await conn.execute(select(s.c.id, s.c.code, s.c.name, s.c.name_en)):
        refs.add_street(StreetRef(r.id, r.code, r.name, r.name_en))
    for r in await conn.execute(select(c.c.id, c.c.code, c.c.name, c.c.name_en, c.c.street_id)):
        refs.add_community(CommunityRef(r.id, r.code, r.name, r.name_en, r.street_id))
    for r in await conn.execute(select(g.c.id, g.c.code, g.c.name, g.c.community_id)):
        refs.add_grid(GridRef(r.id, r.code, r.name, r.community_id))
    for r in await conn.execute(select(f.c.id, f.c.code, f.c.name, f.c.grid_id)):
        refs.add_field(FieldRef(r.id, r.code, r.name, r.grid_id))
    if buildings:
        b = Building.__table__
        rows = await conn.execute(select(b.c.id, b.c.code, b.c.name, b.c.address, b.c.households, b.c.grid_id,
                                         b.c.field_id, b.c.community_id, b.c.street_id))
        for r in rows:
            refs.add_building(BuildingRef(r.id, r.code, r.name, r.address, r.households, r.grid_id, r.field_id,
                                          r.community_id, r.street_id))


async def load_units(conn: AsyncConnection, refs: Refs) -> None:
    for table, by_code, by_name in (
        (StreetSection.__table__, refs.sections_by_code, refs.sections_by_name),
        (Department.__table__, refs.departments_by_code, refs.departments_by_name),
        (PartnerUnit.__table__, refs.partners_by_code, refs.partners_by_name),
    ):
        for r in await conn.execute(select(table.c.id, table.c.code, table.c.name, table.c.active)):
            unit = UnitRef(r.id, r.code, r.name, bool(r.active))
            by_code[unit.code] = unit
            by_name[unit.name].append(unit)


async def load_residents(conn: AsyncConnection, refs: Refs, building_ids: Iterable[int], names: set[str] | None = None,
                         leaders_of: set[int] | None = None) -> None:
    """Residents of these buildings, and whoever leads one of them (a leader may live elsewhere).

    `names`: keep only residents of these names (the only ones a row can match), plus the current
    leaders of `leaders_of` (the buildings some row makes its leader): ~20,000 objects fewer for a
    20,000-row file, on a table that grows with every import."""
    t = Resident.__table__
    ids = sorted({i for i in building_ids if i > 0})
    wanted_leaders = leaders_of or set()
    cols = (t.c.id, t.c.name, t.c.phone, t.c.building_id, t.c.room, t.c.is_party_member, t.c.leads_building_id)
    if len(ids) > WHOLE_TABLE_ABOVE:
        # A file naming thousands of buildings: one scan beats many index lookups.
        batches = [await conn.execute(select(*cols))]
    else:
        # Two indexed lookups per chunk; an OR of both would scan the table on SQLite.
        batches = [await conn.execute(select(*cols).where(column.in_(part)))
                   for part in _chunks(ids, IN_CHUNK) for column in (t.c.building_id, t.c.leads_building_id)]
    for rows in batches:
        for r in rows:
            if names is not None and r.name not in names and r.leads_building_id not in wanted_leaders:
                continue
            if r.id not in refs.residents_by_id:
                refs.add_resident(ResidentRef(r.id, r.name, r.phone, r.building_id, r.room, bool(r.is_party_member),
                                              r.leads_building_id))


async def load_users(conn: AsyncConnection, refs: Refs, usernames: Iterable[str]) -> None:
    u, us = User.__table__, UserScope.__table__
    names = sorted(set(usernames))
    found: dict[int, UserRef] = {}
    for part in _chunks(names):
        for r in await conn.execute(select(u.c.id, u.c.username, u.c.display_name, u.c.role).where(u.c.username.in_(part))):
            found[r.id] = UserRef(r.id, r.username, r.display_name, r.role, frozenset())
    ids = sorted(found)
    scopes: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for part in _chunks(ids):
        for r in await conn.execute(select(us.c.id, us.c.user_id, us.c.kind, us.c.ref_id).where(us.c.user_id.in_(part))):
            scopes[r.user_id][(r.kind, r.ref_id)] = r.id
    for uid, user in found.items():
        user.scope_row_ids = scopes.get(uid, {})
        user.scopes = frozenset(user.scope_row_ids)
        refs.add_user(user)


async def load(conn: AsyncConnection, sheets: Sequence[Any]) -> Refs:
    """Everything the rows of these sheets may refer to or match."""
    kinds = {s.register.kind for s in sheets}
    refs = Refs()
    await load_places(conn, refs, buildings=bool(kinds & {"BUILDINGS", "RESIDENTS", "STAFF"}))
    for sheet in sheets:
        if sheet.register.kind == "STAFF":
            await load_units(conn, refs)
            await load_users(conn, refs, [r.cells.get("username", "").strip() for r in sheet.rows])
        elif sheet.register.kind == "RESIDENTS":
            ids, leaders = _buildings_named(refs, sheet.rows)
            names = {squash(r.cells.get("name", "")) for r in sheet.rows}
            await load_residents(conn, refs, ids, names, leaders)
    return refs


def _buildings_named(refs: Refs, rows: Iterable[Any]) -> tuple[set[int], set[int]]:
    """The buildings the rows name, and those of them some row makes its leader."""
    ids: set[int] = set()
    leaders: set[int] = set()
    for row in rows:
        raw = squash(row.cells.get("building", ""))
        found: list[int] = []
        if (b := refs.buildings_by_code.get(raw)) is not None:
            found = [b.id]
        else:
            name = squash(row.cells.get("community", ""))
            community = refs.communities_by_name.get(name) or refs.communities_by_code.get(name)
            if community is not None:
                found = [b.id for b in refs.buildings_by_address.get((community.id, raw), ())]
        ids.update(found)
        if found and _yes(row.cells.get("leader", "")):
            leaders.update(found)
    return ids, leaders


def _yes(raw: str) -> bool:
    try:
        return bool(raw.strip()) and yes_no(raw)
    except CellError:
        return False
