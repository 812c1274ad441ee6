"""Volunteers, teams and the time bank (时间银行) through the public API: service credited once when
confirmed, redemption with an idempotency key, stock and balance never below zero, reversing
entries, who may do and see what, and bad input refused with nothing half-written. After every
operation the books are checked straight in the database: each entry's lines sum to zero, each
cached balance equals its lines, no volunteer balance is negative."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from db.models import (
    CatalogueItem,
    Community,
    ServiceRecord,
    TimeBankAccount,
    TimeBankEntry,
    TimeBankLine,
    User,
    UserScope,
    Volunteer,
    VolunteerTeam,
)
from resolvers.passwords import hash_password
from schema.ids import from_global_id, to_global_id

TODAY = date.today().isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()

ACCOUNT = "id code kind balance balancePoints"
VOLUNTEER = f"id name phone view skills active hasLogin account {{ {ACCOUNT} }}"
SERVICE = "id state minutes version participants { id } entry { id kind lines { amount account { id kind } } }"
ITEM = "id name kind price pricePoints stock active version"
REDEMPTION = f"redemption {{ id quantity amount item {{ id stock }} entry {{ id }} }} account {{ {ACCOUNT} }}"


# -- helpers --------------------------------------------------------------------------------------

async def community_pk(db: Any, name: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(Community.id).where(Community.name == name))).scalar_one()


async def sign_in_as(db: Any, gql: Any, role: str, kind: str | None, ref_id: int | None) -> tuple[str, int]:
    """A new login with one scope; returns its token and user id."""
    username = f"tb-{role.lower()}-{uuid.uuid4().hex[:8]}"
    async with db.engine.begin() as conn:
        uid = (await conn.execute(insert(User.__table__).values(
            username=username, password_hash=await hash_password("pw-" + username), display_name=username, role=role,
        ).returning(User.__table__.c.id))).scalar_one()
        if kind is not None:
            await conn.execute(insert(UserScope.__table__).values(user_id=uid, kind=kind, ref_id=ref_id))
    return await gql.login(username, "pw-" + username), uid


async def worker(db: Any, gql: Any, community: str) -> str:
    return (await sign_in_as(db, gql, "COMMUNITY_WORKER", "COMMUNITY", await community_pk(db, community)))[0]


async def op(gql: Any, token: str, name: str, input_type: str, input: dict, fields: str) -> dict:
    body = await gql.post(f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" not in body, (name, body.get("errors"))
    return body["data"][name]


async def op_err(gql: Any, token: str, name: str, input_type: str, input: dict, fields: str = "__typename") -> str:
    body = await gql.post(f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" in body, (name, "expected an error", body)
    assert body["data"] is None or body["data"].get(name) is None
    return body["errors"][0]["extensions"]["code"]


async def assert_books(db: Any) -> None:
    """The double-entry invariants, checked in the database itself."""
    L, A, E = TimeBankLine.__table__, TimeBankAccount.__table__, TimeBankEntry.__table__
    async with db.read() as conn:
        unbalanced = (await conn.execute(select(L.c.entry_id).group_by(L.c.entry_id).having(
            (func.sum(L.c.amount) != 0) | (func.count() < 2)))).all()
        assert unbalanced == [], f"entries not summing to zero: {unbalanced}"
        orphans = (await conn.execute(select(func.count()).select_from(E).where(~E.c.id.in_(select(L.c.entry_id))))).scalar_one()
        assert orphans == 0
        sums = dict((await conn.execute(select(L.c.account_id, func.sum(L.c.amount)).group_by(L.c.account_id))).all())
        for row in (await conn.execute(select(A))).all():
            assert row.balance == int(sums.get(row.id, 0)), f"cached balance of {row.code} differs from its lines"
            if row.kind == "VOLUNTEER":
                assert row.balance >= 0
        per_community = (await conn.execute(select(A.c.community_id, func.sum(L.c.amount)).join(L, L.c.account_id == A.c.id)
                                            .group_by(A.c.community_id))).all()
        assert all(int(total) == 0 for _, total in per_community)
        stock = (await conn.execute(select(func.count()).select_from(CatalogueItem.__table__).where(CatalogueItem.__table__.c.stock < 0))).scalar_one()
        assert stock == 0


async def count(db: Any, model: Any, *where: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(model.__table__).where(*where))).scalar_one()


async def register(gql: Any, token: str, community_gid: str, name: str, **extra: Any) -> dict:
    return (await op(gql, token, "registerVolunteer", "RegisterVolunteerInput",
                     {"communityId": community_gid, "name": name, **extra}, f"volunteer {{ {VOLUNTEER} }}"))["volunteer"]


async def credit(gql: Any, token: str, community_gid: str, volunteer_ids: list[str], minutes: int, **extra: Any) -> dict:
    rec = (await op(gql, token, "recordService", "RecordServiceInput", {
        "communityId": community_gid, "description": "陪同老人就医", "servedOn": YESTERDAY, "minutes": minutes,
        "volunteerIds": volunteer_ids, **extra}, f"service {{ {SERVICE} }}"))["service"]
    assert rec["state"] == "RECORDED" and rec["entry"] is None
    return (await op(gql, token, "confirmService", "ServiceStepInput", {"id": rec["id"], "version": rec["version"]},
                     f"service {{ {SERVICE} }}"))["service"]


async def balance(gql: Any, token: str, account_id: str) -> int:
    data = await gql.ok("query($id: ID!) { timeBankAccount(id: $id) { balance } }", {"id": account_id}, token=token)
    return data["timeBankAccount"]["balance"]


# -- tests ----------------------------------------------------------------------------------------

async def test_demo_books(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """The demo data: 54 redeemable items in 大海阳社区, balanced books, the demo volunteer's account."""
    await assert_books(db)
    dahaiyang = to_global_id("Community", await community_pk(db, "大海阳社区"))
    items = (await gql.ok("query($c: ID!) { catalogue(communityId: $c) { name price stock } }", {"c": dahaiyang},
                          token=tokens["dispatcher"]))["catalogue"]
    assert len(items) == 54 and {"免费理发", "家电维修", "上门家政"} <= {i["name"] for i in items}
    for name in ("大海阳社区", "三里桥社区"):
        books = (await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { issued outstanding redeemed total balanced entries "
                              "community { name } } }", {"c": to_global_id("Community", await community_pk(db, name))},
                              token=tokens["district"]))["timeBankBooks"]
        assert books["total"] == 0 and books["balanced"] and books["issued"] > 0 and books["redeemed"] > 0
        assert books["community"]["name"] == name
    mine = (await gql.ok(f"{{ myTimeBank {{ {ACCOUNT} volunteer {{ name view }} community {{ name }} "
                         "lines(first: 10) { edges { node { amount entry { kind lines { amount } } } } } } }",
                         token=tokens["volunteer"]))["myTimeBank"]
    assert mine["kind"] == "VOLUNTEER" and mine["balance"] > 0 and mine["community"]["name"] == "三里桥社区"
    assert mine["volunteer"]["view"] == "WHOLE"  # the volunteer sees itself whole
    kinds = {e["node"]["entry"]["kind"] for e in mine["lines"]["edges"]}
    assert kinds == {"CREDIT", "REDEMPTION"}
    assert sum(e["node"]["amount"] for e in mine["lines"]["edges"]) == mine["balance"]
    # Other logins have no account of their own.
    assert (await gql.ok("{ myTimeBank { id } }", token=tokens["community"]))["myTimeBank"] is None


