// 单位排行榜 — the league table of the evaluation page: the rows of `unitKpis(unitKind, from, to)`
// ranked, and the ECharts option of its ranked horizontal bar chart.
//
// The rank follows `resolvers.kpi.formulas.league_ranks`, as the UNIT_KPIS Excel download applies
// it to the same rows: higher KPI score first; equal scores share a rank (competition ranking
// 1, 2, 2, 4) and are listed by name. `unitKpis` carries no overdue (挂牌督办) count, so the
// cadence reports' tie-break on fewer overdue items cannot apply here — the legend says so.

export const LEAGUE_LEGEND = '名次:考核得分高者在前;得分相同者并列同一名次(如 1、2、2、4),按单位名称排列。'
  + '本榜依据单位考核指标(unitKpis),不含挂牌督办件数,故得分相同时不再按督办件数区分先后'
  + '(跟踪问效报表中的单位排行榜另以督办件数少者在前)。橙色:有扣分;灰色:本期无考核数据。';

const byName = (a, b) => (a.unitName < b.unitName ? -1 : a.unitName > b.unitName ? 1 : 0);

/** A unit with no rate and no deduction in the period: nothing it was measured on. */
export const isIdle = (r) => r.deducted === 0
  && [r.responseRate, r.acceptanceRate, r.completionRate, r.satisfactionRate].every((v) => v === null || v === undefined);

/** The rows ordered and ranked: score descending, then name; equal scores share the rank of the first. */
export function leagueRanks(rows) {
  const ordered = [...rows].sort((a, b) => b.score - a.score || byName(a, b));
  const out = [];
  ordered.forEach((r, i) => {
    const prev = out[out.length - 1];
    out.push({ ...r, rank: prev && prev.score === r.score ? prev.rank : i + 1 });
  });
  return out;
}

/** Height in pixels that gives every unit a readable bar. */
export const leagueChartHeight = (n) => Math.max(160, n * 22 + 48);

/** Ranked horizontal bars: rank 1 on top; the axis starts just below the lowest score so that a
 * few deducted points stay visible next to a full score. */
export function leagueChartOption(ranked) {
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const r = ranked[p.dataIndex];
        return `第 ${r.rank} 名 · ${r.unitName}<br/>考核得分 ${r.score} · 扣分 ${r.deducted}`;
      },
    },
    grid: { left: 8, right: 44, top: 8, bottom: 24, containLabel: true },
    xAxis: {
      type: 'value', name: '得分', minInterval: 1,
      min: (v) => Math.min(Math.floor(v.min) - 1, Math.ceil(v.max) - 2), max: (v) => Math.ceil(v.max),
    },
    yAxis: {
      type: 'category', inverse: true, axisTick: { show: false },
      data: ranked.map((r) => `${r.rank}. ${r.unitName}`),
      axisLabel: { interval: 0, color: '#c8d6ea' },
    },
    series: [{
      type: 'bar', barMaxWidth: 16,
      label: { show: true, position: 'right', color: '#c8d6ea' },
      data: ranked.map((r) => ({
        value: r.score,
        itemStyle: { color: isIdle(r) ? '#5b6b82' : r.deducted > 0 ? '#e5a34a' : '#2b7de9' },
      })),
    }],
  };
}
