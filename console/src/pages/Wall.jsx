// 实时调度大屏 — the center's live dispatch wall.
//
// New requests arrive over the requestCreated subscription and are prepended, highlighted.
// Every subscription keeps the last event cursor it received and re-subscribes with
// `after: <that cursor>` whenever the socket (re)connects, so a dropped link loses nothing: the
// server replays the gap from its event log, then goes live (SPEC §8). The counters are
// `totalCount` queries, re-run (debounced) after events.
import { useCallback, useEffect, useRef, useState } from 'react';

import { createLiveClient, gql, liveSubscribe, relative, startOfTodayShanghai, time } from '../api.js';
import { Modal, TopBar, useDebounced, useTick } from '../components.jsx';
import { EVENT_FIELDS, REQUEST_FIELDS } from '../queries.js';
import { loadRefData } from '../refdata.js';
import { CHANNEL, DUE_KIND, SCOPE, place } from '../vocab.js';
import StreetChart from '../StreetChart.jsx';
import RequestActions from './RequestActions.jsx';

const FEED_SIZE = 30; // within the server's query-cost limit (SPEC §9)
const FRESH_MS = 45_000;

const INIT = `query WallInit($first: Int!) {
  requests(first: $first) { totalCount edges { node { ...ReqFields history(first: 1) { edges { node { cursor kind } } } } } }
} ${REQUEST_FIELDS}`;

const SUPERVISION = `query WallSupervision {
  supervisionList(first: 20) { totalCount edges { node { ...ReqFields } } }
} ${REQUEST_FIELDS}`;

const SUB_CREATED = `subscription WallCreated($after: String) { requestCreated(after: $after) { ${EVENT_FIELDS} } } ${REQUEST_FIELDS}`;
const SUB_UPDATED = `subscription WallUpdated($after: String) { requestUpdated(after: $after) { ${EVENT_FIELDS} } } ${REQUEST_FIELDS}`;
const SUB_OVERDUE = `subscription WallOverdue($after: String) { overdueAlerts(after: $after) { ${EVENT_FIELDS} } } ${REQUEST_FIELDS}`;

// One query of 25 aliased `totalCount`s (the server allows 30 aliases and counts no rows for `first: 0`).
function countsQuery(ref) {
  const parts = [
    'all: requests(first: 0) { totalCount }',
    'today: requests(first: 0, filter: {createdAfter: $today}) { totalCount }',
    'open: requests(first: 0, filter: {open: true}) { totalCount }',
    'overdue: requests(first: 0, filter: {overdue: true}) { totalCount }',
    'untriaged: requests(first: 0, filter: {states: [SUBMITTED]}) { totalCount }',
  ];
  ref.categories.forEach((c, i) => parts.push(`c${i}: requests(first: 0, filter: {open: true, categoryId: ${JSON.stringify(c.id)}}) { totalCount }`));
  ref.streets.forEach((s, i) => parts.push(`s${i}: requests(first: 0, filter: {open: true, streetId: ${JSON.stringify(s.id)}}) { totalCount }`));
  return `query WallCounts($today: DateTime!) {\n  ${parts.join('\n  ')}\n}`;
}

function byNewest(a, b) {
  return new Date(b.createdAt) - new Date(a.createdAt);
}