async def test_service_confirmed_once(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """Confirming credits every participant minutes × rate in one entry; confirming again, or a
    retry, credits nothing more. A team service credits the team's members."""
    tashan = await worker(db, gql, "塔山社区")
    c = to_global_id("Community", await community_pk(db, "塔山社区"))
    a = await register(gql, tashan, c, "王秀英", phone="13800001111", skills="理发")
    b = await register(gql, tashan, c, "李建国", phone="13800002222")
    assert a["view"] == "WHOLE" and a["phone"] == "13800001111" and a["account"]["balance"] == 0
    team = (await op(gql, tashan, "createVolunteerTeam", "CreateVolunteerTeamInput",
                     {"communityId": c, "name": "塔山助老服务队", "memberIds": [a["id"]], "leaderId": a["id"]},
                     "team { id name memberCount members { isLeader volunteer { id name } } }"))["team"]
    team = (await op(gql, tashan, "addTeamMember", "AddTeamMemberInput", {"teamId": team["id"], "volunteerId": b["id"]},
                     "team { id memberCount members { isLeader volunteer { id } } }"))["team"]
    assert team["memberCount"] == 2 and team["members"][0]["isLeader"] and team["members"][0]["volunteer"]["id"] == a["id"]
    assert await op_err(gql, tashan, "addTeamMember", "AddTeamMemberInput", {"teamId": team["id"], "volunteerId": b["id"]}) == "BAD_USER_INPUT"

    entries_before = await count(db, TimeBankEntry)
    rec = (await op(gql, tashan, "recordService", "RecordServiceInput", {
        "communityId": c, "description": "为独居老人打扫卫生", "servedOn": YESTERDAY, "minutes": 90, "teamId": team["id"]},
        f"service {{ {SERVICE} }}"))["service"]
    assert sorted(p["id"] for p in rec["participants"]) == sorted([a["id"], b["id"]])
    done = (await op(gql, tashan, "confirmService", "ServiceStepInput", {"id": rec["id"], "version": rec["version"]},
                     f"service {{ {SERVICE} }}"))["service"]
    assert done["state"] == "CONFIRMED" and done["entry"]["kind"] == "CREDIT"
    lines = done["entry"]["lines"]
    assert sorted(l["amount"] for l in lines) == [-30, 15, 15] and sum(l["amount"] for l in lines) == 0
    await assert_books(db)
    # The same confirm again (a retry with the old version, or a second click): credited once.
    for version in (rec["version"], None):
        again = (await op(gql, tashan, "confirmService", "ServiceStepInput", {"id": rec["id"], "version": version},
                          f"service {{ {SERVICE} }}"))["service"]
        assert again["entry"]["id"] == done["entry"]["id"]
    assert await count(db, TimeBankEntry) == entries_before + 1
    assert await balance(gql, tashan, a["account"]["id"]) == 15
    assert await balance(gql, tashan, b["account"]["id"]) == 15
    assert await op_err(gql, tashan, "rejectService", "ServiceStepInput", {"id": rec["id"]}) == "INVALID_TRANSITION"

    # A community's own rate: 2 points an hour.
    await op(gql, tashan, "setTimeBankRate", "SetTimeBankRateInput", {"communityId": c, "unitsPerHour": 20}, "unitsPerHour")
    await credit(gql, tashan, c, [a["id"]], 30)
    assert await balance(gql, tashan, a["account"]["id"]) == 25

    # Stale version → CONFLICT; rejected → cannot be confirmed.
    rec2 = (await op(gql, tashan, "recordService", "RecordServiceInput", {
        "communityId": c, "description": "义务理发", "servedOn": TODAY, "minutes": 60, "volunteerIds": [b["id"]]}, "service { id version }"))["service"]
    assert await op_err(gql, tashan, "confirmService", "ServiceStepInput", {"id": rec2["id"], "version": rec2["version"] + 5}) == "CONFLICT"
    await op(gql, tashan, "rejectService", "ServiceStepInput", {"id": rec2["id"]}, "service { state }")
    assert await op_err(gql, tashan, "confirmService", "ServiceStepInput", {"id": rec2["id"]}) == "INVALID_TRANSITION"
    assert await balance(gql, tashan, b["account"]["id"]) == 15
    books = (await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { issued outstanding redeemed total balanced } }",
                          {"c": c}, token=tashan))["timeBankBooks"]
    assert books == {"issued": 40, "outstanding": 40, "redeemed": 0, "total": 0, "balanced": True}
    await assert_books(db)


