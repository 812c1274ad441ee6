// 考核评价 — the evaluation page: the community ranking of a survey year (with its drill-down),
// the score distribution and phone-vs-field charts, the street assessment, the department KPIs of
// a period with a department's monthly trend, and the league table (单位排行榜) of departments,
// streets or street sections for the same period. Every table downloads as Excel through a signed
// link generated on the server from the same functions as the figures shown here.
import { useEffect, useMemo, useRef, useState } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

import { gql } from '../api.js';
import { TopBar } from '../components.jsx';
import { navigate } from '../router.js';
import { CAMPAIGNS, DEPARTMENT_KPIS, DRILL, EXPORT, KPI_TREND, RANKING, STREETS, STREET_ASSESSMENT, UNIT_KPIS } from '../evaluationQueries.js';
import { LEAGUE_LEGEND, isIdle, leagueChartHeight, leagueChartOption, leagueRanks } from '../LeagueChart.jsx';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const FONT = '"Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';
const NONE = '无数据';
const RANKING_READERS = new Set(['ADMIN', 'CENTER_DISPATCHER', 'DISTRICT_LEADER', 'EVALUATOR', 'STREET_OFFICER', 'COMMUNITY_WORKER']);
const STREET_READERS = new Set(['ADMIN', 'CENTER_DISPATCHER', 'DISTRICT_LEADER', 'EVALUATOR', 'STREET_OFFICER']);
const KPI_READERS = new Set(['ADMIN', 'CENTER_DISPATCHER', 'DISTRICT_LEADER', 'DEPARTMENT_HANDLER']);
// The unit kinds whose KPIs a role may read (resolvers.kpi.allowed_unit_ids).
const ALL_KINDS = ['DEPARTMENT', 'STREET', 'SECTION'];
const LEAGUE_KINDS = {
  ADMIN: ALL_KINDS, CENTER_DISPATCHER: ALL_KINDS, DISTRICT_LEADER: ALL_KINDS, DEPARTMENT_HANDLER: ['DEPARTMENT'], STREET_OFFICER: ['STREET', 'SECTION'],
};
const KIND_LABEL = { DEPARTMENT: '区直部门', STREET: '街道', SECTION: '街道科室' };

const num = (v, digits = 2) => (v === null || v === undefined ? NONE : Number(v).toFixed(digits));
const pct = (v) => (v === null || v === undefined ? NONE : `${(v * 100).toFixed(1)}%`);

function todayShanghai() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** An ECharts canvas that re-renders when `option` changes. */
function Chart({ option, testId, height = 280 }) {
  const el = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = echarts.init(el.current, null, { renderer: 'canvas' });
    const observer = new ResizeObserver(() => chart.current && chart.current.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      chart.current.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    if (chart.current) chart.current.setOption({ textStyle: { fontFamily: FONT, color: '#c8d6ea' }, animation: false, ...option, legend: option.legend ? { ...option.legend, textStyle: { color: '#c8d6ea' } } : undefined }, true);
  }, [option]);
  return <div className="eval-chart" style={{ height }} ref={el} data-testid={testId} />;
}

function histogram(rows) {
  const totals = rows.map((r) => r.total).filter((t) => t !== null && t !== undefined);
  if (!totals.length) return { labels: [], counts: [] };
  const lo = Math.floor(Math.min(...totals));
  const hi = Math.floor(Math.max(...totals));
  const labels = [];
  const counts = [];
  for (let b = lo; b <= hi; b += 1) {
    labels.push(`${b}–${b + 1}`);
    counts.push(totals.filter((t) => Math.floor(t) === b).length);
  }
  return { labels, counts };
}

function ExportLink({ variables, label, testId, setError }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const data = await gql(EXPORT, variables);
      window.location.assign(data.evaluationExport.xlsxUrl);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="btn" onClick={download} disabled={busy} data-testid={testId}>
      {busy ? '正在生成…' : label}
    </button>
  );
}