export default function Wall({ session, onSignOut, readOnly }) {
  const [status, setStatus] = useState('connecting');
  const [ref, setRef] = useState(null);
  const [items, setItems] = useState([]);
  const [total, setTotal] = useState(null);
  const [counts, setCounts] = useState(null);
  const [overdue, setOverdue] = useState({ total: 0, items: [] });
  const [selected, setSelected] = useState(null);
  const [drill, setDrill] = useState(null);
  const [toast, setToast] = useState(null);
  const [error, setError] = useState('');
  const [cursorShown, setCursorShown] = useState(null);
  const cursors = { created: useRef(null), updated: useRef(null), overdue: useRef(null) };
  const wasOnline = useRef(false);
  useTick(5_000);

  // ------------------------------------------------------------ counters
  const refreshCounts = useCallback(async () => {
    if (!ref) return;
    try {
      const d = await gql(countsQuery(ref), { today: startOfTodayShanghai() });
      setTotal(d.all.totalCount);
      setCounts({
        today: d.today.totalCount,
        open: d.open.totalCount,
        overdue: d.overdue.totalCount,
        untriaged: d.untriaged.totalCount,
        categories: ref.categories.map((c, i) => ({ id: c.id, name: c.name, count: d[`c${i}`].totalCount })),
        streets: ref.streets.map((s, i) => ({ id: s.id, name: s.name, count: d[`s${i}`].totalCount })),
      });
    } catch (err) {
      if (err.code !== 'NETWORK') setError(err.message);
    }
  }, [ref]);
  const scheduleCounts = useDebounced(refreshCounts, 400);

  const refreshSupervision = useCallback(async () => {
    try {
      const d = await gql(SUPERVISION);
      setOverdue((prev) => {
        const flash = new Map(prev.items.filter((r) => r.alertedAt).map((r) => [r.id, r.alertedAt]));
        return { total: d.supervisionList.totalCount, items: d.supervisionList.edges.map((e) => ({ ...e.node, alertedAt: flash.get(e.node.id) })) };
      });
    } catch {
      /* shown as stale; the next event retries */
    }
  }, []);

  // ------------------------------------------------------------ first load
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [refData, init] = await Promise.all([loadRefData(), gql(INIT, { first: FEED_SIZE })]);
        if (!live) return;
        const nodes = init.requests.edges.map((e) => e.node);
        // Resume point for the feed: the newest SUBMITTED event we already show. Events after it
        // are replayed by the server, so nothing submitted between this query and the
        // subscription is lost; duplicates are dropped by id.
        let start = 0;
        nodes.forEach((n) => {
          const ev = n.history.edges[0]?.node;
          if (ev && ev.kind === 'SUBMITTED') start = Math.max(start, Number(ev.cursor));
        });
        const startCursor = String(start);
        cursors.created.current = startCursor;
        cursors.updated.current = startCursor;
        cursors.overdue.current = startCursor;
        setCursorShown(startCursor);
        setItems(nodes.map(({ history, ...n }) => n).sort(byNewest));
        setTotal(init.requests.totalCount);
        setRef(refData);
      } catch (err) {
        if (live) setError(err.message);
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (ref) {
      refreshCounts();
      refreshSupervision();
    }
  }, [ref, refreshCounts, refreshSupervision]);

  // ------------------------------------------------------------ live
  useEffect(() => {
    if (!ref) return undefined;
    const client = createLiveClient(session.token, {
      onStatus: (s) => {
        setStatus(s);
        if (s === 'online') {
          // After a drop, the counters and the supervision list are re-read; the feed itself
          // is resumed from its cursor by the subscriptions, not refetched.
          if (wasOnline.current) {
            scheduleCounts();
            refreshSupervision();
          }
          wasOnline.current = true;
        }
      },
    });

    const onCreated = (event) => {
      const r = event.request;
      setCursorShown(event.cursor);
      if (!r) return;
      const arrivedAt = Date.now();
      setItems((prev) => {
        if (prev.some((x) => x.id === r.id)) return prev;
        return [{ ...r, arrivedAt, eventCursor: event.cursor }, ...prev].sort(byNewest).slice(0, FEED_SIZE);
      });
      setTotal((t) => (t == null ? t : t + 1));
      scheduleCounts();
    };

    const onUpdated = (event) => {
      const r = event.request;
      if (!r || event.kind === 'SUBMITTED') return;
      setItems((prev) => prev.map((x) => (x.id === r.id ? { ...x, ...r } : x)));
      setOverdue((prev) => ({
        ...prev,
        items: prev.items.map((x) => (x.id === r.id ? { ...x, ...r } : x)).filter((x) => x.overdue),
      }));
      setSelected((sel) => (sel && sel.id === r.id && r.version > sel.version ? { ...sel, ...r } : sel));
      scheduleCounts();
    };

    const onOverdue = (event) => {
      const r = event.request;
      if (!r) return;
      setOverdue((prev) => {
        const rest = prev.items.filter((x) => x.id !== r.id);
        const known = rest.length !== prev.items.length;
        // Alerts replayed from the log at start-up are listed, but only recent ones flash.
        const alertedAt = Date.now() - new Date(event.at).getTime() < 120_000 ? Date.now() : undefined;
        return { total: known ? prev.total : prev.total + 1, items: [{ ...r, alertedAt }, ...rest].slice(0, 20) };
      });
      scheduleCounts();
    };

    const onError = (err) => setError(err.message);
    const stop = [
      liveSubscribe(client, SUB_CREATED, {}, { cursor: cursors.created, onEvent: onCreated, onError }),
      liveSubscribe(client, SUB_UPDATED, {}, { cursor: cursors.updated, onEvent: onUpdated, onError }),
      liveSubscribe(client, SUB_OVERDUE, {}, { cursor: cursors.overdue, onEvent: onOverdue, onError }),
    ];
    return () => {
      stop.forEach((s) => s());
      client.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ref, session.token]);

  // ------------------------------------------------------------ actions
  const onChanged = useCallback((r, message) => {
    setItems((prev) => prev.map((x) => (x.id === r.id ? { ...x, ...r } : x)));
    setSelected((sel) => (sel && sel.id === r.id ? { ...sel, ...r } : sel));
    if (message) {
      setToast({ message, at: Date.now() });
      scheduleCounts();
    }
  }, [scheduleCounts]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const pickStreet = useCallback((id, name) => id && setDrill({ id, name }), []);

  return (
    <div className="wall" data-testid="wall">
      <TopBar
        title="智慧呼应中心 · 实时调度大屏"
        subtitle="芝罘区基层治理智慧呼应平台"
        session={session}
        status={status}
        onSignOut={onSignOut}
      >
        <a className="btn ghost" href="/console/evaluation" data-testid="link-evaluation">考核评价</a>
        <a className="btn ghost" href="/console/admin/orders" data-testid="link-tools">12345工单 · 二维码</a>
      </TopBar>
      {status !== 'online' && wasOnline.current && (
        <div className="offline-banner" role="alert" data-testid="offline-banner">
          实时连接已中断,正在自动重连;恢复后将从断点(事件游标 #{cursors.created.current ?? '—'})续传,期间的诉求不会遗漏。
        </div>
      )}
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}

      <section className="kpis" aria-label="实时统计">
        <Kpi label="今日受理" value={counts?.today} testid="kpi-today" />
        <Kpi label="在办诉求" value={counts?.open} testid="kpi-open" />
        <Kpi label="待分类" value={counts?.untriaged} tone="amber" testid="kpi-untriaged" />
        <Kpi label="超期督办" value={counts?.overdue} tone="red" testid="kpi-overdue" />
        <Kpi label="累计诉求" value={total} tone="muted" testid="kpi-total" />
      </section>

      <main className="wall-main">
        <section className="panel feed" aria-label="实时诉求">
          <header className="panel-head">
            <h2>实时诉求 <span className="muted">最新在前</span></h2>
            <span className="muted small" data-testid="wall-cursor" data-cursor={cursors.created.current ?? ''}>事件游标 #{cursorShown ?? '—'}</span>
          </header>
          <ol className="feed-list" data-testid="feed">
            {items.length === 0 && <li className="empty">暂无诉求。新的诉求将在提交后即时出现在这里。</li>}
            {items.map((r) => (
              <FeedItem key={r.id} r={r} onOpen={() => setSelected(r)} />
            ))}
          </ol>
        </section>

        <section className="panel streets" aria-label="各街道在办诉求">
          <header className="panel-head">
            <h2>{drill ? `${drill.name} · 各社区在办` : '12 个街道 · 在办诉求'}</h2>
            {drill ? (
              <button type="button" className="btn ghost" onClick={() => setDrill(null)}>返回全区</button>
            ) : (
              <span className="muted small">点击街道查看社区</span>
            )}
          </header>
          {drill ? (
            <CommunityDrill street={drill} />
          ) : (
            <StreetChart rows={counts?.streets || (ref ? ref.streets.map((s) => ({ ...s, count: 0 })) : [])} onPick={pickStreet} label="在办诉求" />
          )}
          <header className="panel-head sub">
            <h2>在办诉求分类</h2>
          </header>
          <CategoryBars counts={counts} />
        </section>

        <section className="panel overdue" aria-label="挂牌督办">
          <header className="panel-head">
            <h2>挂牌督办 <span className="count-red" data-testid="overdue-total">{overdue.total}</span></h2>
            <span className="muted small">超过时限自动上榜</span>
          </header>
          <ol className="overdue-list" data-testid="overdue-list">
            {overdue.items.length === 0 && <li className="empty">当前没有超期诉求。</li>}
            {overdue.items.map((r) => (
              <li key={r.id} className={`overdue-item ${r.alertedAt && Date.now() - r.alertedAt < FRESH_MS ? 'fresh' : ''}`}>
                <button type="button" onClick={() => setSelected(r)}>
                  <span className="overdue-title">{r.title}</span>
                  <span className="overdue-meta">
                    <b>{relative(r.dueAt)}</b> · {DUE_KIND[r.dueKind] || '时限'} · {r.assignments[0]?.unitName || r.community?.name || ''}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </section>
      </main>

      {toast && <div className="toast" role="status" data-testid="toast">{toast.message}</div>}

      {selected && ref && (
        <Modal title={`诉求 ${selected.trackingCode}`} onClose={() => setSelected(null)} wide>
          <RequestActions
            request={selected}
            refData={ref}
            readOnly={readOnly}
            mergeCandidates={items.filter((x) => x.id !== selected.id && !['MERGED', 'REJECTED', 'CLOSED'].includes(x.state))}
            onChanged={onChanged}
            onDone={() => setSelected(null)}
          />
        </Modal>
      )}
    </div>
  );
}

function Kpi({ label, value, tone, testid }) {
  return (
    <div className={`kpi ${tone || ''}`} data-testid={testid}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value == null ? '—' : value.toLocaleString('zh-CN')}</span>
    </div>
  );
}

function FeedItem({ r, onOpen }) {
  const fresh = r.arrivedAt && Date.now() - r.arrivedAt < FRESH_MS;
  const sub = r.subcategory || r.suggestedSubcategory;
  const cat = r.category?.name || r.suggestedSubcategory?.category?.name;
  return (
    <li
      className={`feed-item ${fresh ? 'fresh' : ''} ${r.overdue ? 'is-overdue' : ''}`}
      data-testid="wall-item"
      data-id={r.id}
      data-tracking-code={r.trackingCode}
      data-state={r.state}
      data-arrived-at={r.arrivedAt || ''}
    >
      <button type="button" onClick={onOpen} aria-label={`处理诉求 ${r.trackingCode}`}>
        <div className="feed-time">
          <span className="t">{time(r.createdAt)}</span>
          {fresh && <span className="new-tag">新</span>}
        </div>
        <div className="feed-body">
          <div className="feed-title">{r.title}</div>
          <div className="feed-place">{place(r)}</div>
          <div className="feed-tags">
            <span className="tag channel">{CHANNEL[r.channel] || r.channel}</span>
            {sub && (
              <span className={`tag cat ${r.subcategory ? '' : 'suggested'}`} title={r.subcategory ? '已分类' : '系统建议分类'}>
                {cat ? `${cat} · ` : ''}{sub.name}{r.subcategory ? '' : '(建议)'}
              </span>
            )}
            {r.scope && <span className={`tag scope-${r.scope}`}>{SCOPE[r.scope]}</span>}
            <span className={`tag state state-${r.state}`}>{r.stateLabel}</span>
            {r.reporterCount > 1 && <span className="tag">{r.reporterCount} 人反映</span>}
          </div>
        </div>
        <div className="feed-side">
          <span className="code">{r.trackingCode}</span>
          {r.dueAt && (
            <span className={`due ${r.overdue ? 'late' : ''}`}>{DUE_KIND[r.dueKind] || ''} {relative(r.dueAt)}</span>
          )}
        </div>
      </button>
    </li>
  );
}

function CategoryBars({ counts }) {
  const rows = counts ? [{ id: 'untriaged', name: '待分类', count: counts.untriaged, pending: true }, ...counts.categories] : [];
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <ul className="cat-bars" data-testid="category-counts">
      {rows.map((r) => (
        <li key={r.id} className={r.pending ? 'pending' : ''}>
          <span className="cat-name">{r.name}</span>
          <span className="cat-bar"><i style={{ width: `${(100 * r.count) / max}%` }} /></span>
          <span className="cat-count">{r.count}</span>
        </li>
      ))}
    </ul>
  );
}

function CommunityDrill({ street }) {
  const [rows, setRows] = useState(null);
  useEffect(() => {
    let live = true;
    (async () => {
      const d = await gql(`query Comms($s: ID!) { communities(filter: {streetId: $s}, first: 30) { edges { node { id name } } } }`, { s: street.id });
      const comms = d.communities.edges.map((e) => e.node);
      const parts = comms.map((c, i) => `k${i}: requests(first: 0, filter: {open: true, communityId: ${JSON.stringify(c.id)}}) { totalCount }`);
      const counts = parts.length ? await gql(`query CommCounts {\n ${parts.join('\n ')}\n}`) : {};
      if (live) setRows(comms.map((c, i) => ({ id: c.id, name: c.name.replace(/社区$/, ''), count: counts[`k${i}`].totalCount })));
    })().catch(() => live && setRows([]));
    return () => {
      live = false;
    };
  }, [street.id]);
  if (!rows) return <div className="chart placeholder">正在加载…</div>;
  return <StreetChart rows={rows} label="在办诉求" />;
}

