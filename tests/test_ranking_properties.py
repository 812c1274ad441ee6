"""Properties of the community ranking (hypothesis): whatever the scores, weights and counts, the
ranking lists every community exactly once, is the same when computed again or from the inputs in
another order, and its ranks and marks follow the stated rules."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolvers.evaluation.ranking import CommunityScores, rank_communities, total_score
from resolvers.evaluation.vocab import Mark

# Hypothesis registers its own Random on first use and, to catch a PRNG about to be garbage
# collected, checks gc.get_referrers(). Objects frozen by schema/gc_policy (installed when an
# earlier test started the app) are invisible to that call, so the check warns about hypothesis's
# own, well-referenced instance. Only that false alarm is ignored.
pytestmark = pytest.mark.filterwarnings(
    "ignore:It looks like `register_random` was passed an object:hypothesis.errors.HypothesisWarning"
)

# A phone score is 100 × (halves / 2) / answers; a field score the mean of 1–3 team totals in tenths.
phone_scores = st.one_of(
    st.none(),
    st.integers(1, 100).flatmap(lambda n: st.integers(0, 2 * n).map(lambda halves: 100 * Fraction(halves, 2) / n)),
)
field_scores = st.one_of(
    st.none(),
    st.lists(st.integers(0, 1000), min_size=1, max_size=3).map(lambda totals: Fraction(sum(totals), 10 * len(totals))),
)
# Few distinct values, so that ties are frequent.
tied_scores = st.sampled_from([None, Fraction(60), Fraction(75), Fraction(155, 2), Fraction(90)])


@st.composite
def districts(draw: st.DrawFn) -> tuple[list[CommunityScores], int, int, int, int]:
    n = draw(st.integers(1, 60))
    scores = draw(st.one_of(st.just("mixed"), st.just("tied")))
    rows = []
    for i in range(n):
        phone = draw(phone_scores if scores == "mixed" else tied_scores)
        field = draw(field_scores if scores == "mixed" else tied_scores)
        rows.append(CommunityScores(community_id=1000 + i, code=f"C{i:03d}", phone=phone, field=field))
    wp = draw(st.integers(0, 100))
    return rows, wp, 100 - wp, draw(st.integers(0, 15)), draw(st.integers(0, 15))


@settings(max_examples=300, deadline=None)
@given(districts(), st.randoms(use_true_random=False))
def test_ranking_is_a_permutation_stable_under_recomputation_and_input_order(district, rnd) -> None:  # noqa: ANN001
    rows, wp, wf, reward, penalty = district
    ranking = rank_communities(rows, wp, wf, reward, penalty)
    # Every community exactly once.
    assert sorted(r.community_id for r in ranking) == sorted(c.community_id for c in rows)
    assert [r.position for r in ranking] == list(range(1, len(rows) + 1))
    # Same again, and the same from the inputs in any order.
    assert rank_communities(rows, wp, wf, reward, penalty) == ranking
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert rank_communities(shuffled, wp, wf, reward, penalty) == ranking


@settings(max_examples=300, deadline=None)
@given(districts())
def test_ranks_and_marks_follow_the_rules(district) -> None:  # noqa: ANN001
    rows, wp, wf, reward, penalty = district
    ranking = rank_communities(rows, wp, wf, reward, penalty)
    ranked = [r for r in ranking if r.rank is not None]
    excluded = [r for r in ranking if r.rank is None]
    assert ranking == ranked + excluded  # ranked first, then the excluded
    assert [r.code for r in excluded] == sorted(r.code for r in excluded)
    totals = [r.total for r in ranked]
    for r in ranked:
        assert r.total == total_score(r.phone, r.field, wp, wf)
        assert r.rank == 1 + sum(1 for t in totals if t > r.total)  # competition ranking
        assert r.rank_from_bottom == 1 + sum(1 for t in totals if t < r.total)
        expected = Mark.REWARD if r.rank <= reward else Mark.PENALTY if r.rank_from_bottom <= penalty else Mark.NONE
        assert r.mark is expected
    for a, b in zip(ranked, ranked[1:]):  # display order: total desc, phone desc, code
        key_a = (-a.total, -(a.phone if a.phone is not None else -1), a.code)
        key_b = (-b.total, -(b.phone if b.phone is not None else -1), b.code)
        assert key_a < key_b
    for r in excluded:
        assert r.total is None and r.mark is Mark.NONE and r.excluded_reason is not None
    # The first rewardCount places are always rewarded (more only through ties); the last penaltyCount
    # places are penalised unless rewarded (a tie reaching down from the top, or too few ranked).
    assert all(r.mark is Mark.REWARD for r in ranked[:reward])
    assert all(r.mark in (Mark.PENALTY, Mark.REWARD) for r in ranked[len(ranked) - min(penalty, len(ranked)):])