async def test_volunteer_records_own_service(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """The demo volunteer records its own service; 三里桥's worker confirms it."""
    sanliqiao = await worker(db, gql, "三里桥社区")
    c = to_global_id("Community", await community_pk(db, "三里桥社区"))
    mine = (await gql.ok(f"{{ myTimeBank {{ {ACCOUNT} volunteer {{ id }} }} }}", token=tokens["volunteer"]))["myTimeBank"]
    rec = (await op(gql, tokens["volunteer"], "recordService", "RecordServiceInput", {
        "communityId": c, "description": "帮邻居修水管", "servedOn": TODAY, "minutes": 60}, "service { id state participants { id } }"))["service"]
    assert [p["id"] for p in rec["participants"]] == [mine["volunteer"]["id"]]
    # It cannot confirm its own service, nor record someone else's.
    assert await op_err(gql, tokens["volunteer"], "confirmService", "ServiceStepInput", {"id": rec["id"]}) == "FORBIDDEN"
    other = (await gql.ok("query($c: ID!) { volunteers(filter: {communityId: $c}, first: 50) { edges { node { id } } } }", {"c": c},
                          token=sanliqiao))["volunteers"]["edges"]
    someone = next(e["node"]["id"] for e in other if e["node"]["id"] != mine["volunteer"]["id"])
    assert await op_err(gql, tokens["volunteer"], "recordService", "RecordServiceInput", {
        "communityId": c, "description": "x", "servedOn": TODAY, "minutes": 60, "volunteerIds": [someone]}) == "FORBIDDEN"
    await op(gql, sanliqiao, "confirmService", "ServiceStepInput", {"id": rec["id"]}, "service { state }")
    assert await balance(gql, tokens["volunteer"], mine["id"]) == mine["balance"] + 10
    listed = (await gql.ok("{ serviceRecords(first: 50) { edges { node { id state } } } }", token=tokens["volunteer"]))["serviceRecords"]
    assert rec["id"] in [e["node"]["id"] for e in listed["edges"]]
    await assert_books(db)


async def test_redeem_idempotent_and_never_overdrawn(gql: Any, tokens: dict[str, str], db: Any) -> None:
    fukang = await worker(db, gql, "三里桥社区")
    c = to_global_id("Community", await community_pk(db, "三里桥社区"))
    v = await register(gql, fukang, c, "赵志刚", phone="13900003333")
    await credit(gql, fukang, c, [v["id"]], 150)  # 2.5 points
    acct = v["account"]["id"]
    item = (await op(gql, fukang, "addCatalogueItem", "AddCatalogueItemInput",
                     {"communityId": c, "name": "测试毛巾", "kind": "ITEM", "price": 10, "stock": 2}, f"item {{ {ITEM} }}"))["item"]
    assert item["pricePoints"] == "1" and item["stock"] == 2
    key = uuid.uuid4().hex
    first = await op(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "idempotencyKey": key}, REDEMPTION)
    assert first["account"]["balance"] == 15 and first["account"]["balancePoints"] == "1.5" and first["redemption"]["item"]["stock"] == 1
    entries = await count(db, TimeBankEntry)
    again = await op(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "idempotencyKey": key}, REDEMPTION)
    assert again["redemption"]["id"] == first["redemption"]["id"] and again["account"]["balance"] == 15
    assert await count(db, TimeBankEntry) == entries
    # The same key for something else is refused.
    assert await op_err(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "quantity": 2,
                                                                "idempotencyKey": key}) == "BAD_USER_INPUT"
    # Stock: one left, two asked → OUT_OF_STOCK; balance: 1.5 points, 3 asked → INSUFFICIENT_POINTS; nothing written.
    assert await op_err(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "quantity": 2,
                                                                "idempotencyKey": uuid.uuid4().hex}) == "OUT_OF_STOCK"
    dear = (await op(gql, fukang, "addCatalogueItem", "AddCatalogueItemInput",
                     {"communityId": c, "name": "测试上门家政", "kind": "SERVICE", "price": 30}, f"item {{ {ITEM} }}"))["item"]
    body = await gql.post(f"mutation($i: RedeemInput!) {{ redeem(input: $i) {{ {REDEMPTION} }} }}",
                          {"i": {"accountId": acct, "itemId": dear["id"], "idempotencyKey": uuid.uuid4().hex}}, token=fukang)
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_POINTS"
    assert await count(db, TimeBankEntry) == entries
    assert await balance(gql, fukang, acct) == 15
    # The last unit of stock, then none left.
    await op(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "idempotencyKey": uuid.uuid4().hex}, REDEMPTION)
    assert await op_err(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"],
                                                                "idempotencyKey": uuid.uuid4().hex}) == "OUT_OF_STOCK"
    # An inactive item cannot be redeemed; a stale version cannot change it.
    upd = (await op(gql, fukang, "updateCatalogueItem", "UpdateCatalogueItemInput", {"id": dear["id"], "version": dear["version"],
                                                                                       "active": False, "price": 5}, f"item {{ {ITEM} }}"))["item"]
    assert upd["active"] is False and upd["version"] == dear["version"] + 1
    assert await op_err(gql, fukang, "updateCatalogueItem", "UpdateCatalogueItemInput", {"id": dear["id"], "version": dear["version"],
                                                                                          "active": True}) == "CONFLICT"
    assert await op_err(gql, fukang, "redeem", "RedeemInput", {"accountId": acct, "itemId": dear["id"],
                                                                "idempotencyKey": uuid.uuid4().hex}) == "INVALID_TRANSITION"
    # The volunteer itself: only its own account.
    mine = (await gql.ok(f"{{ myTimeBank {{ {ACCOUNT} }} }}", token=tokens["volunteer"]))["myTimeBank"]
    towel = next(i for i in (await gql.ok("query($c: ID!) { catalogue(communityId: $c) { id name price } }", {"c": c},
                                          token=tokens["volunteer"]))["catalogue"] if i["name"] == "毛巾")
    assert await op_err(gql, tokens["volunteer"], "redeem", "RedeemInput", {"accountId": acct, "itemId": towel["id"],
                                                                             "idempotencyKey": uuid.uuid4().hex}) == "FORBIDDEN"
    own = await op(gql, tokens["volunteer"], "redeem", "RedeemInput", {"itemId": towel["id"], "idempotencyKey": uuid.uuid4().hex}, REDEMPTION)
    assert own["account"]["id"] == mine["id"] and own["account"]["balance"] == mine["balance"] - towel["price"]
    history = (await gql.ok("{ myTimeBank { redemptions(first: 5) { edges { node { id item { name } } } } } }",
                            token=tokens["volunteer"]))["myTimeBank"]["redemptions"]["edges"]
    assert history[0]["node"]["id"] == own["redemption"]["id"] and history[0]["node"]["item"]["name"] == "毛巾"
    await assert_books(db)


