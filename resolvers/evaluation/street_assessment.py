"""街道考核 for a year as the API and the Excel export both show it: which streets the reader may
see, and each street's satisfaction item from its communities' phone scores (formulas in
`resolvers.evaluation.street`)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Community, Street
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden
from resolvers.evaluation import access as eval_access
from resolvers.evaluation import ranking as ranking_rules
from resolvers.evaluation import street as street_rules
from resolvers.evaluation import survey as survey_rules


@dataclass(frozen=True)
class StreetRow:
    street_id: int
    name: str
    members: list[tuple[int, Fraction | None]]  # (community id, phone score), by community code
    item: street_rules.StreetItem


@dataclass(frozen=True)
class Assessment:
    campaign: Any
    rows: list[StreetRow]
    street_total: Fraction


async def street_assessment(conn: AsyncConnection, actor: Actor | None, year: int, street_id: int | None) -> Assessment | None:
    """The streets the actor may see (district-wide readers all, a street officer its own; asking
    for another street is FORBIDDEN, for an unknown one BAD_USER_INPUT), or None without a
    campaign for `year`."""
    visible = eval_access.street_view(actor)
    if street_id is not None and visible is not None and street_id not in visible:
        raise Forbidden("只能查看本街道的考核", "Only your own street's assessment")
    campaign = await ranking_rules.campaign_by_year(conn, year)
    if campaign is None:
        return None
    st, c = Street.__table__, Community.__table__
    streets = (await conn.execute(select(st.c.id, st.c.name).order_by(st.c.code))).all()
    if street_id is not None and street_id not in {s.id for s in streets}:
        raise BadUserInput("街道不存在", "No such street", field="streetId")
    communities = (await conn.execute(select(c.c.id, c.c.street_id).order_by(c.c.code))).all()
    tallies = await survey_rules.phone_tallies(conn, campaign.id)
    rows = []
    for s in streets:
        if (visible is not None and s.id not in visible) or (street_id is not None and s.id != street_id):
            continue
        members = [(cm.id, tallies[cm.id].score if cm.id in tallies else None) for cm in communities if cm.street_id == s.id]
        item = street_rules.street_satisfaction([score for _, score in members], campaign.satisfaction_weight,
                                                campaign.satisfaction_share_permille)
        rows.append(StreetRow(s.id, s.name, members, item))
    total = street_rules.street_total(campaign.satisfaction_weight, campaign.satisfaction_share_permille)
    return Assessment(campaign, rows, total)
