"""Who may do what with the evaluation.

* create a campaign (draws the sample), change its weights, publish (freeze) the ranking:
  ADMIN and CENTER_DISPATCHER;
* record survey answers, mark respondents unreachable, form field teams, record field scores:
  EVALUATOR (the third-party survey and the field teams) only;
* read every row and its drill-down (answers behind a phone score, field scores behind a field
  score): ADMIN, CENTER_DISPATCHER, DISTRICT_LEADER, EVALUATOR;
* STREET_OFFICER: the rows (and drill-down) of the communities of its street(s); COMMUNITY_WORKER:
  its own community's row (and drill-down). Once the campaign is PUBLISHED the ranking table (scores,
  rank, mark — no drill-down) is public to both, as the district announces it;
* the street assessment: district-wide readers all streets, a street officer its own street(s);
* respondents (residents' names and phones, masked but for the evaluator of a pending call):
  district-wide readers only;
* everyone else (grid workers, building leaders, departments, partners, volunteers): nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.roles import Role, ScopeKind

MANAGERS = frozenset({Role.ADMIN, Role.CENTER_DISPATCHER})
RECORDERS = frozenset({Role.EVALUATOR})
READ_ALL = frozenset({Role.ADMIN, Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER, Role.EVALUATOR})
LOCAL_READERS = frozenset({Role.STREET_OFFICER, Role.COMMUNITY_WORKER})


def require_manager(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if actor.role not in MANAGERS:
        raise Forbidden("只有平台管理员或智慧呼应中心可以管理测评", "Only admins and the center manage evaluation campaigns")
    return actor


def require_recorder(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if actor.role not in RECORDERS:
        raise Forbidden("只有测评员可以记录测评结果", "Only evaluators record survey answers and field scores")
    return actor


def require_reader(actor: Actor | None) -> Actor:
    """Any role that reads some of the evaluation (campaign headers included)."""
    actor = require_actor(actor)
    if actor.role not in READ_ALL | LOCAL_READERS:
        raise Forbidden("无权查看测评结果", "You may not see the evaluation")
    return actor


def require_respondent_reader(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if actor.role not in READ_ALL:
        raise Forbidden("无权查看测评样本", "You may not see the survey's respondents")
    return actor


@dataclass(frozen=True)
class RankingView:
    """Which ranking rows a reader sees, and the drill-down of which. None means all."""

    rows: frozenset[int] | None
    drill: frozenset[int] | None

    def sees_row(self, community_id: int) -> bool:
        return self.rows is None or community_id in self.rows

    def drills(self, community_id: int) -> bool:
        return self.drill is None or community_id in self.drill


def own_communities(actor: Actor, community_street: dict[int, int]) -> frozenset[int] | None:
    """The communities an actor reads in detail (None: all)."""
    if actor.role in READ_ALL:
        return None
    if actor.role is Role.STREET_OFFICER:
        streets = actor.ids(ScopeKind.STREET)
        return frozenset(cid for cid, sid in community_street.items() if sid in streets)
    if actor.role is Role.COMMUNITY_WORKER:
        return frozenset(actor.ids(ScopeKind.COMMUNITY))
    raise Forbidden("无权查看测评结果", "You may not see the evaluation")


def ranking_view(actor: Actor | None, community_street: dict[int, int], published: bool) -> RankingView:
    actor = require_reader(actor)
    own = own_communities(actor, community_street)
    return RankingView(rows=None if published else own, drill=own)


def street_view(actor: Actor | None) -> frozenset[int] | None:
    """The streets whose assessment the actor reads (None: all)."""
    actor = require_actor(actor)
    if actor.role in READ_ALL:
        return None
    if actor.role is Role.STREET_OFFICER:
        return frozenset(actor.ids(ScopeKind.STREET))
    raise Forbidden("无权查看街道考核", "You may not see the street assessment")


def sees_phone_whole(actor: Actor | None, status: str) -> bool:
    """The evaluator sees the phone of a respondent still to be called (SPEC §3); everyone
    else, and the evaluator once the call is recorded, sees it masked."""
    return actor is not None and actor.role is Role.EVALUATOR and status == "PENDING"