async def test_reversing_entries(gql: Any, tokens: dict[str, str], db: Any) -> None:
    w = await worker(db, gql, "胜利路社区")
    c = to_global_id("Community", await community_pk(db, "胜利路社区"))
    v = await register(gql, w, c, "孙丽娟")
    acct = v["account"]["id"]
    s1 = await credit(gql, w, c, [v["id"]], 60)
    s2 = await credit(gql, w, c, [v["id"]], 60)
    item = (await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput",
                     {"communityId": c, "name": "大米", "kind": "ITEM", "price": 15, "stock": 5}, f"item {{ {ITEM} }}"))["item"]
    r = await op(gql, w, "redeem", "RedeemInput", {"accountId": acct, "itemId": item["id"], "idempotencyKey": uuid.uuid4().hex}, REDEMPTION)
    assert r["account"]["balance"] == 5 and r["redemption"]["item"]["stock"] == 4

    # A credit whose points were spent cannot be reversed (the balance would go negative).
    assert await op_err(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": s1["entry"]["id"], "reason": "重复录入"}) == "INSUFFICIENT_POINTS"
    assert await op_err(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": r["redemption"]["entry"]["id"], "reason": " "}) == "BAD_USER_INPUT"
    # Reverse the redemption: points and stock come back.
    rev = (await op(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": r["redemption"]["entry"]["id"], "reason": "居民未领取"},
                    "entry { id kind memo reverses { id } lines { amount } }"))["entry"]
    assert rev["kind"] == "REVERSAL" and rev["reverses"]["id"] == r["redemption"]["entry"]["id"]
    assert sorted(l["amount"] for l in rev["lines"]) == [-15, 15]
    assert await balance(gql, w, acct) == 20
    stock = (await gql.ok("query($c: ID!) { catalogue(communityId: $c) { id stock } }", {"c": c}, token=w))["catalogue"]
    assert next(i["stock"] for i in stock if i["id"] == item["id"]) == 5
    # Once only; a reversal is not reversed.
    assert await op_err(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": r["redemption"]["entry"]["id"], "reason": "再次"}) == "INVALID_TRANSITION"
    assert await op_err(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": rev["id"], "reason": "撤销冲正"}) == "INVALID_TRANSITION"
    # Now the credit can be reversed; its service is REVERSED and cannot be confirmed again.
    await op(gql, w, "reverseEntry", "ReverseEntryInput", {"entryId": s2["entry"]["id"], "reason": "服务未实际开展"}, "entry { id }")
    assert await balance(gql, w, acct) == 10
    svc = (await gql.ok("query($id: ID!) { node(id: $id) { ... on ServiceRecord { state entry { reversedBy { kind } } } } }",
                        {"id": s2["id"]}, token=w))["node"]
    assert svc["state"] == "REVERSED" and svc["entry"]["reversedBy"]["kind"] == "REVERSAL"
    assert await op_err(gql, w, "confirmService", "ServiceStepInput", {"id": s2["id"]}) == "INVALID_TRANSITION"
    # Entries stay as they were: the original lines are untouched.
    async with db.read() as conn:
        original = (await conn.execute(select(TimeBankLine.amount).where(
            TimeBankLine.entry_id == from_global_id(s2["entry"]["id"])[1]).order_by(TimeBankLine.amount))).scalars().all()
    assert original == [-10, 10]
    # Another community's worker cannot reverse it.
    other = await worker(db, gql, "塔山社区")
    assert await op_err(gql, other, "reverseEntry", "ReverseEntryInput", {"entryId": s1["entry"]["id"], "reason": "x"}) == "FORBIDDEN"
    await assert_books(db)


async def test_permissions_per_role(gql: Any, tokens: dict[str, str], db: Any) -> None:
    dahaiyang_pk = await community_pk(db, "大海阳社区")
    dahaiyang = to_global_id("Community", dahaiyang_pk)
    futai = to_global_id("Community", await community_pk(db, "福泰社区"))
    own = await worker(db, gql, "大海阳社区")
    listing = "query($c: ID!) { volunteers(filter: {communityId: $c}, first: 100) { totalCount edges { node { id name phone view account { id } } } } }"

    whole = (await gql.ok(listing, {"c": dahaiyang}, token=own))["volunteers"]
    assert whole["totalCount"] >= 8 and all(e["node"]["view"] == "WHOLE" for e in whole["edges"])
    async with db.read() as conn:
        real = (await conn.execute(select(Volunteer.name, Volunteer.phone).where(Volunteer.community_id == dahaiyang_pk))).all()
    assert {(e["node"]["name"], e["node"]["phone"]) for e in whole["edges"]} == {tuple(r) for r in real}
    # The center, the district leader and the admin read everything, masked.
    for reader in ("dispatcher", "district", "admin"):
        seen = (await gql.ok(listing, {"c": dahaiyang}, token=tokens[reader]))["volunteers"]
        assert seen["totalCount"] == whole["totalCount"]
        assert all(e["node"]["view"] == "MASKED" and "*" in e["node"]["phone"] for e in seen["edges"])
        await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { total } }", {"c": dahaiyang}, token=tokens[reader])
    # The street officer (幸福街道) reads 福泰社区 but not 大海阳社区.
    assert (await gql.ok(listing, {"c": dahaiyang}, token=tokens["street"]))["volunteers"]["totalCount"] == 0
    await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { total } }", {"c": futai}, token=tokens["street"])
    books_q = "query($c: ID!) { timeBankBooks(communityId: $c) { total } }"
    for who in ("street", "partner", "grid", "volunteer", "community", "evaluator"):
        body = await gql.post(books_q, {"c": dahaiyang}, token=tokens[who])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
    # A partner sees nothing: no volunteers, no catalogue, no accounts.
    assert (await gql.ok(listing, {"c": dahaiyang}, token=tokens["partner"]))["volunteers"]["totalCount"] == 0
    body = await gql.post("query($c: ID!) { catalogue(communityId: $c) { id } }", {"c": dahaiyang}, token=tokens["partner"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    some_account = whole["edges"][0]["node"]["account"]["id"]
    for who in ("partner", "volunteer", "community", "street"):
        assert (await gql.ok("query($id: ID!) { timeBankAccount(id: $id) { id } }", {"id": some_account}, token=tokens[who]))["timeBankAccount"] is None
        assert (await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": some_account}, token=tokens[who]))["node"] is None
    # The volunteer: only itself in the list, the catalogue of its own community only.
    mine = (await gql.ok("{ volunteers(first: 100) { edges { node { id view } } } }", token=tokens["volunteer"]))["volunteers"]["edges"]
    assert len(mine) == 1 and mine[0]["node"]["view"] == "WHOLE"
    body = await gql.post("query($c: ID!) { catalogue(communityId: $c) { id } }", {"c": dahaiyang}, token=tokens["volunteer"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Writes: the community's own workers only — not the center, not another community, not a partner.
    for who in ("dispatcher", "admin", "district", "community", "partner", "volunteer", "street"):
        assert await op_err(gql, tokens[who], "registerVolunteer", "RegisterVolunteerInput", {"communityId": dahaiyang, "name": "某人"}) == "FORBIDDEN", who
        assert await op_err(gql, tokens[who], "addCatalogueItem", "AddCatalogueItemInput",
                            {"communityId": dahaiyang, "name": "某物", "kind": "ITEM", "price": 10}) == "FORBIDDEN", who
    # Unauthenticated.
    body = await gql.post("{ myTimeBank { id } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Teams: the community's worker and the center see them with members; members masked for the center.
    teams = (await gql.ok("query($c: ID!) { volunteerTeams(communityId: $c) { name members { volunteer { view } } } }",
                          {"c": dahaiyang}, token=tokens["dispatcher"]))["volunteerTeams"]
    assert {t["name"] for t in teams} >= {"大海阳志愿服务队", "璜山北片区巡逻队"}
    assert all(m["volunteer"]["view"] == "MASKED" for t in teams for m in t["members"])


async def test_bad_input_writes_nothing(gql: Any, tokens: dict[str, str], db: Any) -> None:
    w = await worker(db, gql, "福泰社区")
    c = to_global_id("Community", await community_pk(db, "福泰社区"))
    before = {m: await count(db, m) for m in (Volunteer, VolunteerTeam, ServiceRecord, CatalogueItem, TimeBankEntry, TimeBankAccount)}
    # The community's ISSUED account is made by its first credit: another test may have made it already.
    issued_before = await count(db, TimeBankAccount, TimeBankAccount.community_id == await community_pk(db, "福泰社区"),
                                TimeBankAccount.kind == "ISSUED")
    future = (date.today() + timedelta(days=2)).isoformat()
    cases = [
        ("registerVolunteer", "RegisterVolunteerInput", {"communityId": c, "name": "张三", "phone": "12345"}),
        ("registerVolunteer", "RegisterVolunteerInput", {"communityId": c, "name": "   "}),
        ("registerVolunteer", "RegisterVolunteerInput", {"communityId": "not-an-id", "name": "张三"}),
        ("registerVolunteer", "RegisterVolunteerInput", {"communityId": c, "name": "张三", "userId": to_global_id("User", 1)}),
        ("createVolunteerTeam", "CreateVolunteerTeamInput", {"communityId": c, "name": "队", "memberIds": [to_global_id("Volunteer", 1)]}),
        ("recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": TODAY, "minutes": 0, "volunteerIds": []}),
        ("recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": future, "minutes": 30, "volunteerIds": []}),
        ("recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": TODAY, "minutes": 30, "volunteerIds": []}),
        ("addCatalogueItem", "AddCatalogueItemInput", {"communityId": c, "name": "x", "kind": "ITEM", "price": 0}),
        ("addCatalogueItem", "AddCatalogueItemInput", {"communityId": c, "name": "x", "kind": "ITEM", "price": 10, "stock": -1}),
        ("setTimeBankRate", "SetTimeBankRateInput", {"communityId": c, "unitsPerHour": 0}),
    ]
    for name, input_type, payload in cases:
        assert await op_err(gql, w, name, input_type, payload) == "BAD_USER_INPUT", (name, payload)
    # A service of a volunteer of another community; a redemption with a bad key or quantity.
    dahaiyang_volunteer = (await gql.ok("{ volunteers(first: 1) { edges { node { id account { id } } } } }",
                                        token=tokens["dispatcher"]))["volunteers"]["edges"][0]["node"]
    assert await op_err(gql, w, "recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": TODAY,
                                                                         "minutes": 30, "volunteerIds": [dahaiyang_volunteer["id"]]}) == "BAD_USER_INPUT"
    v = await register(gql, w, c, "周桂兰")
    await credit(gql, w, c, [v["id"]], 60)
    item = (await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput", {"communityId": c, "name": "量血压", "kind": "SERVICE", "price": 5},
                     f"item {{ {ITEM} }}"))["item"]
    assert await op_err(gql, w, "addCatalogueItem", "AddCatalogueItemInput", {"communityId": c, "name": "量血压", "kind": "SERVICE", "price": 5}) == "BAD_USER_INPUT"
    after_setup = await count(db, TimeBankEntry)
    for bad in ({"quantity": 0, "idempotencyKey": uuid.uuid4().hex}, {"quantity": 100, "idempotencyKey": uuid.uuid4().hex},
                {"idempotencyKey": "short"}, {"idempotencyKey": uuid.uuid4().hex, "accountId": None}):
        payload = {"accountId": v["account"]["id"], "itemId": item["id"], **bad}
        assert await op_err(gql, w, "redeem", "RedeemInput", payload) == "BAD_USER_INPUT", bad
    # An item of another community, an account of another community.
    other_item = (await gql.ok("query($c: ID!) { catalogue(communityId: $c) { id } }",
                               {"c": to_global_id("Community", await community_pk(db, "大海阳社区"))}, token=tokens["dispatcher"]))["catalogue"][0]["id"]
    assert await op_err(gql, w, "redeem", "RedeemInput", {"accountId": v["account"]["id"], "itemId": other_item,
                                                           "idempotencyKey": uuid.uuid4().hex}) == "NOT_FOUND"
    assert await op_err(gql, w, "redeem", "RedeemInput", {"accountId": dahaiyang_volunteer["account"]["id"], "itemId": item["id"],
                                                           "idempotencyKey": uuid.uuid4().hex}) == "FORBIDDEN"
    assert await count(db, TimeBankEntry) == after_setup
    assert await count(db, Volunteer) == before[Volunteer] + 1
    assert await count(db, VolunteerTeam) == before[VolunteerTeam]
    assert await count(db, ServiceRecord) == before[ServiceRecord] + 1
    assert await count(db, CatalogueItem) == before[CatalogueItem] + 1
    # The volunteer's account, and the community's ISSUED account unless it existed.
    assert await count(db, TimeBankAccount) == before[TimeBankAccount] + 1 + (0 if issued_before else 1)
    await assert_books(db)


async def test_volunteer_update_retire_and_audit(gql: Any, tokens: dict[str, str], db: Any) -> None:
    from db.models import AuditEntry

    w = await worker(db, gql, "塔山社区")
    c = to_global_id("Community", await community_pk(db, "塔山社区"))
    v = await register(gql, w, c, "冯玉梅", phone="13700004444")
    await credit(gql, w, c, [v["id"]], 120)
    earned = await balance(gql, w, v["account"]["id"])  # at the community's rate
    assert earned > 0
    item = (await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput", {"communityId": c, "name": "修伞修鞋", "kind": "SERVICE", "price": 5},
                     "item { id }"))["item"]
    fields = "volunteer { id name phone active version }"
    changed = (await op(gql, w, "updateVolunteer", "UpdateVolunteerInput", {"id": v["id"], "version": 1, "phone": "13700005555"}, fields))["volunteer"]
    assert changed["phone"] == "13700005555" and changed["version"] == 2
    assert await op_err(gql, w, "updateVolunteer", "UpdateVolunteerInput", {"id": v["id"], "version": 1, "active": False}) == "CONFLICT"
    assert await op_err(gql, w, "updateVolunteer", "UpdateVolunteerInput", {"id": v["id"], "phone": "abc"}) == "BAD_USER_INPUT"
    assert await op_err(gql, tokens["dispatcher"], "updateVolunteer", "UpdateVolunteerInput", {"id": v["id"], "active": False}) == "FORBIDDEN"
    retired = (await op(gql, w, "updateVolunteer", "UpdateVolunteerInput", {"id": v["id"], "version": 2, "active": False}, fields))["volunteer"]
    assert retired["active"] is False
    # A retired volunteer earns and redeems nothing; the account and its points stay.
    assert await op_err(gql, w, "recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": TODAY,
                                                                         "minutes": 60, "volunteerIds": [v["id"]]}) == "BAD_USER_INPUT"
    assert await op_err(gql, w, "redeem", "RedeemInput", {"accountId": v["account"]["id"], "itemId": item["id"],
                                                           "idempotencyKey": uuid.uuid4().hex}) == "INVALID_TRANSITION"
    assert await balance(gql, w, v["account"]["id"]) == earned

    # Whole reads by the community's workers are audited; masked reads by the center are not.
    async def audited() -> int:
        async with db.read() as conn:
            return (await conn.execute(select(func.count()).select_from(AuditEntry.__table__).where(
                AuditEntry.__table__.c.target == "Volunteer"))).scalar_one()

    before = await audited()
    node = (await gql.ok("query($id: ID!) { node(id: $id) { ... on Volunteer { name phone view } } }", {"id": v["id"]}, token=w))["node"]
    assert node == {"name": "冯玉梅", "phone": "13700005555", "view": "WHOLE"}
    assert await audited() == before + 1
    masked = (await gql.ok("query($id: ID!) { node(id: $id) { ... on Volunteer { name phone view } } }", {"id": v["id"]},
                           token=tokens["dispatcher"]))["node"]
    assert masked == {"name": "冯**", "phone": "137****5555", "view": "MASKED"}
    assert await audited() == before + 1
    assert (await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": v["id"]}, token=tokens["partner"]))["node"] is None
    await assert_books(db)


async def test_service_for_a_request(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """A service answering a resident's request of the community (e.g. a PRIVATE request of kind
    RESOURCE given to a volunteer team) is linked to it; a request of another community is refused."""
    from tests.loop_helpers import Loop, qr_token_in

    loop = Loop(gql, dict(tokens))
    mine = (await loop.submit(None, qrToken=await qr_token_in(db, "塔山社区", 7), text="独居老人家中灯泡坏了,需要志愿者帮忙更换"))["request"]
    theirs = (await loop.submit(None, qrToken=await qr_token_in(db, "大海阳社区", 7), text="楼道灯不亮"))["request"]
    w = await worker(db, gql, "塔山社区")
    c = to_global_id("Community", await community_pk(db, "塔山社区"))
    v = await register(gql, w, c, "陈立军", skills="水电维修")
    rec = (await op(gql, w, "recordService", "RecordServiceInput", {"communityId": c, "description": "上门更换灯泡", "servedOn": TODAY,
                                                                     "minutes": 30, "volunteerIds": [v["id"]], "requestId": mine["id"]},
                    "service { id requestId }"))["service"]
    assert rec["requestId"] == mine["id"]
    assert await op_err(gql, w, "recordService", "RecordServiceInput", {"communityId": c, "description": "x", "servedOn": TODAY, "minutes": 30,
                                                                         "volunteerIds": [v["id"]], "requestId": theirs["id"]}) == "BAD_USER_INPUT"