function Drill({ year, row, onClose }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setData(null);
    gql(DRILL, { year, streetId: row.street.id })
      .then((d) => live && setData(d.communityRanking.rows.find((r) => r.community.id === row.community.id) || null))
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [year, row]);
  return (
    <section className="card eval-drill" data-testid="eval-drill">
      <header className="panel-head">
        <h2>{row.community.name} · 测评明细</h2>
        <button type="button" className="btn ghost" onClick={onClose}>关闭</button>
      </header>
      {error && <p className="error-text">{error}</p>}
      {!data && !error && <p className="muted">正在加载…</p>}
      {data && (
        <div className="eval-drill-body">
          <table className="eval-table">
            <caption>电话测评(按测评项)</caption>
            <thead><tr><th>测评项</th><th>满意</th><th>基本满意</th><th>不满意</th><th>答项</th><th>得分</th></tr></thead>
            <tbody>
              {data.phoneAspects.map((a) => (
                <tr key={a.aspect}><td>{a.aspectLabel}</td><td>{a.satisfied}</td><td>{a.basic}</td><td>{a.unsatisfied}</td><td>{a.answers}</td><td>{num(a.score)}</td></tr>
              ))}
            </tbody>
          </table>
          <table className="eval-table">
            <caption>实地测评(各测评组)</caption>
            <thead><tr><th>测评组</th><th>治理</th><th>服务</th><th>邻里互助</th><th>队伍建设</th><th>创新</th><th>合计</th></tr></thead>
            <tbody>
              {data.fieldScores.length === 0 && <tr><td colSpan={7} className="muted">{NONE}</td></tr>}
              {data.fieldScores.map((f) => (
                <tr key={f.id}><td>{f.team.name}</td><td>{num(f.governance)}</td><td>{num(f.services)}</td><td>{num(f.neighbourlyHelp)}</td><td>{num(f.teamBuilding)}</td><td>{num(f.innovation)}</td><td>{num(f.total)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function trendOption(trend) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: trend.map((r) => `${Number(r.periodFrom.slice(5, 7))}月`) },
    yAxis: [{ type: 'value', min: 0, max: 100, name: '%' }, { type: 'value', name: '得分' }],
    series: [
      ...[['responseRate', '响应率'], ['acceptanceRate', '承办率'], ['completionRate', '办结率'], ['satisfactionRate', '满意率']].map(([k, name]) => ({
        type: 'line', name, connectNulls: false, data: trend.map((r) => (r[k] === null ? null : +(r[k] * 100).toFixed(1))),
      })),
      { type: 'bar', name: '考核得分', yAxisIndex: 1, data: trend.map((r) => r.score), barMaxWidth: 18, itemStyle: { opacity: 0.35 } },
    ],
  };
}

/** One unit's KPIs per month of `year` (kpiTrend), with its Excel download. */
function TrendPanel({ unitKind, unitId, unitName, year, setError, chartId, exportId }) {
  const [trend, setTrend] = useState(null);
  useEffect(() => {
    let live = true;
    setTrend(null);
    gql(KPI_TREND, { departmentId: unitId, year, unitKind })
      .then((d) => live && setTrend(d.kpiTrend))
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [unitKind, unitId, year, setError]);
  const option = useMemo(() => trend && trendOption(trend), [trend]);
  return (
    <div className="eval-trend">
      <div className="eval-filters">
        <h3>{unitName} · {year}年月度趋势</h3>
        <ExportLink variables={{ kind: 'KPI_TREND', departmentId: unitId, year, unitKind }} label="导出月度趋势 Excel" testId={exportId} setError={setError} />
      </div>
      {trend === null ? <p className="muted">正在加载…</p> : <Chart option={option} testId={chartId} />}
      {trend && trend.every((r) => r.responseRate === null && r.satisfactionRate === null) && <p className="muted">本年度暂无派单,比率{NONE}。</p>}
    </div>
  );
}

const MAX_SPAN_DAYS = 366 * 3; // resolvers.kpi.MAX_DAYS: a longer period is refused

function spanDays(from, to) {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000;
}

/** The KPI period (local dates, inclusive), shared by the department table and the league table.
 * Moving one end past the other (or more than three years away) moves the other end to the same
 * year, so that the page never asks for a period the server refuses. */
function PeriodInputs({ period, setPeriod, prefix }) {
  const set = (key) => (e) => {
    const v = e.target.value;
    if (!v || v < '2000-01-01') return; // a year still being typed
    setPeriod((p) => {
      const next = { ...p, [key]: v };
      const span = spanDays(next.from, next.to);
      if (span >= 0 && span < MAX_SPAN_DAYS) return next;
      return key === 'from' ? { from: v, to: `${v.slice(0, 4)}-12-31` } : { from: `${v.slice(0, 4)}-01-01`, to: v };
    });
  };
  return (
    <>
      <label>自 <input type="date" value={period.from} onChange={set('from')} data-testid={`${prefix}-from`} /></label>
      <label>至 <input type="date" value={period.to} onChange={set('to')} data-testid={`${prefix}-to`} /></label>
    </>
  );
}

function KpiSection({ period, setPeriod, setError }) {
  const { from, to } = period;
  const [departmentId, setDepartmentId] = useState('');
  const [options, setOptions] = useState([]);
  const [rows, setRows] = useState(null);

  useEffect(() => {
    let live = true;
    setRows(null);
    gql(DEPARTMENT_KPIS, { from, to, departmentId: departmentId || null })
      .then((d) => {
        if (!live) return;
        setRows(d.departmentKpis);
        if (!departmentId) setOptions(d.departmentKpis.map((r) => ({ id: r.unitId, name: r.unitName })));
      })
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [from, to, departmentId, setError]);

  return (
    <section className="card eval-section" data-testid="eval-kpis">
      <header className="panel-head">
        <h2>部门考核</h2>
        <div className="eval-filters">
          <PeriodInputs period={period} setPeriod={setPeriod} prefix="kpi" />
          <label>部门
            <select value={departmentId} onChange={(e) => setDepartmentId(e.target.value)} data-testid="kpi-department">
              <option value="">全部部门</option>
              {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </label>
          <ExportLink variables={{ kind: 'DEPARTMENT_KPIS', from, to, departmentId: departmentId || null }} label="导出 Excel" testId="export-kpis" setError={setError} />
        </div>
      </header>
      {rows === null && <p className="muted">正在加载…</p>}
      {rows && (
        <div className="eval-scroll">
          <table className="eval-table" data-testid="kpi-table">
            <thead>
              <tr><th>部门</th><th>响应率</th><th>承办率</th><th>办结率</th><th>满意率</th><th>超时响应</th><th>办理不合理</th><th>不满意</th><th>扣分</th><th>得分</th></tr>
            </thead>
            <tbody>
              {rows.length === 0 && <tr><td colSpan={10} className="muted">{NONE}</td></tr>}
              {rows.map((r) => (
                <tr key={r.unitId} className={r.unitId === departmentId ? 'selected' : ''} onClick={() => setDepartmentId(r.unitId)}>
                  <td>{r.unitName}</td><td>{pct(r.responseRate)}</td><td>{pct(r.acceptanceRate)}</td><td>{pct(r.completionRate)}</td>
                  <td>{pct(r.satisfactionRate)}</td><td>{r.lateResponses}</td><td>{r.refusedResolutions}</td><td>{r.unsatisfiedRatings}</td>
                  <td>{r.deducted}</td><td><b>{r.score}</b></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {departmentId && (
        <TrendPanel unitKind="DEPARTMENT" unitId={departmentId} unitName={(options.find((o) => o.id === departmentId) || {}).name}
          year={Number(from.slice(0, 4))} setError={setError} chartId="chart-kpi-trend" exportId="export-trend" />
      )}
    </section>
  );
}

/** 单位排行榜: the units of one kind ranked by KPI score for the period, as a bar chart and a table. */
function LeagueSection({ kinds, period, setPeriod, setError }) {
  const { from, to } = period;
  const [kind, setKind] = useState(kinds[0]);
  const [rows, setRows] = useState(null);
  const [picked, setPicked] = useState(null);

  useEffect(() => {
    let live = true;
    setRows(null);
    setPicked(null);
    gql(UNIT_KPIS, { unitKind: kind, from, to })
      .then((d) => live && setRows(d.unitKpis))
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [kind, from, to, setError]);

  const ranked = useMemo(() => (rows ? leagueRanks(rows) : []), [rows]);
  const option = useMemo(() => leagueChartOption(ranked), [ranked]);

  return (
    <section className="card eval-section" data-testid="eval-league">
      <header className="panel-head">
        <h2>单位排行榜</h2>
        <div className="eval-filters">
          {kinds.length > 1 && (
            <div role="group" aria-label="单位类别" className="eval-filters">
              {kinds.map((k) => (
                <button key={k} type="button" className={`btn ${k === kind ? '' : 'ghost'}`} aria-pressed={k === kind}
                  onClick={() => setKind(k)} data-testid={`league-kind-${k}`}>{KIND_LABEL[k]}</button>
              ))}
            </div>
          )}
          <PeriodInputs period={period} setPeriod={setPeriod} prefix="league" />
          <ExportLink variables={{ kind: 'UNIT_KPIS', unitKind: kind, from, to }} label="导出 Excel" testId="export-league" setError={setError} />
        </div>
      </header>
      <p className="muted" data-testid="league-legend">{LEAGUE_LEGEND}</p>
      {rows === null && <p className="muted">正在加载…</p>}
      {rows && (
        <>
          <div className="eval-scroll" style={{ maxHeight: 460 }}>
            <Chart option={option} testId="chart-league" height={leagueChartHeight(ranked.length)} />
          </div>
          <div className="eval-scroll tall">
            <table className="eval-table" data-testid="league-table">
              <thead>
                <tr><th>名次</th><th style={{ textAlign: 'left' }}>{KIND_LABEL[kind]}</th><th>考核得分</th><th>扣分</th><th>响应率</th><th>承办率</th><th>办结率</th><th>满意率</th></tr>
              </thead>
              <tbody>
                {ranked.length === 0 && <tr><td colSpan={8} className="muted">{NONE}</td></tr>}
                {ranked.map((r) => (
                  <tr key={r.unitId} data-rank={r.rank} className={`clickable ${picked && picked.unitId === r.unitId ? 'selected' : ''} ${isIdle(r) ? 'muted' : ''}`}
                    onClick={() => setPicked(r)}>
                    <td>{r.rank}</td><td style={{ textAlign: 'left' }}>{r.unitName}</td><td><b>{r.score}</b></td><td>{r.deducted}</td>
                    <td>{pct(r.responseRate)}</td><td>{pct(r.acceptanceRate)}</td><td>{pct(r.completionRate)}</td><td>{pct(r.satisfactionRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {picked && (
        <TrendPanel unitKind={kind} unitId={picked.unitId} unitName={picked.unitName} year={Number(from.slice(0, 4))} setError={setError}
          chartId="chart-league-trend" exportId="export-league-trend" />
      )}
    </section>
  );
}

export default function Evaluation({ session, onSignOut }) {
  const role = session.user.role;
  const [campaigns, setCampaigns] = useState(null);
  const [year, setYear] = useState(null);
  const [streets, setStreets] = useState([]);
  const [streetId, setStreetId] = useState('');
  const [ranking, setRanking] = useState(null);
  const [assessment, setAssessment] = useState(null);
  const [picked, setPicked] = useState(null);
  const [error, setError] = useState('');
  const [period, setPeriod] = useState(() => {
    const y = todayShanghai().slice(0, 4);
    return { from: `${y}-01-01`, to: `${y}-12-31` };
  });
  const leagueKinds = LEAGUE_KINDS[role];

  useEffect(() => {
    if (!RANKING_READERS.has(role)) { setCampaigns([]); return; }
    gql(CAMPAIGNS).then((d) => {
      const list = d.surveyCampaigns.edges.map((e) => e.node).sort((a, b) => b.year - a.year);
      setCampaigns(list);
      if (list.length) setYear(list[0].year);
    }).catch((err) => setError(err.message));
    gql(STREETS).then((d) => setStreets(d.streets.edges.map((e) => e.node))).catch(() => {});
  }, [role]);

  useEffect(() => {
    if (!year) return undefined;
    let live = true;
    setRanking(null);
    setPicked(null);
    gql(RANKING, { year, streetId: streetId || null })
      .then((d) => live && setRanking(d.communityRanking))
      .catch((err) => live && setError(err.message));
    if (STREET_READERS.has(role)) {
      gql(STREET_ASSESSMENT, { year, streetId: streetId || null }).then((d) => live && setAssessment(d.streetAssessment)).catch((err) => live && setError(err.message));
    }
    return () => { live = false; };
  }, [year, streetId, role]);

  const rows = ranking ? ranking.rows : [];
  const hist = useMemo(() => histogram(rows), [rows]);
  const histOption = useMemo(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 16, top: 16, bottom: 36 },
    xAxis: { type: 'category', data: hist.labels, name: '综合得分', nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', minInterval: 1, name: '社区数' },
    series: [{ type: 'bar', data: hist.counts, itemStyle: { color: '#2b7de9' } }],
  }), [hist]);
  const scatterOption = useMemo(() => {
    const point = (r) => ({ value: [r.phoneScore, r.fieldScore], name: r.community.name });
    const scored = rows.filter((r) => r.phoneScore !== null && r.fieldScore !== null);
    return {
      tooltip: { formatter: (p) => `${p.data.name}<br/>电话 ${p.data.value[0]} · 实地 ${p.data.value[1]}` },
      legend: { top: 0 },
      grid: { left: 44, right: 16, top: 32, bottom: 36 },
      xAxis: { type: 'value', scale: true, name: '电话测评', nameLocation: 'middle', nameGap: 24 },
      yAxis: { type: 'value', scale: true, name: '实地测评' },
      series: [
        { type: 'scatter', name: '奖励', data: scored.filter((r) => r.mark === 'REWARD').map(point), itemStyle: { color: '#1f9d55' } },
        { type: 'scatter', name: '惩戒', data: scored.filter((r) => r.mark === 'PENALTY').map(point), itemStyle: { color: '#e5484d' } },
        { type: 'scatter', name: '其他', data: scored.filter((r) => r.mark === 'NONE').map(point), itemStyle: { color: '#8fa6c6' } },
      ],
    };
  }, [rows]);

  const goHome = (e) => { e.preventDefault(); navigate('/console/'); };
  const showHome = role === 'CENTER_DISPATCHER' || role === 'DISTRICT_LEADER';

  return (
    <div className="eval-page" data-testid="evaluation">
      <TopBar title="考核评价" subtitle="社区综合排名 · 街道考核 · 部门考核 · 单位排行榜" session={session} onSignOut={onSignOut}>
        {showHome && <a className="btn ghost" href="/console/" onClick={goHome}>返回调度大屏</a>}
      </TopBar>
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <main className="eval-main">
        {RANKING_READERS.has(role) && (
          <section className="card eval-section" data-testid="eval-ranking">
            <header className="panel-head">
              <h2>社区综合排名</h2>
              <div className="eval-filters">
                <label>年度
                  <select value={year || ''} onChange={(e) => setYear(Number(e.target.value))} data-testid="eval-year">
                    {(campaigns || []).map((c) => <option key={c.id} value={c.year}>{c.year}年度</option>)}
                  </select>
                </label>
                <label>街道
                  <select value={streetId} onChange={(e) => setStreetId(e.target.value)} data-testid="eval-street">
                    <option value="">全部街道</option>
                    {streets.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
                  </select>
                </label>
                {year && <ExportLink variables={{ kind: 'COMMUNITY_RANKING', year, streetId: streetId || null }} label="导出 Excel" testId="export-ranking" setError={setError} />}
              </div>
            </header>
            {campaigns && campaigns.length === 0 && <p className="muted">{NONE}:尚无测评年度。</p>}
            {year && !ranking && <p className="muted">正在加载…</p>}
            {ranking && (
              <>
                <p className="muted" data-testid="eval-summary">
                  {ranking.published ? '已发布' : '未发布(测评进行中)'} · 参与排名 {ranking.rankedCount} 个社区 · 未排名 {ranking.excludedCount} 个 · 本表 {rows.length} 行
                </p>
                <div className="eval-charts">
                  <div><h3>综合得分分布</h3><Chart option={histOption} testId="chart-histogram" /></div>
                  <div><h3>电话测评 vs 实地测评</h3><Chart option={scatterOption} testId="chart-scatter" /></div>
                </div>
                {picked && <Drill year={year} row={picked} onClose={() => setPicked(null)} />}
                <div className="eval-scroll tall">
                  <table className="eval-table ranking" data-testid="ranking-table">
                    <thead>
                      <tr><th>名次</th><th>社区</th><th>街道</th><th>电话测评</th><th>实地测评</th><th>综合得分</th><th>奖惩</th></tr>
                    </thead>
                    <tbody>
                      {rows.length === 0 && <tr><td colSpan={7} className="muted">{NONE}</td></tr>}
                      {rows.map((r) => (
                        <tr
                          key={r.community.id}
                          data-mark={r.mark}
                          className={`${r.mark === 'REWARD' ? 'mark-reward' : r.mark === 'PENALTY' ? 'mark-penalty' : ''} ${r.canDrillDown ? 'clickable' : ''}`}
                          onClick={() => r.canDrillDown && setPicked(r)}
                        >
                          <td>{r.rank ?? '—'}</td><td>{r.community.name}</td><td>{r.street.name}</td>
                          <td>{num(r.phoneScore)}</td><td>{num(r.fieldScore)}</td><td><b>{num(r.total)}</b></td>
                          <td>{r.markLabel ? <span className={`mark-tag ${r.mark.toLowerCase()}`}>{r.markLabel}</span> : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </section>
        )}
        {STREET_READERS.has(role) && assessment && (
          <section className="card eval-section" data-testid="eval-streets">
            <header className="panel-head">
              <h2>街道考核 · 群众满意度(权重 {assessment.satisfactionWeight} 分)</h2>
              <div className="eval-filters">
                <ExportLink variables={{ kind: 'STREET_ASSESSMENT', year, streetId: streetId || null }} label="导出 Excel" testId="export-streets" setError={setError} />
              </div>
            </header>
            <div className="eval-scroll">
              <table className="eval-table" data-testid="street-table">
                <thead><tr><th>街道</th><th>社区数</th><th>有电话测评</th><th>电话测评平均分</th><th>满意度得分</th></tr></thead>
                <tbody>
                  {assessment.rows.length === 0 && <tr><td colSpan={5} className="muted">{NONE}</td></tr>}
                  {assessment.rows.map((r) => (
                    <tr key={r.street.id}><td>{r.street.name}</td><td>{r.communityCount}</td><td>{r.scoredCommunityCount}</td><td>{num(r.meanPhoneScore)}</td><td><b>{num(r.satisfactionPoints)}</b></td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
        {KPI_READERS.has(role) && <KpiSection period={period} setPeriod={setPeriod} setError={setError} />}
        {leagueKinds && <LeagueSection kinds={leagueKinds} period={period} setPeriod={setPeriod} setError={setError} />}
      </main>
    </div>
  );
}
