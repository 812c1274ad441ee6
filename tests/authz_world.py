"""The objects the authorisation matrix points at, in zones (tests/authz_policy.py):

* H — 福泰社区 of 幸福街道: the demo `community`, `grid`, `leader` and `street` logins' own places;
  requests reported by `leader` at its building and dispatched to 区城市管理局 (`department`);
* A — 胜利路社区 of 向阳街道, 公安芝罘分局: no demo login holds anything here;
* P — 大海阳社区's tasks for 烟台市排水处养管所 (the demo `partner`);
* V — 三里桥社区, the demo `volunteer`'s own record, account and catalogue;
* F — the demo `fieldhead`'s field in 上夼西路社区.

Everything is made through the public API by the demo logins, or by helper logins of the A zone
(a worker of 胜利路社区, an officer of 向阳街道, a handler of 公安芝罘分局, …) created here, so
each object is in the state its mutations need: a SUBMITTED request to triage, a DISPATCHED one
to accept, a PLANNED meeting to hold, and so on.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from graphql import get_named_type
from sqlalchemy import func, select

from db.models import (
    Building,
    Community,
    CoTaskEvent,
    Department,
    DualReport,
    Grid,
    PartnerUnit,
    RequestEvent,
    Resident,
    Street,
    StreetSection,
    Subcategory,
    SurveyCampaign,
    SurveyRespondent,
    User,
    Volunteer,
)
from db.models import Category, FieldTeam
from schema.ids import from_global_id, to_global_id
from tests.partner_helpers import user_with_scope

TODAY = datetime.now(timezone.utc).date().isoformat()


class Maker:
    """Calls mutations as a given login and returns the payload, asserting success."""

    def __init__(self, gql: Any) -> None:
        self.gql = gql

    async def __call__(self, token: str | None, name: str, input: dict, fields: str) -> dict:
        from schema import schema

        type_name = get_named_type(schema._schema.mutation_type.fields[name].args["input"].type).name
        body = await self.gql.post(f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
        assert "errors" not in body, (name, input, body.get("errors"))
        return body["data"][name]


class World:
    """`values[key]` is either one value for every zone or a dict zone → value."""

    def __init__(self, mark: str, make: Maker) -> None:
        self.mark, self.make = mark, make  # `make`: mutations that must succeed
        self.values: dict[str, Any] = {"mark": mark}
        self.helpers: dict[str, str] = {}  # tokens of the helper logins

    def put(self, key: str, zone: str | None, value: Any) -> None:
        if zone is None:
            self.values[key] = value
        else:
            self.values.setdefault(key, {})[zone] = value

    def zones(self, key: str) -> set[str] | None:
        v = self.values[key]
        return set(v) if isinstance(v, dict) else None

    def get(self, key: str, zone: str) -> Any:
        v = self.values[key]
        return v[zone] if isinstance(v, dict) else v


async def _pk(db: Any, model: Any, *where: Any, order: Any = None, offset: int = 0) -> int:
    t = model.__table__
    async with db.read() as conn:
        return (await conn.execute(select(t.c.id).where(*where).order_by(order if order is not None else t.c.id)
                                   .offset(offset).limit(1))).scalar_one()


RQ = "request { id version trackingCode state }"
TASK = "task { id version }"
MEETING = "meeting { id version state participants { id } }"
VOLUNTEER = "volunteer { id version account { id } }"
SERVICE = "service { id version entry { id } }"
PROJECT = "project { id version state }"


class Builder:
    """Makes the world one domain at a time; each step reads what the earlier ones put."""

    def __init__(self, db: Any, gql: Any, tokens: dict[str, str]) -> None:
        self.db, self.gql, self.tk = db, gql, tokens
        self.make = Maker(gql)
        self.w = World("授权" + uuid.uuid4().hex[:8], self.make)
        self.pk: dict[str, int] = {}  # raw ids the steps share
        self.h: dict[str, str] = {}  # helper logins

    async def build(self) -> World:
        for step in (self.places, self.helpers, self.requests, self.tasks, self.meetings, self.timebank, self.society, self.the_rest):
            await step()
        return self.w

    async def places(self) -> None:
        db, w, g = self.db, self.w, to_global_id
        C, B, S = Community.__table__.c, Building.__table__.c, Street.__table__.c
        pk = self.pk
        for key, name in (("futai", "福泰社区"), ("shengli", "胜利路社区"), ("dahaiyang", "大海阳社区"), ("sanliqiao", "三里桥社区")):
            pk[key] = await _pk(db, Community, C.name == name)
        pk["xingfu"] = await _pk(db, Street, S.name == "幸福街道")
        async with db.read() as conn:
            pk["xiangyang"] = (await conn.execute(select(C.street_id).where(C.id == pk["shengli"]))).scalar_one()
        for zone, key in (("H", "futai"), ("A", "shengli"), ("P", "dahaiyang"), ("V", "sanliqiao")):
            w.put("community", zone, g("Community", pk[key]))
        w.put("street", "H", g("Street", pk["xingfu"]))
        w.put("street", "A", g("Street", pk["xiangyang"]))
        scopes = {login: (await self.gql.ok("{ me { scopes { kind refId } } }", token=self.tk[login]))["me"]["scopes"]
                  for login in ("leader", "grid", "fieldhead")}
        grid_a = await _pk(db, Grid, Grid.__table__.c.community_id == pk["shengli"])
        w.put("grid", "H", scopes["grid"][0]["refId"])
        w.put("grid", "A", g("Grid", grid_a))
        buildings = {"H": from_global_id(scopes["leader"][0]["refId"])[1],
                     "A": await _pk(db, Building, B.community_id == pk["shengli"], B.grid_id == grid_a),
                     "F": await _pk(db, Building, B.field_id == from_global_id(scopes["fieldhead"][0]["refId"])[1])}
        R = Resident.__table__.c
        for zone, building in buildings.items():
            w.put("building", zone, g("Building", building))
            async with db.read() as conn:
                w.put("qrToken", zone, (await conn.execute(select(B.qr_token).where(B.id == building))).scalar_one())
                resident = (await conn.execute(select(R.id).where(R.building_id == building).order_by(R.id).limit(1))).scalar_one()
            w.put("resident", zone, g("Resident", resident))
        # Spare buildings whose QR token an allowed rotateBuildingQrToken may really replace.
        w.put("rotateBuilding", "H", g("Building", await _pk(db, Building, B.community_id == pk["futai"], offset=90)))
        w.put("rotateBuilding", "A", g("Building", await _pk(db, Building, B.community_id == pk["shengli"], offset=90)))
        D, SS, PU = Department.__table__.c, StreetSection.__table__.c, PartnerUnit.__table__.c
        pk["police"] = await _pk(db, Department, D.name == "公安芝罘分局")
        w.put("department", "H", g("Department", await _pk(db, Department, D.name == "区城市管理局")))
        w.put("department", "A", g("Department", pk["police"]))
        w.put("section", "H", g("StreetSection", await _pk(db, StreetSection, SS.street_id == pk["xingfu"], SS.active.is_(True))))
        w.put("section", "A", g("StreetSection", await _pk(db, StreetSection, SS.street_id == pk["xiangyang"], SS.active.is_(True))))
        for zone, name in (("H", "福泰物业服务有限公司"), ("A", "胜利路商圈联合党支部"), ("P", "烟台市排水处养管所")):
            pk[f"unit.{zone}"] = await _pk(db, PartnerUnit, PU.name == name)
            w.put("partnerUnit", zone, g("PartnerUnit", pk[f"unit.{zone}"]))
        w.put("subcategory", None, g("Subcategory", await _pk(db, Subcategory, Subcategory.__table__.c.name == "私搭乱建")))
        w.put("category", None, g("Category", await _pk(db, Category)))
        for key, type_name in (("nobody", "User"), ("nodept", "Department"), ("nosub", "Subcategory"), ("nounit", "PartnerUnit")):
            w.put(key, None, g(type_name, 987654321))
        # Well-formed new names for the refused creations (which must fail on the permission alone).
        w.put("openid", None, "o" + uuid.uuid4().hex[:27])
        w.put("regNo", None, f"REG-{uuid.uuid4().hex[:10].upper()}")
        w.put("username", None, f"t-authz-{uuid.uuid4().hex[:8]}")
        w.put("code", None, f"AUTHZ_{uuid.uuid4().hex[:6].upper()}")

    async def helpers(self) -> None:
        """Logins for the A zone (no demo login holds it) and for the partner units of H and A."""
        db, gql, pk = self.db, self.gql, self.pk
        self.w.helpers = self.h = {
            "community_a": await user_with_scope(db, gql, "COMMUNITY_WORKER", "COMMUNITY", pk["shengli"], "胜利路社区工作站"),
            "community_v": await user_with_scope(db, gql, "COMMUNITY_WORKER", "COMMUNITY", pk["sanliqiao"], "三里桥社区工作站"),
            "street_a": await user_with_scope(db, gql, "STREET_OFFICER", "STREET", pk["xiangyang"], "向阳街道分中心"),
            "department_a": await user_with_scope(db, gql, "DEPARTMENT_HANDLER", "DEPARTMENT", pk["police"], "公安芝罘分局"),
            "partner_h": await user_with_scope(db, gql, "PARTNER", "PARTNER", pk["unit.H"], "福泰物业"),
            "partner_a": await user_with_scope(db, gql, "PARTNER", "PARTNER", pk["unit.A"], "胜利路商圈"),
        }
        # Where the subscriptions replay from: everything after this.
        async with db.read() as conn:
            for key, table in (("cursor", RequestEvent.__table__), ("taskCursor", CoTaskEvent.__table__)):
                self.w.put(key, None, str((await conn.execute(select(func.coalesce(func.max(table.c.seq), 0)))).scalar_one()))

    async def requests(self) -> None:
        """Requests in every state a mutation needs, in H (reported by `leader`, dispatched to 区城市管理局,
        disputed to 幸福街道) and A (胜利路社区, 公安芝罘分局, 向阳街道); and one the field head reported."""
        w, tk, h, make = self.w, self.tk, self.h, self.make
        people = {
            "H": dict(reporter=tk["leader"], submit=dict(channel="BUILDING_LEADER", buildingId=w.get("building", "H")),
                      department=tk["department"], street=tk["street"]),
            "A": dict(reporter=h["community_a"], submit=dict(channel="HOTLINE", buildingId=w.get("building", "A")),
                      department=h["department_a"], street=h["street_a"]),
        }

        async def step(token: str, name: str, r: dict, **extra: Any) -> dict:
            return (await make(token, name, {"id": r["id"], "version": r["version"], **extra}, RQ))["request"]

        for zone, who in people.items():
            async def submit(label: str) -> dict:
                return (await make(who["reporter"], "submitRequest", {"text": f"{w.mark} {label}:楼道堆放杂物", "contactName": "王小明",
                                                                      "contactPhone": "13912345678", **who["submit"]}, RQ))["request"]

            async def triaged(label: str, scope: str) -> dict:
                return await step(tk["dispatcher"], "triageRequest", await submit(label), scope=scope,
                                  subcategoryId=w.get("subcategory", zone), note="")

            async def dispatched(label: str) -> dict:
                return await step(tk["dispatcher"], "dispatchRequest", await triaged(label, "MAJOR"),
                                  lead={"id": w.get("department", zone)}, coHandlers=[], note="")

            async def disputed_twice(label: str) -> dict:
                r = await step(who["department"], "disputeRequest", await dispatched(label), reason="非本部门职责")
                r = await step(who["street"], "redispatchRequest", r, lead={"id": w.get("section", zone)}, coHandlers=[], note="")
                return await step(who["street"], "disputeRequest", r, reason="仍非职责")

            states = {
                "SUBMITTED": await submit("待分类"),
                "SUBMITTED2": await submit("待合并"),
                "MINOR": await triaged("小事", "MINOR"),
                "PRIVATE": await triaged("私事", "PRIVATE"),
                "MAJOR": await triaged("大事", "MAJOR"),
                "DISPATCHED": await dispatched("已派单"),
                "DISPUTED1": await step(who["department"], "disputeRequest", await dispatched("有异议"), reason="非本部门职责"),
                "DISPUTED2": await disputed_twice("二次异议"),
                "ESCALATED": await step(who["street"], "escalateRequest", await disputed_twice("提级"), jointExplanation="联合说明"),
                "ACCEPTED": await step(who["department"], "acceptRequest", await dispatched("已受理"), note=""),
            }
            resolved = await step(who["department"], "acceptRequest", await dispatched("已办结"), note="")
            states["RESOLVED"] = await step(who["department"], "resolveRequest", resolved, resolution="已清理")
            states["SEEN"] = states["DISPATCHED"]  # what every in-scope reader sees
            for name, r in states.items():
                w.put(f"rq.{name}", zone, r["id"])
                w.put(f"rq.{name}.version", zone, r["version"])
                w.put(f"rq.{name}.code", zone, r["trackingCode"])
        seen_f = (await make(tk["fieldhead"], "submitRequest", {"text": f"{w.mark} 田长随手拍", "channel": "SNAPSHOT",
                                                                "buildingId": w.get("building", "F")}, RQ))["request"]
        w.put("rq.SEEN", "F", seen_f["id"])
        w.put("rq.SEEN.code", "F", seen_f["trackingCode"])

    async def tasks(self) -> None:
        """Co-building tasks with a part open, accepted and finished, in H (福泰物业), P (the demo
        partner's 大海阳 tasks) and A (胜利路商圈)."""
        w, tk, h, make = self.w, self.tk, self.h, self.make
        partner_of = {"H": h["partner_h"], "A": h["partner_a"], "P": tk["partner"]}
        creator = {"H": tk["community"], "A": h["community_a"], "P": tk["dispatcher"]}
        for zone in ("H", "A", "P"):
            async def task(label: str) -> dict:
                return (await make(creator[zone], "createCoTask", {"communityId": w.get("community", zone), "title": f"{w.mark} {label}",
                                                                   "ask": "请协助", "partnerUnitIds": [w.get("partnerUnit", zone)]}, TASK))["task"]

            async def part(name: str, t: dict, **extra: Any) -> dict:
                return (await make(partner_of[zone], name, {"id": t["id"], "version": t["version"], **extra}, TASK))["task"]

            states = {"OPEN": await task("待接受"), "ACCEPTED": await part("acceptCoTask", await task("进行中"))}
            states["FINISHED"] = await part("finishCoTaskPart", await part("acceptCoTask", await task("已完成部分")), text="已疏通")
            for name, t in states.items():
                w.put(f"task.{name}", zone, t["id"])
                w.put(f"task.{name}.version", zone, t["version"])
        DR = DualReport.__table__.c
        w.put("dualReport", "H", to_global_id("DualReport", await _pk(self.db, DualReport, DR.community_id == self.pk["futai"])))
        w.put("dualReport", "A", to_global_id("DualReport", await _pk(self.db, DualReport, DR.community_id == self.pk["shengli"])))

    async def meetings(self) -> None:
        """A planned meeting; a held one with an undecided topic and a participant; an agreed topic
        with an open follow-up — in H and A."""
        w, make = self.w, self.make
        soon = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
        for zone, runner in (("H", self.tk["community"]), ("A", self.h["community_a"])):
            async def meeting(label: str) -> dict:
                return (await make(runner, "scheduleMeeting", {"communityId": w.get("community", zone), "kind": "ROUND_TABLE",
                                                               "title": f"{w.mark} {label}", "scheduledAt": soon, "place": "活动室"},
                                   MEETING))["meeting"]

            async def topic(m: dict, title: str) -> tuple[dict, str]:
                out = await make(runner, "addMeetingTopic", {"meetingId": m["id"], "title": title, "description": "", "requestIds": []},
                                 f"topic {{ id }} {MEETING}")
                return out["meeting"], out["topic"]["id"]

            async def hold(m: dict) -> dict:
                return (await make(runner, "holdMeeting", {"meetingId": m["id"], "version": m["version"]}, MEETING))["meeting"]

            planned = await meeting("待召开")
            held, pending_topic = await topic(await meeting("已召开"), "待议")
            held = (await make(runner, "setParticipants", {"meetingId": held["id"], "version": held["version"], "participants": [
                {"kind": "RESIDENT_REPRESENTATIVE", "name": "居民代表", "organisation": "", "attended": False}]}, MEETING))["meeting"]
            held = await hold(held)
            agreed, agreed_topic = await topic(await meeting("已议定"), "已议")
            await hold(agreed)
            await make(runner, "decideTopic", {"topicId": agreed_topic, "outcome": "AGREED", "resolution": "同意", "settleRequests": False},
                       "topic { id }")
            follow = (await make(runner, "addFollowUp", {"topicId": agreed_topic, "action": "落实", "owner": "主任"},
                                 "followUp { id version }"))["followUp"]
            for key, value in (("meeting.PLANNED", planned["id"]), ("meeting.PLANNED.version", planned["version"]),
                               ("meeting.HELD", held["id"]), ("meeting.HELD.version", held["version"]),
                               ("participant", held["participants"][0]["id"]), ("topic.PENDING", pending_topic),
                               ("topic.AGREED", agreed_topic), ("followUp", follow["id"]), ("followUp.version", follow["version"])):
                w.put(key, zone, value)

    async def timebank(self) -> None:
        """Volunteers, a team, a recorded and a confirmed service (its credit entry), a catalogue item —
        in H (福泰), A (胜利路) and V (三里桥, around the demo volunteer's own record and account)."""
        db, w, make = self.db, self.w, self.make
        workers = {"H": self.tk["community"], "A": self.h["community_a"], "V": self.h["community_v"]}
        V = Volunteer.__table__.c
        for zone, token in workers.items():
            community = w.get("community", zone)
            if zone == "V":
                uid = await _pk(db, User, User.__table__.c.username == "volunteer")
                async with db.read() as conn:
                    row = (await conn.execute(select(V.id, V.version).where(V.user_id == uid))).one()
                v1 = {"id": to_global_id("Volunteer", row.id), "version": row.version,
                      "account": (await self.gql.ok("{ myTimeBank { id } }", token=self.tk["volunteer"]))["myTimeBank"]}
            else:
                v1 = (await make(token, "registerVolunteer", {"communityId": community, "name": "志愿者甲", "phone": "13800001111"},
                                 VOLUNTEER))["volunteer"]
            v2 = (await make(token, "registerVolunteer", {"communityId": community, "name": "志愿者乙"}, VOLUNTEER))["volunteer"]
            team = (await make(token, "createVolunteerTeam", {"communityId": community, "name": f"{w.mark} 服务队"}, "team { id }"))["team"]

            async def service(label: str, minutes: int) -> dict:
                return (await make(token, "recordService", {"communityId": community, "description": f"{w.mark} {label}", "servedOn": TODAY,
                                                            "minutes": minutes, "volunteerIds": [v1["id"]]}, SERVICE))["service"]

            recorded = await service("助老", 60)
            confirmed = await service("助餐", 600)
            confirmed = (await make(token, "confirmService", {"id": confirmed["id"], "version": confirmed["version"]}, SERVICE))["service"]
            item = (await make(token, "addCatalogueItem", {"communityId": community, "name": f"{w.mark} 理发", "kind": "SERVICE", "price": 1},
                               "item { id version }"))["item"]
            for key, value in (("volunteer", v1["id"]), ("volunteer.version", v1["version"]), ("volunteer2", v2["id"]),
                               ("account", v1["account"]["id"]), ("team", team["id"]), ("service.RECORDED", recorded["id"]),
                               ("service.RECORDED.version", recorded["version"]), ("service.CONFIRMED", confirmed["id"]),
                               ("entry", confirmed["entry"]["id"]), ("item", item["id"]), ("item.version", item["version"])):
                w.put(key, zone, value)
        w.put("foreignVolunteer", None, w.get("volunteer", "V"))  # not of H's community

    async def society(self) -> None:
        """A fund of a year nobody else uses, an agency, and projects proposed, awarded and running in H and A."""
        w, tk, make = self.w, self.tk, self.make
        fund = (await make(tk["admin"], "setFundBudget", {"kind": "ANNUAL_ALLOCATION", "year": 2043, "budget": "1000000"}, "fund { id }"))["fund"]
        org = (await make(tk["dispatcher"], "createSocialOrganisation", {"kind": "SOCIAL_WORK_AGENCY", "name": f"{w.mark} 社工机构",
                                                                         "registrationNo": f"REG-{uuid.uuid4().hex[:10].upper()}"},
                          "organisation { id version }"))["organisation"]
        w.put("fund", None, fund["id"])
        w.put("organisation", None, org["id"])
        w.put("organisation.version", None, org["version"])
        for zone, token in (("H", tk["community"]), ("A", self.h["community_a"])):
            async def propose(label: str) -> dict:
                return (await make(token, "proposeProject", {"title": f"{w.mark} {label}", "organisationId": org["id"], "fundId": fund["id"],
                                                             "requested": "1000", "communityId": w.get("community", zone)}, PROJECT))["project"]

            async def award(p: dict) -> dict:
                return (await make(tk["dispatcher"], "awardProject", {"id": p["id"], "contestKind": "VENTURE_CONTEST", "contestName": "创投",
                                                                      "contestOn": TODAY, "amount": "100", "version": p["version"]},
                                   PROJECT))["project"]

            running = await award(await propose("实施"))
            states = {"PROPOSED": await propose("申报"), "AWARDED": await award(await propose("立项")),
                      "RUNNING": (await make(token, "startProject", {"id": running["id"], "version": running["version"]}, PROJECT))["project"]}
            for name, p in states.items():
                w.put(f"project.{name}", zone, p["id"])
                w.put(f"project.{name}.version", zone, p["version"])

    async def the_rest(self) -> None:
        """The published 2025 evaluation (seeded), a user for administration to act on, an import."""
        db, w = self.db, self.w
        campaign = await _pk(db, SurveyCampaign, SurveyCampaign.__table__.c.year == 2025)
        R = SurveyRespondent.__table__.c
        w.put("campaign", None, to_global_id("SurveyCampaign", campaign))
        for zone, key in (("H", "futai"), ("A", "shengli")):
            w.put("respondent", zone, to_global_id("SurveyRespondent", await _pk(db, SurveyRespondent, R.campaign_id == campaign,
                                                                                 R.community_id == self.pk[key])))
        w.put("fieldTeam", None, to_global_id("FieldTeam", await _pk(db, FieldTeam, FieldTeam.__table__.c.campaign_id == campaign)))
        victim = await self.make(self.tk["admin"], "createUser", {"username": f"t-authz-{uuid.uuid4().hex[:8]}", "displayName": "矩阵测试",
                                                                  "role": "CENTER_DISPATCHER", "password": "Matrix-test-1"}, "account { user { id } }")
        w.put("victim", None, victim["account"]["user"]["id"])
        w.put("importJob", None, "no-such-job")
        w.put("file", None, ("streets.csv", "名称,英文名称\n测试街道,Test\n".encode(), "text/csv"))


async def build_world(db: Any, gql: Any, tokens: dict[str, str]) -> World:
    return await Builder(db, gql, tokens).build()
