"""Who may call what: the authorisation policy of every root field, written down from SPEC §3 and
the fields' own descriptions, independently of the code that enforces it.

tests/test_authz_matrix.py reads the schema and fails when a Query, Mutation or Subscription field
has no entry here (so a field added later must be classified) or when an entry names a field that
no longer exists. Keys are field names; `field#variant` keys try the same field with other
arguments (e.g. `node#Resident` is `node(id:)` on a resident).

Logins are the demo logins (SPEC §3), one per role:

    admin ADMIN · dispatcher CENTER_DISPATCHER · street STREET_OFFICER (幸福街道) ·
    community COMMUNITY_WORKER (福泰社区) · grid GRID_WORKER (two grids of 福泰) ·
    leader BUILDING_LEADER (a building of 福泰) · fieldhead FIELD_HEAD (a field of 上夼西路) ·
    department DEPARTMENT_HANDLER (区城市管理局) · district DISTRICT_LEADER ·
    partner PARTNER (烟台市排水处养管所, of 大海阳社区) · volunteer VOLUNTEER (三里桥社区) · evaluator EVALUATOR

A rule names the logins allowed *everywhere* and those allowed only *in scope* — on their own
place, unit, task or account (the test tries each scoped login on an object of its own and on one
of 胜利路社区 / 向阳街道 / 公安芝罘分局, which no demo login holds). Everyone else is refused:

* FORBID — the answer is FORBIDDEN (UNAUTHENTICATED when signed out);
* HIDE — the field answers "what you may see": null, an empty list, NOT_FOUND, or FORBIDDEN; the
  object named by `show` must then be absent from the answer (and present when allowed).

Arguments are templates: "@key" is the world's object for the caller's zone (tests/authz_world.py
builds the world). `spoil` is how an allowed mutation is made to stop at a domain error after the
permission check instead of changing shared data: overrides of its input (AS_IS: the input stops
there by itself; EXECUTE: run it for real, it is harmless; `runs`: the override is a no-op that
may succeed).

Decisions where SPEC §3 is silent, taken from the fields' descriptions: the organisation tree
(streets … buildings, departments, partner units, taxonomy) is public administrative information
for every signed-in login, partners and volunteers included; residents are listed (masked) by the
staff of their places — building leaders and field heads for their building or field too; ADMIN,
besides users, taxonomy and deadlines, imports registers, prints and rotates QR stickers, places
12345 orders, runs evaluation campaigns and four-society funds, and — as the meetings and
four-society modules document — may act for a community in its meetings and service projects, but
not in its big party committee (co-building tasks, partner units, dual reporting: "the community,
or the center for it"). The third-party EVALUATOR reads the evaluation and the cadence reports,
not residents' requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

LOGINS = ("admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead", "department", "district",
          "partner", "volunteer", "evaluator")
DISTRICT_WIDE = ("admin", "dispatcher", "district", "evaluator")  # no scopes: tried once
FORBID, HIDE = "FORBID", "HIDE"
STALE = {"version": 9999}  # a stale version: CONFLICT, checked after who-may
AS_IS: dict[str, Any] = {}  # the input as given already stops at a domain error (the object's state, a taken year …)
EXECUTE = None  # run for real: harmless


@dataclass(frozen=True)
class Rule:
    everywhere: frozenset[str]
    in_scope: frozenset[str] = frozenset()
    anonymous: bool = False
    refuse: str = FORBID
    args: dict[str, Any] = field(default_factory=dict)
    show: str | None = None
    sel: str | None = None
    spoil: dict[str, Any] | None = field(default_factory=lambda: dict(STALE))
    runs: bool = False  # the spoilt input is a harmless no-op that may succeed
    why: str = ""

    def allows(self, login: str | None, in_zone: bool) -> bool:
        if login is None:
            return self.anonymous
        return login in self.everywhere or (in_zone and login in self.in_scope)


def public(**kw: Any) -> Rule:
    return Rule(everywhere=frozenset(LOGINS), anonymous=True, **kw)


def signed_in(**kw: Any) -> Rule:
    return Rule(everywhere=frozenset(LOGINS), **kw)


def roles(*logins: str, everywhere: tuple[str, ...] = (), scoped: tuple[str, ...] = (), **kw: Any) -> Rule:
    assert set(logins) | set(everywhere) | set(scoped) <= set(LOGINS), (logins, everywhere, scoped)
    return Rule(everywhere=frozenset(logins) | frozenset(everywhere), in_scope=frozenset(scoped), **kw)


def i(**fields: Any) -> dict[str, Any]:
    """`input:` arguments."""
    return {"input": fields}


CENTER = ("dispatcher",)
READ_ALL = ("dispatcher", "district", "admin")  # SPEC §3: the center sees all; the district leader reads everything
# Requests: the center and the district read all; a street its street's, a community its own, a grid worker
# its grids', a department what was dispatched to it, a leader or field head what they reported (SPEC §3).
# Partners reach requests only through their tasks; volunteers and the third-party evaluator not at all.
REQUEST_READERS = dict(everywhere=READ_ALL, scoped=("street", "community", "grid", "leader", "fieldhead", "department"))
# A community's registers (partners, meetings, volunteers, time bank, projects): its workers run them (SPEC §3),
# its street and the district level read them (the fields' descriptions).
COMMUNITY_READERS = dict(everywhere=READ_ALL, scoped=("street", "community"))
MEETING_RUNNERS = ("dispatcher", "admin")
EVAL_READERS = ("admin", "dispatcher", "district", "evaluator")
KPI_ALL = ("dispatcher", "district", "admin")
_today = date.today()
TODAY, YEAR_START, YEAR = _today.isoformat(), _today.replace(month=1, day=1).isoformat(), _today.year


def _request_step(name: str, **extra: Any) -> dict[str, Any]:
    return i(id=f"@rq.{name}", version=f"@rq.{name}.version", **extra)


POLICY: dict[str, Rule] = {
    # ---------------------------------------------------------------- who am I, the organisation
    "me": public(why="the signed-in user, null when anonymous"),
    "login": public(args=i(username="dispatcher", password="demo"), spoil=EXECUTE, why="signing in is for everyone"),
    "changeMyPassword": signed_in(args=i(currentPassword="demo", newPassword="x"), spoil=AS_IS,
                                  why="any signed-in user, own password; the new one here is refused by the policy (BAD_USER_INPUT)"),
    "streets": signed_in(why="the organisation tree is public administrative information for staff"),
    "communities": signed_in(args={"filter": {"streetId": "@street"}}),
    "grids": signed_in(args={"filter": {"communityId": "@community"}}),
    "buildings": signed_in(args={"filter": {"gridId": "@grid"}}),
    "departments": signed_in(),
    "streetSections": signed_in(args={"filter": {"streetId": "@street"}}),
    "partnerUnits": signed_in(args={"filter": {"communityId": "@community"}}),
    "categories": signed_in(),
    "users": roles("admin", why="ADMIN manages users"),
    "residents": roles("dispatcher", "district", "admin", scoped=("street", "community", "grid", "leader", "fieldhead"), refuse=HIDE,
                       args={"filter": {"buildingId": "@building"}}, show="@resident",
                       why="residents of one's own places, masked but for the center"),
    "qrBuilding": public(args={"token": "@qrToken"}, why="what a resident's phone shows after scanning: nothing personal"),
    "node": roles(**REQUEST_READERS, refuse=HIDE, args={"id": "@rq.SEEN"}, show="@rq.SEEN"),
    "nodes": roles(**REQUEST_READERS, refuse=HIDE, args={"ids": ["@rq.SEEN"]}, show="@rq.SEEN"),
    "node#Resident": roles("dispatcher", "district", "admin", scoped=("street", "community", "grid", "leader", "fieldhead"), refuse=HIDE,
                           args={"id": "@resident"}, show="@resident"),
    "node#User": roles("admin", refuse=HIDE, args={"id": "@victim"}, show="@victim", why="another user's login: ADMIN only"),
    "node#CoTask": roles(*READ_ALL, scoped=("street", "community", "partner"), refuse=HIDE, args={"id": "@task.OPEN"}, show="@task.OPEN"),
    "node#DualReport": roles(**COMMUNITY_READERS, refuse=HIDE, args={"id": "@dualReport"}, show="@dualReport"),
    "node#Meeting": roles(**COMMUNITY_READERS, refuse=HIDE, args={"id": "@meeting.PLANNED"}, show="@meeting.PLANNED"),
    "node#Volunteer": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"id": "@volunteer"}, show="@volunteer"),
    "node#TimeBankAccount": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"id": "@account"},
                                  show="@account"),
    "node#ServiceRecord": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"id": "@service.CONFIRMED"},
                                show="@service.CONFIRMED"),
    "node#ServiceProject": roles(**COMMUNITY_READERS, refuse=HIDE, args={"id": "@project.PROPOSED"}, show="@project.PROPOSED"),
    "node#SurveyRespondent": roles(*EVAL_READERS, refuse=HIDE, args={"id": "@respondent"}, show="@respondent"),

    # ---------------------------------------------------------------- requests (SPEC §5)
    "request": roles(**REQUEST_READERS, refuse=HIDE, args={"id": "@rq.SEEN"}, show="@rq.SEEN"),
    "requests": roles(**REQUEST_READERS, refuse=HIDE, args={"filter": {"text": "@mark"}, "first": 100}, show="@rq.SEEN"),
    "myQueue": signed_in(why="one's own work queue"),
    "supervisionList": signed_in(refuse=HIDE, why="overdue requests one may see"),
    "requestByTrackingCode": public(args={"code": "@rq.SEEN.code"}, why="the tracking code is the resident's key; nothing personal"),
    "submitRequest": roles("dispatcher", scoped=("street", "community", "grid", "leader", "fieldhead"), anonymous=True,
                           args=i(text="@mark 路灯不亮", buildingId="@building", qrToken="@qrToken"), spoil={"text": " "},
                           why="staff report for their own places; anonymous residents through a building's QR code"),
    "triageRequest": roles(*CENTER, args=_request_step("SUBMITTED", scope="MINOR", subcategoryId="@subcategory", note="")),
    "classifyMinorRequest": roles(scoped=("community", "grid"), args=_request_step("MINOR", tier="A", note="")),
    "assignPrivateRequest": roles(scoped=("community", "grid"),
                                  args=_request_step("PRIVATE", kind="MEDIATION", unitKind="GRID", assigneeLabel="网格员", note="")),
    "dispatchRequest": roles(*CENTER, args=_request_step("MAJOR", lead={"id": "@department"}, coHandlers=[], note="")),
    "acceptRequest": roles(scoped=("department",), args=_request_step("DISPATCHED", note=""), why="the unit it was dispatched to"),
    "disputeRequest": roles(scoped=("department",), args=_request_step("DISPATCHED", reason="不属本部门职责")),
    "redispatchRequest": roles(scoped=("street",), args=_request_step("DISPUTED1", lead={"id": "@section"}, coHandlers=[], note=""),
                               why="二次分流 by the request's own street"),
    "escalateRequest": roles(scoped=("street",), args=_request_step("DISPUTED2", jointExplanation="联合说明")),
    "decideRequest": roles("district", args=_request_step("ESCALATED", lead={"id": "@department"}, coHandlers=[], note="")),
    "reportProgress": roles(scoped=("department",), args=_request_step("ACCEPTED", note="进展"), why="the current handler only"),
    "resolveRequest": roles(scoped=("department",), args=_request_step("ACCEPTED", resolution="已办结")),
    "closeRequest": roles(*CENTER, args=_request_step("RESOLVED", note="")),
    "reopenRequest": roles(*CENTER, args=_request_step("RESOLVED", reason="不合理")),
    "mergeRequest": roles(*CENTER, scoped=("community", "grid"), args=_request_step("SUBMITTED", intoId="@rq.SUBMITTED2", note="")),
    "rejectRequest": roles(*CENTER, args=_request_step("SUBMITTED", reason="重复")),
    "rateRequest": public(args=i(rating="SATISFIED", trackingCode="@rq.RESOLVED.code"), spoil={"comment": "长" * 501},
                          why="whoever holds the tracking code rates"),
    "placeRequest": roles("dispatcher", "admin", args=_request_step("SUBMITTED", buildingId="@building", note="")),
    "followRequestOnWeChat": public(args=i(trackingCode="@rq.SEEN.code", openid="@openid"), spoil={"openid": "?"},
                                    why="anonymous: the tracking code is the key"),
    "cadenceReport": roles("dispatcher", "district", "admin", "evaluator", "street", "community", "department", args={"kind": "DAILY_FOLLOWUP"},
                           why="description: the center, district and evaluators see the district; a street, community or "
                               "department its own"),
    "evaluationExport": roles(*EVAL_READERS, scoped=("street",), args={"kind": "STREET_ASSESSMENT", "year": 2025, "streetId": "@street"},
                              why="as streetAssessment"),

    # ---------------------------------------------------------------- big party committee (SPEC §6)
    "coTasks": roles(*READ_ALL, scoped=("street", "community", "partner"), refuse=HIDE, args={"filter": {"communityId": "@community"}},
                     show="@task.OPEN", why="a partner its own units' tasks only"),
    "coTask": roles(*READ_ALL, scoped=("street", "community", "partner"), refuse=HIDE, args={"id": "@task.OPEN"}, show="@task.OPEN"),
    "dualReports": roles(**COMMUNITY_READERS, refuse=HIDE, args={"filter": {"communityId": "@community"}}, show="@dualReport"),
    "createCoTask": roles(*CENTER, scoped=("community",), args=i(communityId="@community", title="@mark 任务", ask="请协助",
                                                                  partnerUnitIds=["@partnerUnit"]), spoil={"title": " "},
                          why="the community (or the center for it)"),
    # Another partner's task is NOT_FOUND to a partner: it does not learn the task exists.
    "acceptCoTask": roles(scoped=("partner",), refuse=HIDE, args=i(id="@task.OPEN", version="@task.OPEN.version"),
                          why="PARTNER of an invited unit"),
    "declineCoTask": roles(scoped=("partner",), refuse=HIDE, args=i(id="@task.OPEN", text="无力承担", version="@task.OPEN.version")),
    "reportCoTaskProgress": roles(scoped=("partner",), refuse=HIDE, args=i(id="@task.ACCEPTED", text="进展", version="@task.ACCEPTED.version")),
    "finishCoTaskPart": roles(scoped=("partner",), refuse=HIDE, args=i(id="@task.ACCEPTED", text="完成", version="@task.ACCEPTED.version")),
    "completeCoTask": roles(*CENTER, scoped=("community",), args=i(id="@task.FINISHED", result="完成", resolveRequests=False,
                                                                    version="@task.FINISHED.version")),
    "cancelCoTask": roles(*CENTER, scoped=("community",), args=i(id="@task.OPEN", text="取消", version="@task.OPEN.version")),
    "addPartnerUnit": roles(*CENTER, scoped=("community",), args=i(communityId="@community", name="@mark 单位", kind="ENTERPRISE"),
                            spoil={"name": " "}, why="the community's workers or the center"),
    "updatePartnerUnit": roles(*CENTER, scoped=("community",), args=i(id="@partnerUnit", services="@mark"), spoil={"services": None}, runs=True,
                               why="allowed: an update that changes nothing"),
    "registerDualReport": roles(*CENTER, scoped=("community",), args=i(communityId="@community", kind="MEMBER", name="@mark 党员"),
                                spoil={"name": " "}),
    "recordDualReportService": roles(*CENTER, scoped=("community",), args=i(dualReportId="@dualReport", servedOn=TODAY, minutes=60,
                                                                            description="服务"), spoil={"minutes": -1}),

    # ---------------------------------------------------------------- meetings (阳光17议)
    "meetings": roles(**COMMUNITY_READERS, refuse=HIDE, args={"filter": {"communityId": "@community"}}, show="@meeting.PLANNED"),
    "meeting": roles(**COMMUNITY_READERS, refuse=HIDE, args={"id": "@meeting.PLANNED"}, show="@meeting.PLANNED"),
    "proposeAgenda": roles(*MEETING_RUNNERS, scoped=("community",), args={"communityId": "@community", "days": 60, "threshold": 3},
                           why="for those who run the community's meetings"),
    "deliberationStats": roles(*READ_ALL, scoped=("street", "community"), args={"from": YEAR_START, "to": TODAY, "communityId": "@community"}),
    "scheduleMeeting": roles(*MEETING_RUNNERS, scoped=("community",), args=i(communityId="@community", kind="ROUND_TABLE",
                                                                             scheduledAt="2099-01-01T10:00:00+08:00", place="活动室"),
                             spoil={"place": "长" * 121}),
    "addMeetingTopic": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.PLANNED", title="议题", description="",
                                                                             requestIds=[], version="@meeting.PLANNED.version")),
    "setParticipants": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.PLANNED", participants=[],
                                                                             version="@meeting.PLANNED.version")),
    "recordAttendance": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.HELD", version="@meeting.HELD.version",
                                                                              attendance=[{"participantId": "@participant", "attended": True}])),
    "recordMinutes": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.HELD", minutes="纪要",
                                                                           version="@meeting.HELD.version")),
    "holdMeeting": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.PLANNED", version="@meeting.PLANNED.version")),
    "closeMeeting": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.HELD", version="@meeting.HELD.version")),
    "cancelMeeting": roles(*MEETING_RUNNERS, scoped=("community",), args=i(meetingId="@meeting.PLANNED", reason="改期",
                                                                           version="@meeting.PLANNED.version")),
    "decideTopic": roles(*MEETING_RUNNERS, scoped=("community",), args=i(topicId="@topic.PENDING", outcome="NOT_AGREED", settleRequests=False,
                                                                         version="@meeting.HELD.version")),
    "addFollowUp": roles(*MEETING_RUNNERS, scoped=("community",), args=i(topicId="@topic.AGREED", action="落实", owner="主任"),
                         spoil={"owner": " "}),
    "reportFollowUpProgress": roles(*MEETING_RUNNERS, scoped=("community",), args=i(followUpId="@followUp", note="进展",
                                                                                    version="@followUp.version")),
    "completeFollowUp": roles(*MEETING_RUNNERS, scoped=("community",), args=i(followUpId="@followUp", version="@followUp.version")),

    # ---------------------------------------------------------------- volunteers and the time bank
    "volunteers": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"filter": {"communityId": "@community"}},
                        show="@volunteer", why="a VOLUNTEER sees only itself"),
    "volunteerTeams": roles(*READ_ALL, scoped=("street", "community", "volunteer"), args={"communityId": "@community"}),
    "timeBankAccount": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"id": "@account"}, show="@account"),
    "myTimeBank": signed_in(why="one's own account, null for other logins"),
    "catalogue": roles(*READ_ALL, scoped=("street", "community", "volunteer"), args={"communityId": "@community", "includeInactive": False}),
    "timeBankBooks": roles(*READ_ALL, scoped=("street", "community"), args={"communityId": "@community"}),
    "serviceRecords": roles(*READ_ALL, scoped=("street", "community", "volunteer"), refuse=HIDE, args={"filter": {"communityId": "@community"}},
                            show="@service.CONFIRMED", why="a VOLUNTEER sees those it took part in"),
    "registerVolunteer": roles(scoped=("community",), args=i(communityId="@community", name="@mark 志愿者"), spoil={"name": " "},
                               why="the community's own workers run its volunteers"),
    "updateVolunteer": roles(scoped=("community",), args=i(id="@volunteer", skills="@mark", version="@volunteer.version")),
    "createVolunteerTeam": roles(scoped=("community",), args=i(communityId="@community", name="@mark 队"), spoil={"name": " "}),
    "addTeamMember": roles(scoped=("community",), args=i(teamId="@team", volunteerId="@volunteer2", isLeader=False),
                           spoil={"volunteerId": "@foreignVolunteer"}),
    "recordService": roles(scoped=("community", "volunteer"), args=i(communityId="@community", description="@mark 服务", servedOn=TODAY,
                                                                      minutes=30, volunteerIds=["@volunteer"]), spoil={"minutes": 0},
                           why="the community's workers, or a volunteer for a service it took part in"),
    "confirmService": roles(scoped=("community",), args=i(id="@service.RECORDED", version="@service.RECORDED.version")),
    "rejectService": roles(scoped=("community",), args=i(id="@service.RECORDED", version="@service.RECORDED.version")),
    "addCatalogueItem": roles(scoped=("community",), args=i(communityId="@community", name="@mark 物品", kind="ITEM", price=10),
                              spoil={"name": " "}),
    "updateCatalogueItem": roles(scoped=("community",), args=i(id="@item", unlimitedStock=False, description="@mark",
                                                               version="@item.version")),
    "redeem": roles(scoped=("community", "volunteer"), args=i(itemId="@item", quantity=1, idempotencyKey="@mark", accountId="@account"),
                    spoil={"quantity": 0}, why="a volunteer for itself; the community's workers for its volunteers"),
    "reverseEntry": roles(scoped=("community",), args=i(entryId="@entry", reason="冲正"), spoil={"reason": " "}),
    "setTimeBankRate": roles(scoped=("community",), args=i(communityId="@community", unitsPerHour=10), spoil={"unitsPerHour": -1}),

    # ---------------------------------------------------------------- four-society linkage
    "socialOrganisations": roles(*READ_ALL, "street", "community", refuse=HIDE, args={"filter": {"search": "@mark"}}, show="@organisation"),
    "serviceProjects": roles(**COMMUNITY_READERS, refuse=HIDE, args={"filter": {"communityId": "@community"}}, show="@project.PROPOSED"),
    "funds": roles(*READ_ALL, "street", "community", refuse=HIDE, args={"year": 2043}, show="@fund"),
    "setFundBudget": roles("admin", "dispatcher", args=i(kind="SPECIAL_FUND", year=2043, budget="500000"), spoil={"budget": "-1"}),
    "createSocialOrganisation": roles("admin", "dispatcher", args=i(kind="SOCIAL_ORGANISATION", name="@mark 组织", registrationNo="@regNo"),
                                      spoil={"name": " "}),
    "updateSocialOrganisation": roles("admin", "dispatcher", args=i(id="@organisation", serviceAreas="@mark",
                                                                    version="@organisation.version")),
    "setCommunityPartnership": roles(*CENTER, "admin", scoped=("community",),
                                     args=i(organisationId="@organisation", communityId="@community", space="活动室", services="服务",
                                            startsOn=TODAY, active=True), spoil={"endsOn": "2000-01-01"}),
    "proposeProject": roles(*CENTER, "admin", scoped=("community",),
                            args=i(title="@mark 项目", organisationId="@organisation", fundId="@fund", requested="1000",
                                   communityId="@community"), spoil={"title": " "}),
    "awardProject": roles("admin", "dispatcher", args=i(id="@project.PROPOSED", contestKind="VENTURE_CONTEST", contestName="创投",
                                                        contestOn=TODAY, amount="100", version="@project.PROPOSED.version")),
    "startProject": roles(*CENTER, "admin", scoped=("community",), args=i(id="@project.AWARDED", version="@project.AWARDED.version")),
    "recordProjectEvent": roles(*CENTER, "admin", scoped=("community",),
                                args=i(id="@project.RUNNING", heldOn=TODAY, title="活动", peopleServed=5, version="@project.RUNNING.version")),
    "completeProject": roles(*CENTER, "admin", scoped=("community",),
                             args=i(id="@project.RUNNING", summary="总结", version="@project.RUNNING.version")),
    "rejectProject": roles("admin", "dispatcher", args=i(id="@project.PROPOSED", reason="不予立项", version="@project.PROPOSED.version")),

    # ---------------------------------------------------------------- evaluation (SPEC §7)
    "surveyCampaigns": roles(*EVAL_READERS, "street", "community"),
    "surveyCampaign": roles(*EVAL_READERS, "street", "community", args={"year": 2025}),
    "surveyRespondents": roles(*EVAL_READERS, args={"year": 2025, "filter": {"communityId": "@community"}},
                               why="residents' names and phones: district-wide readers only"),
    "communityRanking": roles(*EVAL_READERS, "street", "community", args={"year": 2025, "streetId": "@street"},
                              why="published: the whole table for every reader"),
    "streetAssessment": roles(*EVAL_READERS, scoped=("street",), args={"year": 2025, "streetId": "@street"}),
    "createSurveyCampaign": roles("admin", "dispatcher", args=i(year=2025, samplePerCommunity=5, phoneWeightPercent=50, fieldWeightPercent=50,
                                                                rewardCount=10, penaltyCount=10, satisfactionWeight=48,
                                                                satisfactionSharePermille=143), spoil=AS_IS,
                                  why="2025 exists: an allowed call is a CONFLICT"),
    "updateSurveyCampaign": roles("admin", "dispatcher", args=i(campaignId="@campaign", rewardCount=10), spoil=AS_IS,
                                  why="the 2025 campaign is published: an allowed call is INVALID_TRANSITION"),
    "publishRanking": roles("admin", "dispatcher", args=i(campaignId="@campaign"), spoil=AS_IS),
    "recordSurveyAnswers": roles("evaluator", args=i(respondentId="@respondent", answers=[{"aspect": "CONTACT", "rating": "SATISFIED"}]),
                                 spoil=AS_IS, why="the respondent is answered already: CONFLICT"),
    "markRespondentUnreachable": roles("evaluator", args=i(respondentId="@respondent"), spoil=AS_IS),
    "createFieldTeam": roles("evaluator", args=i(campaignId="@campaign", name="@mark 组", members="甲"), spoil={"name": " "}),
    "recordFieldEvaluation": roles("evaluator", args=i(teamId="@fieldTeam", communityId="@community", governance=10, services=10,
                                                       neighbourlyHelp=10, teamBuilding=10, innovation=10, notes=""), spoil=AS_IS),

    # ---------------------------------------------------------------- KPIs (SPEC §7)
    "departmentKpis": roles(*KPI_ALL, scoped=("department",), args={"from": YEAR_START, "to": TODAY, "departmentId": "@department"}),
    "unitKpis": roles(*KPI_ALL, scoped=("street",), args={"unitKind": "STREET", "from": YEAR_START, "to": TODAY, "unitId": "@street"}),
    "kpiTrend": roles(*KPI_ALL, scoped=("department",), args={"departmentId": "@department", "year": YEAR, "unitKind": "DEPARTMENT"}),
    "kpiRules": signed_in(why="the rules a unit is measured by are no secret"),
    "defineKpiRules": roles("admin", args=i(effectiveFrom="2090-01-01", baseScore=100, lateResponsePoints=1, refusedResolutionPoints=1,
                                            unsatisfiedRatingPoints=1, coHandlersMeasured=True, note="测试"), spoil={"baseScore": -5}),

    # ---------------------------------------------------------------- administration (ADMIN only)
    "staffAccounts": roles("admin"),
    "staffAccount": roles("admin", args={"id": "@victim"}),
    "auditLog": roles("admin"),
    "holidayYear": roles("admin", args={"year": YEAR}),
    "adminUnits": roles("admin", args={"kind": "DEPARTMENT"}),
    "createUser": roles("admin", args=i(username="@username", displayName="不应创建", role="GRID_WORKER", scopes=[{"kind": "GRID", "refId": "@grid"}]),
                        spoil={"username": "?"}),
    "renameUser": roles("admin", args=i(userId="@victim", displayName="改名"), spoil={"displayName": " "}),
    "disableUser": roles("admin", args=i(userId="@victim", reason="测"), spoil={"userId": "@nobody"}),
    "enableUser": roles("admin", args=i(userId="@victim"), spoil={"userId": "@nobody"}),
    "resetUserPassword": roles("admin", args=i(userId="@victim"), spoil={"newPassword": "x"}),
    "revokeUserTokens": roles("admin", args=i(userId="@victim"), spoil={"userId": "@nobody"}),
    "changeUserRole": roles("admin", args=i(userId="@victim", role="COMMUNITY_WORKER", scopes=[{"kind": "COMMUNITY", "refId": "@community"}]),
                            spoil={"scopes": []}),
    "createCategory": roles("admin", args=i(code="@code", name="不应创建", nameEn="Nope"), spoil={"code": " "}),
    "updateCategory": roles("admin", args=i(id="@category", name="改名"), spoil={"name": " "}),
    "createSubcategory": roles("admin", args=i(categoryId="@category", code="@code", name="不应创建", nameEn="Nope", keywords=[]),
                               spoil={"code": " "}),
    "updateSubcategory": roles("admin", args=i(id="@subcategory", keywords=["改"]), spoil={"name": " "}),
    "setSubcategoryRouting": roles("admin", args=i(subcategoryId="@subcategory", departmentId="@department"), spoil={"departmentId": "@nodept"}),
    "setSubcategoryDeadlines": roles("admin", args=i(subcategoryId="@subcategory", deadlines={
        "triageMinutes": 30, "majorResponseHours": 2, "majorResolveWorkingDays": 5, "minorAHours": 24, "minorCProgressDays": 7,
        "privateResponseHours": 48}), spoil={"subcategoryId": "@nosub"}),
    "setHoliday": roles("admin", args=i(date="2094-03-02", isWorkday=False, name="不应写入"), spoil={"date": "1999-01-01"}),
    "removeHoliday": roles("admin", args=i(date="2094-03-03"), spoil=AS_IS, why="no entry that day: NOT_FOUND"),
    "markHolidayYear": roles("admin", args=i(year=2094, entered=True), spoil={"year": 1999}),
    "enterHolidayYear": roles("admin", args=i(year=2094, days=[{"date": "2094-01-01", "isWorkday": False, "name": "元旦"}]),
                              spoil={"year": 1999}),
    "createUnit": roles("admin", args=i(kind="SECTION", streetId="@street", name="@mark 科", nameEn="Nope"), spoil={"name": " "}),
    "renameUnit": roles("admin", args=i(id="@section", name="改名"), spoil={"name": " "}),
    "setUnitActive": roles("admin", args=i(id="@partnerUnit", active=False), spoil={"id": "@nounit"}),
    "importRegisters": roles("admin"),
    "importJob": roles("admin", args={"id": "@importJob"}),
    "importJobs": roles("admin"),
    "importRegister": roles("admin", args=i(register="STREETS", file="@file", dryRun=True, wait=True), spoil=EXECUTE,
                            why="a dry run writes nothing"),

    # ---------------------------------------------------------------- QR stickers, 12345 orders
    "qrStickerSheet": roles("admin", "dispatcher", scoped=("community",), args={"communityId": "@community"}),
    "qrStickerSheet#grid": roles("admin", "dispatcher", scoped=("community", "grid"), args={"gridId": "@grid"}),
    "rotateBuildingQrToken": roles("admin", "dispatcher", scoped=("community",), args=i(buildingId="@rotateBuilding"), spoil=EXECUTE,
                                   why="ADMIN, the center and the building's own community; a new token is harmless"),
    "cityOrders": roles("dispatcher", "admin"),
    "retryOrderCallback": roles("dispatcher", "admin", args=i(orderNo="@mark"), spoil=AS_IS, why="no such order: NOT_FOUND"),

    # ---------------------------------------------------------------- subscriptions (SPEC §8)
    "requestCreated": roles(**REQUEST_READERS, refuse=HIDE, args={"after": "@cursor"}, show="@rq.SEEN"),
    "requestUpdated": roles(**REQUEST_READERS, refuse=HIDE, args={"after": "@cursor"}, show="@rq.SEEN"),
    "overdueAlerts": signed_in(refuse=HIDE, args={"after": "@cursor"}),
    "unitAssignments": roles("dispatcher", "district", scoped=("department",), args={"unitId": "@department", "after": "@cursor"},
                             why="a unit's queue: those who act for it; the center any (the district leader reads everything)"),
    "coTaskUpdated": roles(*READ_ALL, scoped=("street", "community", "partner"), refuse=HIDE, args={"after": "@taskCursor"}, show="@task.OPEN"),
}
