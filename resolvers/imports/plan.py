"""The validation pass: every row checked (cells, references, natural key, duplicates within the
file) and planned as an insert, an update or nothing. Pure Python over `Refs`; nothing is read
or written here, so the same pass serves the dry run and, inside the write transaction, the
import itself.

New rows get negative placeholder ids, replaced by real ids when written, so that later rows
(and later sheets of a workbook) can refer to them.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from resolvers.imports.reader import Sheet
from resolvers.imports.refs import (
    BuildingRef,
    CommunityRef,
    FieldRef,
    GridRef,
    Refs,
    ResidentRef,
    StreetRef,
    UserRef,
)
from resolvers.imports.registers import (
    SCOPE_LABELS,
    CellError,
    Register,
    ScopeItem,
    role_scope_kinds,
)
from resolvers.imports.report import Action, Report, RowChange, RowError, tally
from resolvers.masking import mask_name
from resolvers.roles import ROLE_LABELS, Role, ScopeKind

PROGRESS_EVERY = 500


@dataclass
class Plan:
    report: Report
    new: dict[str, list[Any]]  # table → refs to insert, in order
    changed: dict[str, dict[int, Any]]  # table → id → ref whose columns changed
    scope_inserts: list[tuple[UserRef, str, int]] = field(default_factory=list)
    scope_deletes: list[int] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return sum(len(v) for v in self.new.values()) + sum(len(v) for v in self.changed.values()) + len(self.scope_inserts) + len(self.scope_deletes)


class RowCheck:
    """One row being checked: its parsed cells and what is wrong with it."""

    def __init__(self, register: Register, sheet: Sheet, number: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.register, self.sheet, self.number, self.cells = register, sheet, number, cells
        self._errors = errors
        self.failed = False
        self.values: dict[str, Any] = {}
        for col in register.columns:
            raw = cells.get(col.key, "")
            if not raw.strip():
                self.values[col.key] = None
                if col.required:
                    self.error(col.key, f"「{col.header}」为必填项", f"{col.header} is required")
                continue
            try:
                self.values[col.key] = col.parse(raw)
            except CellError as err:
                self.values[col.key] = None
                self.error(col.key, err.zh, err.en)

    def v(self, key: str) -> Any:
        return self.values.get(key)

    def error(self, key: str | None, zh: str, en: str) -> None:
        self.failed = True
        header = self.register.column(key).header if key else ""
        value = self.cells.get(key, "")[:200] if key else ""
        self._errors.append(RowError(self.register.kind, self.sheet.name, self.number, header, value, zh, en))


class Planner:
    def __init__(self, refs: Refs, progress: Callable[[int], None] | None = None) -> None:
        self.refs = refs
        self.progress = progress
        self.validated = 0
        self.errors: list[RowError] = []
        self.changes: dict[tuple[str, int], RowChange] = {}
        self.new: dict[str, list[Any]] = defaultdict(list)
        self.changed: dict[str, dict[int, Any]] = defaultdict(dict)
        self.scope_inserts: list[tuple[UserRef, str, int]] = []
        self.scope_deletes: list[int] = []
        self._touched: dict[tuple[str, int], int] = {}
        self._next_id = 0
        self._counters: dict[str, int] = {}
        self._leader_claims: dict[int, list[tuple[RowCheck, ResidentRef]]] = defaultdict(list)

    # ------------------------------------------------------------------------------ the pass

    def run(self, sheets: Sequence[Sheet]) -> Plan:
        report = Report()
        for sheet in sheets:
            reg = sheet.register
            first_error = len(self.errors)
            self._header_errors(sheet)
            if not sheet.missing:
                handle = getattr(self, "_" + reg.kind.lower())
                for row in sheet.rows:
                    rc = RowCheck(reg, sheet, row.number, row.cells, self.errors)
                    change = handle(rc)
                    if change is not None and not rc.failed:
                        self.changes[(sheet.name, row.number)] = change
                    self._tick()
                if reg.kind == "RESIDENTS":
                    self._check_leaders()
            else:
                self._tick(len(sheet.rows))
            bad = {e.row for e in self.errors[first_error:]}
            changes = [c for (name, number), c in self.changes.items() if name == sheet.name and number not in bad]
            count = tally(sheet.name, reg.kind, len(sheet.rows), changes, bad)
            count.examples_skipped, count.ignored_headers = sheet.examples_skipped, tuple(sheet.ignored_headers)
            report.sheets.append(count)
            report.changes.extend(changes)
        order = {s.name: i for i, s in enumerate(sheets)}
        report.errors = sorted(self.errors, key=lambda e: (order.get(e.sheet, -1), e.row))
        return Plan(report=report, new=dict(self.new), changed=dict(self.changed),
                    scope_inserts=self.scope_inserts, scope_deletes=self.scope_deletes)

    def _tick(self, n: int = 1) -> None:
        before = self.validated
        self.validated += n
        if self.progress is not None and (self.validated // PROGRESS_EVERY != before // PROGRESS_EVERY):
            self.progress(self.validated)

    def _header_errors(self, sheet: Sheet) -> None:
        reg = sheet.register
        # Many unknown headers besides the missing ones: probably the file of another register.
        hint = ("(表头与「{}」不符,是否选错了台账类型?)".format(reg.title), f" (is this a {reg.title_en} file?)") \
            if sheet.missing and len(sheet.ignored_headers) >= len(sheet.missing) else ("", "")
        for key in sheet.missing:
            header = reg.column(key).header
            self.errors.append(RowError(reg.kind, sheet.name, sheet.header_row, header, "",
                                        f"缺少必填列「{header}」{hint[0]}", f"The required column {header} is missing{hint[1]}"))
        for header in sheet.duplicate_headers:
            self.errors.append(RowError(reg.kind, sheet.name, sheet.header_row, header, header,
                                        f"列「{header}」重复出现", f"The column {header} appears twice"))

    # ---------------------------------------------------------------------------- helpers

    def _placeholder(self) -> int:
        self._next_id -= 1
        return self._next_id

    def _code(self, prefix: str, width: int, taken: dict[str, Any]) -> str:
        n = self._counters.get(prefix, 0) + 1
        while f"{prefix}{n:0{width}d}" in taken:
            n += 1
        self._counters[prefix] = n
        return f"{prefix}{n:0{width}d}"

    def _touch(self, rc: RowCheck, table: str, ref_id: int) -> bool:
        """One row per record: a second row naming the same record is a duplicate."""
        first = self._touched.setdefault((table, ref_id), rc.number)
        if first != rc.number:
            rc.error(None, f"与第 {first} 行重复(指向同一条记录)", f"Duplicates row {first} (the same record)")
            return False
        return True

    def _insert(self, rc: RowCheck, table: str, ref: Any, key: str) -> RowChange:
        self._touch(rc, table, ref.id)
        self.new[table].append(ref)
        return RowChange(rc.register.kind, rc.sheet.name, rc.number, Action.INSERT, key)

    def _update(self, rc: RowCheck, table: str, ref: Any, changed: dict[str, Any], key: str) -> RowChange:
        if not changed:
            return RowChange(rc.register.kind, rc.sheet.name, rc.number, Action.UNCHANGED, key)
        for attr, value in changed.items():
            setattr(ref, attr, value)
        self.changed[table][ref.id] = ref
        headers = tuple(_HEADER_OF.get(attr, attr) for attr in changed)
        return RowChange(rc.register.kind, rc.sheet.name, rc.number, Action.UPDATE, key, headers)

    @staticmethod
    def _rekey(index: dict[str, Any], old: str, new: str, ref: Any) -> None:
        if index.get(old) is ref:
            del index[old]
        index[new] = ref

    def _code_owner_check(self, rc: RowCheck, index: dict[str, Any], code: str | None, mine: Any, what: str) -> None:
        owner = index.get(code) if code is not None else None
        if owner is not None and owner is not mine:
            rc.error("code", f"编码 {code} 已被{what}「{owner.name}」使用", f"Code {code} is already used by {owner.name}")

    # ------------------------------------------------------------------- reference lookups

    def _street(self, rc: RowCheck, key: str) -> StreetRef | None:
        value = rc.v(key)
        if value is None:
            return None
        found = self.refs.streets_by_name.get(value) or self.refs.streets_by_code.get(value)
        if found is None:
            rc.error(key, f"街道不存在:{value}", f"Unknown street: {value}")
        return found

    def _community(self, rc: RowCheck, key: str) -> CommunityRef | None:
        value = rc.v(key)
        if value is None:
            return None
        found = self.refs.communities_by_name.get(value) or self.refs.communities_by_code.get(value)
        if found is None:
            rc.error(key, f"社区不存在:{value}", f"Unknown community: {value}")
        return found

    def _grid(self, rc: RowCheck, key: str, community: CommunityRef | None) -> GridRef | None:
        value = rc.v(key)
        if value is None:
            return None
        by_code = self.refs.grids_by_code.get(value)
        if by_code is not None:
            if community is not None and by_code.community_id != community.id:
                rc.error(key, f"网格 {value} 不属于「{community.name}」", f"Grid {value} is not in {community.name}")
                return None
            return by_code
        if community is None:
            rc.error(key, f"网格编码不存在:{value}(按名称查找网格须填写所属社区)",
                     f"Unknown grid code {value} (give the community to find a grid by name)")
            return None
        same = self.refs.grids_by_name.get((community.id, value), ())
        if len(same) == 1:
            return same[0]
        if same:
            rc.error(key, f"「{community.name}」有多个名为「{value}」的网格,请填写网格编码",
                     f"Several grids of {community.name} are named {value}: give the grid code")
        else:
            rc.error(key, f"「{community.name}」没有网格「{value}」", f"{community.name} has no grid {value}")
        return None

    def _field(self, rc: RowCheck, key: str, grid: GridRef) -> FieldRef | None:
        value = rc.v(key)
        if value is None:
            return None
        by_code = self.refs.fields_by_code.get(value)
        if by_code is not None:
            if by_code.grid_id != grid.id:
                rc.error(key, f"责任田 {value} 不属于网格「{grid.name}」", f"Field {value} is not in grid {grid.name}")
                return None
            return by_code
        same = self.refs.fields_by_name.get((grid.id, value), ())
        if len(same) == 1:
            return same[0]
        rc.error(key, f"网格「{grid.name}」没有责任田「{value}」" if not same else f"网格「{grid.name}」有多个名为「{value}」的责任田,请填写编码",
                 f"Grid {grid.name} has no field {value}" if not same else f"Several fields named {value}: give the code")
        return None

    def _building(self, rc: RowCheck, key: str, community: CommunityRef) -> BuildingRef | None:
        value = rc.v(key)
        if value is None:
            return None
        by_code = self.refs.buildings_by_code.get(value)
        if by_code is not None:
            if by_code.community_id != community.id:
                rc.error(key, f"楼栋 {value} 不属于「{community.name}」", f"Building {value} is not in {community.name}")
                return None
            return by_code
        same = self.refs.buildings_by_address.get((community.id, value), ())
        if len(same) == 1:
            return same[0]
        if same:
            rc.error(key, f"「{community.name}」有多个楼栋地址为「{value}」,请填写楼栋编码",
                     f"Several buildings of {community.name} have the address {value}: give the building code")
        else:
            rc.error(key, f"楼栋不存在:「{community.name}」没有编码或地址为「{value}」的楼栋",
                     f"Unknown building: {community.name} has no building with code or address {value}")
        return None

    # --------------------------------------------------------------------------- registers

    def _streets(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        name, code, name_en = rc.v("name"), rc.v("code"), rc.v("name_en")
        if name is None:
            return None
        existing = R.streets_by_name.get(name)
        self._code_owner_check(rc, R.streets_by_code, code, existing, "街道")
        if rc.failed:
            return None
        if existing is None:
            street = StreetRef(self._placeholder(), code or self._code("ST", 2, R.streets_by_code), name, name_en or name)
            R.add_street(street)
            return self._insert(rc, "street", street, name)
        if not self._touch(rc, "street", existing.id):
            return None
        changed = {}
        if code is not None and code != existing.code:
            self._rekey(R.streets_by_code, existing.code, code, existing)
            changed["code"] = code
        if name_en is not None and name_en != existing.name_en:
            changed["name_en"] = name_en
        return self._update(rc, "street", existing, changed, name)

    def _communities(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        street = self._street(rc, "street")
        name, code, name_en = rc.v("name"), rc.v("code"), rc.v("name_en")
        if name is None or street is None:
            return None
        existing = R.communities_by_name.get(name)
        if existing is not None and existing.street_id != street.id:
            owner = R.streets_by_id[existing.street_id].name
            rc.error("street", f"社区「{name}」属于「{owner}」,导入不能调整社区的所属街道",
                     f"{name} belongs to {owner}; an import cannot move a community to another street")
        self._code_owner_check(rc, R.communities_by_code, code, existing, "社区")
        if rc.failed:
            return None
        key = f"{street.name}/{name}"
        if existing is None:
            community = CommunityRef(self._placeholder(), code or self._code("C", 3, R.communities_by_code), name, name_en or name, street.id)
            R.add_community(community)
            return self._insert(rc, "community", community, key)
        if not self._touch(rc, "community", existing.id):
            return None
        changed = {}
        if code is not None and code != existing.code:
            self._rekey(R.communities_by_code, existing.code, code, existing)
            changed["code"] = code
        if name_en is not None and name_en != existing.name_en:
            changed["name_en"] = name_en
        return self._update(rc, "community", existing, changed, key)

    def _grids(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        community = self._community(rc, "community")
        name, code = rc.v("name"), rc.v("code")
        if community is None or name is None:
            return None
        same_name = R.grids_by_name.get((community.id, name), ())
        if code is not None:
            existing = R.grids_by_code.get(code)
            if existing is not None and existing.community_id != community.id:
                owner = R.communities_by_id[existing.community_id].name
                rc.error("code", f"网格 {code} 属于「{owner}」,导入不能调整网格的所属社区",
                         f"Grid {code} belongs to {owner}; an import cannot move a grid to another community")
            elif [g for g in same_name if g is not existing]:
                other = next(g for g in same_name if g is not existing)
                rc.error("name", f"「{community.name}」已有网格「{name}」(编码 {other.code})",
                         f"{community.name} already has a grid named {name} (code {other.code})")
        else:
            if len(same_name) > 1:
                rc.error("name", f"「{community.name}」有多个名为「{name}」的网格,请填写网格编码",
                         f"Several grids of {community.name} are named {name}: give the grid code")
            existing = same_name[0] if same_name else None
        if rc.failed:
            return None
        key = code or f"{community.name}/{name}"
        if existing is None:
            grid = GridRef(self._placeholder(), code or self._code(f"{community.code}-G", 2, R.grids_by_code), name, community.id)
            R.add_grid(grid)
            return self._insert(rc, "grid", grid, key)
        if not self._touch(rc, "grid", existing.id):
            return None
        changed = {}
        if name != existing.name:
            R.grids_by_name.move((community.id, existing.name), (community.id, name), existing)
            changed["name"] = name
        return self._update(rc, "grid", existing, changed, key)

    def _fields(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        community = self._community(rc, "community")
        grid = None if (rc.v("community") is not None and community is None) else self._grid(rc, "grid", community)
        name, code = rc.v("name"), rc.v("code")
        if grid is None or name is None:
            return None
        same_name = R.fields_by_name.get((grid.id, name), ())
        if code is not None:
            existing = R.fields_by_code.get(code)
            if existing is not None and existing.grid_id != grid.id:
                rc.error("code", f"责任田 {code} 属于其他网格,导入不能调整责任田的所属网格",
                         f"Field {code} belongs to another grid; an import cannot move it")
            elif [f for f in same_name if f is not existing]:
                other = next(f for f in same_name if f is not existing)
                rc.error("name", f"网格「{grid.name}」已有责任田「{name}」(编码 {other.code})",
                         f"Grid {grid.name} already has a field named {name} (code {other.code})")
        else:
            if len(same_name) > 1:
                rc.error("name", f"网格「{grid.name}」有多个名为「{name}」的责任田,请填写编码",
                         f"Several fields of grid {grid.name} are named {name}: give the code")
            existing = same_name[0] if same_name else None
        if rc.failed:
            return None
        key = code or f"{grid.code}/{name}"
        if existing is None:
            fld = FieldRef(self._placeholder(), code or self._code(f"{grid.code}-F", 2, R.fields_by_code), name, grid.id)
            R.add_field(fld)
            return self._insert(rc, "responsibility_field", fld, key)
        if not self._touch(rc, "responsibility_field", existing.id):
            return None
        changed = {}
        if name != existing.name:
            R.fields_by_name.move((grid.id, existing.name), (grid.id, name), existing)
            changed["name"] = name
        return self._update(rc, "responsibility_field", existing, changed, key)

    def _buildings(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        community = self._community(rc, "community")
        grid = self._grid(rc, "grid", community) if community is not None else None
        fld = self._field(rc, "field", grid) if grid is not None else None
        name, address, households, code = rc.v("name"), rc.v("address"), rc.v("households"), rc.v("code")
        if community is None or grid is None or address is None:
            return None
        same_address = R.buildings_by_address.get((community.id, address), ())
        if code is not None:
            existing = R.buildings_by_code.get(code)
            if existing is not None and existing.community_id != community.id:
                owner = R.communities_by_id[existing.community_id].name
                rc.error("code", f"楼栋 {code} 属于「{owner}」,导入不能调整楼栋的所属社区",
                         f"Building {code} belongs to {owner}; an import cannot move it to another community")
            elif [b for b in same_address if b is not existing]:
                other = next(b for b in same_address if b is not existing)
                rc.error("address", f"「{community.name}」已有地址为「{address}」的楼栋(编码 {other.code})",
                         f"{community.name} already has a building at {address} (code {other.code})")
        else:
            if len(same_address) > 1:
                rc.error("address", f"「{community.name}」有多个楼栋地址为「{address}」,请填写楼栋编码",
                         f"Several buildings of {community.name} have the address {address}: give the building code")
            existing = same_address[0] if same_address else None
        if rc.failed or name is None or households is None:
            return None
        key = code or f"{community.name}/{address}"
        field_id = fld.id if fld is not None else None
        if existing is None:
            building = BuildingRef(
                self._placeholder(), code or self._code("B", 6, R.buildings_by_code), name, address, households,
                grid.id, field_id, community.id, community.street_id, qr_token=secrets.token_urlsafe(18),
            )
            R.add_building(building)
            return self._insert(rc, "building", building, key)
        if not self._touch(rc, "building", existing.id):
            return None
        changed: dict[str, Any] = {}
        if name != existing.name:
            changed["name"] = name
        if address != existing.address:
            R.buildings_by_address.move((community.id, existing.address), (community.id, address), existing)
            changed["address"] = address
        if households != existing.households:
            changed["households"] = households
        if grid.id != existing.grid_id:
            changed["grid_id"] = grid.id
            if fld is None and existing.field_id is not None:
                changed["field_id"] = None  # the old field lies in the old grid
        if fld is not None and fld.id != existing.field_id:
            changed["field_id"] = fld.id
        return self._update(rc, "building", existing, changed, key)

    def _residents(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        community = self._community(rc, "community")
        building = self._building(rc, "building", community) if community is not None else None
        name, phone, room = rc.v("name"), rc.v("phone"), rc.v("room")
        party, leader = rc.v("party_member"), rc.v("leader")
        if building is None or name is None or rc.failed:
            return None
        bid = building.id
        key = (bid, name, "P", phone) if phone else (bid, name, "R", room or "")
        shown = f"{building.code}/{name}/{phone or room or ''}"
        matches = R.residents_by_key.get(key, ())
        if len(matches) > 1:
            rc.error("name", "现有多位居民与本行同楼栋、同姓名、同手机号(或房号),请核对后再导入",
                     "Several existing residents share this building, name and phone (or room)")
            return None
        existing = matches[0] if matches else None
        if existing is None:
            resident = ResidentRef(self._placeholder(), name, phone, bid, room, bool(party), bid if leader else None)
            R.add_resident(resident)
            if leader:
                self._leader_claims[bid].append((rc, resident))
            return self._insert(rc, "resident", resident, shown)
        if not self._touch(rc, "resident", existing.id):
            return None
        # Matched on the phone when the row gives one (so it is the same), else on the room.
        changed: dict[str, Any] = {}
        if room is not None and room != existing.room:
            R.residents_by_key.move((bid, name, "R", existing.room or ""), (bid, name, "R", room), existing)
            changed["room"] = room
        if party is not None and party != existing.is_party_member:
            changed["is_party_member"] = party
        if leader is True and existing.leads_building_id != bid:
            changed["leads_building_id"] = bid
        elif leader is False and existing.leads_building_id is not None:
            changed["leads_building_id"] = None
        if leader:
            self._leader_claims[bid].append((rc, existing))
        return self._update(rc, "resident", existing, changed, shown)

    def _check_leaders(self) -> None:
        """One leader per building, as the sheet leaves it (a row may hand the role over by
        marking the old leader 否, before or after the new one)."""
        if not self._leader_claims:
            return
        leaders: dict[int, list[ResidentRef]] = defaultdict(list)
        for r in self.refs.residents_by_id.values():
            if r.leads_building_id in self._leader_claims:
                leaders[r.leads_building_id].append(r)
        for bid, claims in self._leader_claims.items():
            for rc, resident in claims:
                others = [r for r in leaders.get(bid, ()) if r is not resident]
                if others:
                    rows = {c.number for c, r in claims if r is others[0]}
                    # A leader from the register is personal data the administrator sees masked (SPEC §3).
                    who = f"第 {min(rows)} 行的「{others[0].name}」" if rows else f"现有楼长「{mask_name(others[0].name)}」"
                    rc.error("leader", f"该楼栋已有楼长({who});更换楼长请将原楼长的「是否楼长」填为「否」",
                             "The building already has a leader; mark the old leader 否 to hand over")
        self._leader_claims.clear()

    def _staff(self, rc: RowCheck) -> RowChange | None:
        R = self.refs
        uname, display_name, role, items = rc.v("username"), rc.v("display_name"), rc.v("role"), rc.v("scopes")
        existing = R.users_by_name.get(uname) if uname is not None else None
        if existing is not None and existing.role == Role.ADMIN.value:
            rc.error("username", "不能通过导入修改平台管理员账号", "An import cannot change an administrator account")
        scopes: set[tuple[str, int]] = set()
        if role is not None:
            allowed = role_scope_kinds(role)
            label = ROLE_LABELS[role]
            if not items:
                if allowed:
                    kinds = "、".join(SCOPE_LABELS[k] for k in allowed)
                    rc.error("scopes", f"角色「{label}」须填写管辖范围({kinds})", f"The role {role.value} needs scopes ({', '.join(k.value for k in allowed)})")
            elif not allowed:
                rc.error("scopes", f"「{label}」是全区性角色,不设管辖范围", f"{role.value} is district-wide and holds no scopes")
            else:
                for item in items:
                    found = self._scope(rc, item, role, allowed)
                    if found is not None:
                        scopes.add(found)
        if rc.failed or uname is None or display_name is None or role is None:
            return None
        if existing is None:
            user = UserRef(self._placeholder(), uname, display_name, role.value, frozenset(scopes))
            R.add_user(user)
            self.scope_inserts.extend((user, kind, ref_id) for kind, ref_id in sorted(scopes))
            return self._insert(rc, "app_user", user, uname)
        if not self._touch(rc, "app_user", existing.id):
            return None
        changed: dict[str, Any] = {}
        if display_name != existing.display_name:
            changed["display_name"] = display_name
        if role.value != existing.role:
            changed["role"] = role.value
        if frozenset(scopes) != existing.scopes:
            self.scope_deletes.extend(existing.scope_row_ids[s] for s in sorted(existing.scopes - scopes))
            self.scope_inserts.extend((existing, kind, ref_id) for kind, ref_id in sorted(scopes - existing.scopes))
            existing.scopes = frozenset(scopes)
            change = self._update(rc, "app_user", existing, changed, uname)
            return RowChange(change.register, change.sheet, change.row, Action.UPDATE, uname, (*change.changed, "管辖范围"))
        return self._update(rc, "app_user", existing, changed, uname)

    def _scope(self, rc: RowCheck, item: ScopeItem, role: Role, allowed: list[ScopeKind]) -> tuple[str, int] | None:
        label = ROLE_LABELS[role]
        if item.kind is not None and item.kind not in allowed:
            rc.error("scopes", f"「{label}」不能管辖{SCOPE_LABELS[item.kind]}:{item.text}",
                     f"{role.value} cannot hold a {item.kind.value} scope ({item.text})")
            return None
        for kind in [item.kind] if item.kind is not None else allowed:
            found = self._find_scope(kind, item.text)
            if found is not None and getattr(found, "active", True) is False:
                rc.error("scopes", f"管辖范围已停用:{item.text}", f"{item.text} is retired and takes no new staff")
                return None
            if found is not None:
                return kind.value, found.id
        kinds = "、".join(SCOPE_LABELS[k] for k in ([item.kind] if item.kind else allowed))
        rc.error("scopes", f"管辖范围不存在:{item.text}(应为{kinds})", f"Unknown scope {item.text}")
        return None

    def _find_scope(self, kind: ScopeKind, value: str) -> Any:
        """The ref a scope's text names (None when none or not unique)."""
        R = self.refs

        def unique(found: Any) -> Any:
            return found[0] if len(found) == 1 else None

        def community(v: str) -> CommunityRef | None:
            return R.communities_by_name.get(v) or R.communities_by_code.get(v)

        parts = [p.strip() for p in value.split("/")]
        found: Any = None
        if kind is ScopeKind.STREET:
            found = R.streets_by_name.get(value) or R.streets_by_code.get(value)
        elif kind is ScopeKind.SECTION:
            found = R.sections_by_code.get(value) or unique(R.sections_by_name.get(value, ()))
        elif kind is ScopeKind.COMMUNITY:
            found = community(value)
        elif kind is ScopeKind.DEPARTMENT:
            found = R.departments_by_code.get(value) or unique(R.departments_by_name.get(value, ()))
        elif kind is ScopeKind.PARTNER:
            found = R.partners_by_code.get(value) or unique(R.partners_by_name.get(value, ()))
        elif kind is ScopeKind.GRID:
            found = R.grids_by_code.get(value)
            if found is None and len(parts) == 2 and (c := community(parts[0])) is not None:
                found = unique(R.grids_by_name.get((c.id, parts[1]), ()))
        elif kind is ScopeKind.FIELD:
            found = R.fields_by_code.get(value)
            if found is None and len(parts) >= 2:
                grid = R.grids_by_code.get(parts[-2])
                if grid is None and len(parts) == 3 and (c := community(parts[0])) is not None:
                    grid = unique(R.grids_by_name.get((c.id, parts[1]), ()))
                if grid is not None:
                    found = unique(R.fields_by_name.get((grid.id, parts[-1]), ()))
        elif kind is ScopeKind.BUILDING:
            found = R.buildings_by_code.get(value)
            if found is None and len(parts) == 2 and (c := community(parts[0])) is not None:
                found = unique(R.buildings_by_address.get((c.id, parts[1]), ()))
        return found


_HEADER_OF = {
    "code": "编码", "name_en": "英文名称", "name": "名称", "address": "详细地址", "households": "户数", "grid_id": "所属网格",
    "field_id": "责任田", "phone": "手机号", "room": "房号", "is_party_member": "是否党员", "leads_building_id": "是否楼长",
    "display_name": "姓名", "role": "角色",
}


def plan(sheets: Sequence[Sheet], refs: Refs, progress: Callable[[int], None] | None = None) -> Plan:
    return Planner(refs, progress).run(sheets)
