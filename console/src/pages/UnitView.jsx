// 单位待办 — the queue of a department, street, community or grid worker, live.
// The queue (`myQueue`) is re-read whenever a unitAssignments or requestUpdated event arrives
// and on every (re)connect; both subscriptions also resume from their last cursor.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { createLiveClient, fullDateTime, gql, liveSubscribe, relative, shanghaiLocalToIso, time } from '../api.js';
import { Modal, TopBar, useDebounced, useTick } from '../components.jsx';
import DispatchForm from '../DispatchForm.jsx';
import { EVENT_FIELDS, M, REQUEST_FIELDS } from '../queries.js';
import { loadRefData } from '../refdata.js';
import { CHANNEL, DUE_KIND, MEDIATION_UNITS, RESOURCE_UNITS, SCOPE, TIER, UNIT_KIND, UNIT_ROLES, place } from '../vocab.js';
import { ReasonForm, RequestSummary } from './RequestActions.jsx';

const QUEUE = `query MyQueue {
  myQueue(first: 30) { totalCount edges { node { ...ReqFields } } }
} ${REQUEST_FIELDS}`;
const SUB_ASSIGN = `subscription UnitAssignments($after: String) { unitAssignments(after: $after) { ${EVENT_FIELDS} } } ${REQUEST_FIELDS}`;
const SUB_UPDATED = `subscription UnitUpdated($after: String) { requestUpdated(after: $after) { ${EVENT_FIELDS} } } ${REQUEST_FIELDS}`;

const FRESH_MS = 45_000;
const HANDLING = new Set(['ACCEPTED', 'IN_PROGRESS', 'REOPENED']);
const WAITING = new Set(['DISPATCHED', 'REDISPATCHED', 'DECIDED']);

function myAssignment(r, scopeIds) {
  return (r.assignments || []).find((a) => a.unitId && scopeIds.has(a.unitId)) || null;
}

/** Which steps this user may take on this request (the server checks again). */
export function actionsFor(r, role, scopeIds) {
  const a = myAssignment(r, scopeIds);
  const out = [];
  const communityRole = role === 'COMMUNITY_WORKER' || role === 'GRID_WORKER';
  if (communityRole && (r.state === 'TRIAGED' || r.state === 'REOPENED') && r.scope === 'MINOR' && !(r.state === 'REOPENED' && a)) out.push('classify');
  if (communityRole && (r.state === 'TRIAGED' || r.state === 'REOPENED') && r.scope === 'PRIVATE' && !(r.state === 'REOPENED' && a)) out.push('assignPrivate');
  if (role === 'STREET_OFFICER' && r.state === 'DISPUTED') out.push('redispatch', 'escalate');
  if (a && a.status === 'PENDING' && (WAITING.has(r.state) || (a.role === 'CO' && HANDLING.has(r.state)))) {
    out.push('accept');
    if (a.role === 'LEAD' && r.state !== 'DECIDED') out.push('dispute');
  }
  if (a && a.role === 'LEAD' && a.status === 'ACCEPTED' && HANDLING.has(r.state)) out.push('progress', 'resolve');
  return out;
}

const ACTION_LABEL = {
  accept: '受 理',
  dispute: '提出异议',
  progress: '反馈进展',
  resolve: '办 结',
  classify: '分 档',
  assignPrivate: '指 派',
  redispatch: '二次分流',
  escalate: '提级至区里',
};

export default function UnitView({ session, onSignOut }) {
  const { user } = session;
  const isUnit = UNIT_ROLES.includes(user.role);
  const scopeIds = useMemo(() => new Set((user.scopes || []).map((s) => s.refId)), [user.scopes]);
  const [status, setStatus] = useState('connecting');
  const [queue, setQueue] = useState(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const [active, setActive] = useState(null); // {request, action}
  const [toast, setToast] = useState(null);
  const known = useRef(null);
  const arrived = useRef(new Map());
  const cursors = { assign: useRef(null), updated: useRef(null) };
  useTick(10_000);

  const loads = useRef(0);
  const load = useCallback(async () => {
    // Reads overlap when events come quickly; only the latest one started may set the queue (an
    // earlier one answering last would bring back a stale list).
    const mine = ++loads.current;
    try {
      const d = await gql(QUEUE);
      if (mine !== loads.current) return;
      const nodes = d.myQueue.edges.map((e) => e.node);
      if (known.current) {
        nodes.forEach((n) => {
          if (!known.current.has(n.id)) arrived.current.set(n.id, Date.now());
        });
      }
      known.current = new Set(nodes.map((n) => n.id));
      setQueue(nodes);
      setTotal(d.myQueue.totalCount);
    } catch (err) {
      if (err.code !== 'NETWORK') setError(err.message);
    }
  }, []);
  const scheduleLoad = useDebounced(load, 150);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    const client = createLiveClient(session.token, {
      onStatus: (s) => {
        setStatus(s);
        if (s === 'online') scheduleLoad();
      },
    });
    const onEvent = () => scheduleLoad();
    const onError = (err) => {
      if (err.code !== 'BAD_USER_INPUT') setError(err.message);
    };
    const stops = [liveSubscribe(client, SUB_UPDATED, {}, { cursor: cursors.updated, onEvent, onError })];
    if (isUnit) stops.push(liveSubscribe(client, SUB_ASSIGN, {}, { cursor: cursors.assign, onEvent, onError }));
    return () => {
      stops.forEach((s) => s());
      client.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session.token, isUnit]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const done = (updated, message) => {
    setActive(null);
    setToast(message);
    setQueue((q) => (q ? q.map((x) => (x.id === updated.id ? updated : x)) : q));
    scheduleLoad();
  };

  const unitName = (user.scopes || []).map((s) => s.name).join('、') || user.roleLabel;
  const overdueCount = (queue || []).filter((r) => r.overdue).length;

  return (
    <div className="unit-view" data-testid="unit-view">
      <TopBar title={`${unitName} · 待办工作台`} subtitle={user.roleLabel} session={session} status={status} onSignOut={onSignOut}>
        {user.role === 'GRID_WORKER' && <a className="btn ghost" href="/console/admin/qr" data-testid="link-tools">楼栋二维码</a>}
      </TopBar>
      {status !== 'online' && queue && (
        <div className="offline-banner" role="alert">实时连接已中断,正在自动重连;恢复后自动补齐期间的派单和变化。</div>
      )}
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <section className="kpis small" aria-label="待办统计">
        <div className="kpi" data-testid="queue-total"><span className="kpi-label">待办</span><span className="kpi-value">{queue ? total : '—'}</span></div>
        <div className="kpi red"><span className="kpi-label">已超期</span><span className="kpi-value">{queue ? overdueCount : '—'}</span></div>
        <div className="kpi muted"><span className="kpi-label">说明</span><span className="kpi-note">新派单实时到达;请在时限内受理或提出异议,办结须填写办理结果。</span></div>
      </section>
      <main className="queue">
        {!queue && <p className="muted big">正在加载待办…</p>}
        {queue && queue.length === 0 && <p className="empty big">暂无待办事项。新的派单会即时出现在这里。</p>}
        {queue && total > queue.length && <p className="muted">共 {total} 件待办,显示最新 {queue.length} 件。</p>}
        <ol className="queue-list" data-testid="queue">
          {(queue || []).map((r) => {
            const acts = actionsFor(r, user.role, scopeIds);
            const fresh = Date.now() - (arrived.current.get(r.id) || 0) < FRESH_MS;
            const mine = myAssignment(r, scopeIds);
            return (
              <li key={r.id} className={`queue-item ${fresh ? 'fresh' : ''} ${r.overdue ? 'is-overdue' : ''}`} data-testid="queue-item" data-tracking-code={r.trackingCode} data-state={r.state}>
                <div className="queue-main">
                  <div className="queue-head">
                    <span className="code">{r.trackingCode}</span>
                    <span className={`tag state state-${r.state}`}>{r.stateLabel}</span>
                    {r.scope && <span className={`tag scope-${r.scope}`}>{SCOPE[r.scope]}{r.tier ? ` · ${TIER[r.tier]}` : ''}</span>}
                    {mine && <span className="tag unit">{mine.role === 'LEAD' ? '牵头' : '协办'}</span>}
                    {fresh && <span className="new-tag">新</span>}
                    {r.overdue && <span className="tag late">已超期</span>}
                  </div>
                  <div className="queue-title">{r.title}</div>
                  <div className="queue-meta">
                    {place(r)} · {CHANNEL[r.channel] || r.channel} · {r.subcategory ? `${r.category?.name} / ${r.subcategory.name}` : '未分类'} · 提交于 {time(r.createdAt)}
                  </div>
                  {r.dueAt && (
                    <div className={`queue-due ${r.overdue ? 'late' : ''}`}>
                      {DUE_KIND[r.dueKind] || '时限'}:{fullDateTime(r.dueAt)}({relative(r.dueAt)}){r.dueEstimated ? ' · 预估' : ''}
                    </div>
                  )}
                  {r.assignments?.some((a) => a.disputeReason) && (
                    <div className="queue-meta">异议理由:{r.assignments.filter((a) => a.disputeReason).map((a) => `${a.unitName}:${a.disputeReason}`).join(';')}</div>
                  )}
                </div>
                <div className="queue-actions">
                  {acts.map((act) => (
                    <button key={act} type="button" className={`btn ${act === 'accept' || act === 'resolve' || act === 'classify' ? 'primary' : act === 'dispute' || act === 'escalate' ? 'danger' : ''}`}
                      data-action={act} onClick={() => setActive({ request: r, action: act })}>
                      {ACTION_LABEL[act]}
                    </button>
                  ))}
                  <button type="button" className="btn ghost" data-action="view" onClick={() => setActive({ request: r, action: 'view' })}>详情</button>
                </div>
              </li>
            );
          })}
        </ol>
      </main>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
      {active && (
        <Modal title={`${ACTION_LABEL[active.action] || '诉求详情'} · ${active.request.trackingCode}`} onClose={() => setActive(null)} wide>
          <ActionForm request={active.request} action={active.action} onDone={done} />
        </Modal>
      )}
    </div>
  );
}

function ActionForm({ request: r, action, onDone }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [refData, setRefData] = useState(null);

  useEffect(() => {
    if (action === 'redispatch') loadRefData().then(setRefData).catch((e) => setError(e.message));
  }, [action]);

  async function run(mutation, input, message) {
    setBusy(true);
    setError('');
    try {
      const data = await gql(mutation, { i: { ...input, id: r.id, version: r.version } });
      onDone(Object.values(data)[0].request, message);
    } catch (err) {
      setError(err.code === 'CONFLICT' ? '该诉求刚被其他人处理过,请关闭后刷新再试。' : err.message);
    } finally {
      setBusy(false);
    }
  }

  let form = null;
  if (action === 'accept') {
    form = <ReasonForm label="受理说明(可选)" optional name="note" submit="确认受理" busy={busy} onSubmit={(note) => run(M.accept, { note }, `已受理 ${r.trackingCode}`)} />;
  } else if (action === 'dispute') {
    form = <ReasonForm label="异议理由(将转街道二次分流)" placeholder="说明为何不属于本单位职责,以及建议的责任单位" submit="提交异议" danger busy={busy}
      onSubmit={(reason) => run(M.dispute, { reason }, `已对 ${r.trackingCode} 提出异议`)} />;
  } else if (action === 'progress') {
    form = <ReasonForm label="进展说明" name="note" placeholder="已采取的措施、下一步计划" submit="提交进展" busy={busy}
      onSubmit={(note) => run(M.progress, { note }, `已反馈进展 ${r.trackingCode}`)} />;
  } else if (action === 'resolve') {
    form = <ReasonForm label="办理结果(将告知居民)" name="resolution" placeholder="问题如何解决、现场情况" submit="确认办结" busy={busy}
      onSubmit={(resolution) => run(M.resolve, { resolution }, `已办结 ${r.trackingCode}`)} />;
  } else if (action === 'escalate') {
    form = <ReasonForm label="街道与承办单位的联合说明" name="jointExplanation" placeholder="两次分流均有异议的原因,提请区里裁定" submit="提级至区里" danger busy={busy}
      onSubmit={(jointExplanation) => run(M.escalate, { jointExplanation }, `已提级 ${r.trackingCode}`)} />;
  } else if (action === 'classify') {
    form = <ClassifyForm busy={busy} onSubmit={(input) => run(M.classify, input, `已分档 ${r.trackingCode}:${TIER[input.tier]}`)} />;
  } else if (action === 'assignPrivate') {
    form = <PrivateForm busy={busy} onSubmit={(input) => run(M.assignPrivate, input, `已指派 ${r.trackingCode}`)} />;
  } else if (action === 'redispatch') {
    form = refData ? <DispatchForm request={r} refData={refData} busy={busy} submitLabel="二次分流" onSubmit={(input) => run(M.redispatch, input, `已二次分流 ${r.trackingCode}`)} /> : <p className="muted">正在加载单位列表…</p>;
  }

  return (
    <div className="actions-layout">
      <RequestSummary r={r} />
      <div className="actions-pane">
        {error && <p className="error" role="alert">{error}</p>}
        {form || <p className="muted">查看诉求详情。</p>}
      </div>
    </div>
  );
}

function ClassifyForm({ busy, onSubmit }) {
  const [tier, setTier] = useState('A');
  const [f, setF] = useState({ assigneeName: '', assigneeTitle: '', assigneePhone: '', deadline: '', workPlan: '', progressIntervalDays: 7, note: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  function submit(e) {
    e.preventDefault();
    const input = { tier, note: f.note };
    if (tier === 'B') Object.assign(input, { assigneeName: f.assigneeName, assigneeTitle: f.assigneeTitle, assigneePhone: f.assigneePhone, deadline: shanghaiLocalToIso(f.deadline) });
    if (tier === 'C') Object.assign(input, { workPlan: f.workPlan, progressIntervalDays: Number(f.progressIntervalDays) || null });
    onSubmit(input);
  }
  return (
    <form onSubmit={submit} aria-label="分档">
      <div className="field">
        <span className="field-label">分档</span>
        <div className="scope-pick" role="radiogroup">
          {[['A', '立即派人到现场解决'], ['B', '需要时间:公示承办人与时限'], ['C', '常态化工作:制定方案定期反馈']].map(([t, hint]) => (
            <button key={t} type="button" role="radio" aria-checked={tier === t} className={tier === t ? 'on' : ''} onClick={() => setTier(t)}>
              <b>{TIER[t]}</b><small>{hint}</small>
            </button>
          ))}
        </div>
      </div>
      {tier === 'B' && (
        <div className="grid2">
          <label className="field"><span className="field-label">承办人姓名(向居民公示)</span><input value={f.assigneeName} onChange={set('assigneeName')} required maxLength={32} /></label>
          <label className="field"><span className="field-label">职务</span><input value={f.assigneeTitle} onChange={set('assigneeTitle')} required maxLength={32} /></label>
          <label className="field"><span className="field-label">工作电话</span><input value={f.assigneePhone} onChange={set('assigneePhone')} required inputMode="tel" maxLength={20} /></label>
          <label className="field"><span className="field-label">解决时限</span><input type="datetime-local" value={f.deadline} onChange={set('deadline')} required /></label>
        </div>
      )}
      {tier === 'C' && (
        <>
          <label className="field"><span className="field-label">工作方案</span><textarea rows={4} value={f.workPlan} onChange={set('workPlan')} required maxLength={4000} /></label>
          <label className="field"><span className="field-label">进展反馈周期(天,1–31)</span><input type="number" min={1} max={31} value={f.progressIntervalDays} onChange={set('progressIntervalDays')} required /></label>
        </>
      )}
      <label className="field"><span className="field-label">说明(可选)</span><input value={f.note} onChange={set('note')} maxLength={500} /></label>
      <button className="btn primary" type="submit" disabled={busy}>确认分档</button>
    </form>
  );
}

function PrivateForm({ busy, onSubmit }) {
  const [kind, setKind] = useState('MEDIATION');
  const units = kind === 'MEDIATION' ? MEDIATION_UNITS : RESOURCE_UNITS;
  const [unitKind, setUnitKind] = useState(units[0]);
  const [label, setLabel] = useState('');
  const [note, setNote] = useState('');
  const changeKind = (k) => {
    setKind(k);
    setUnitKind((k === 'MEDIATION' ? MEDIATION_UNITS : RESOURCE_UNITS)[0]);
  };
  return (
    <form onSubmit={(e) => { e.preventDefault(); onSubmit({ kind, unitKind, assigneeLabel: label, note }); }} aria-label="指派">
      <div className="field">
        <span className="field-label">私事类型</span>
        <div className="segmented">
          <button type="button" className={kind === 'MEDIATION' ? 'on' : ''} onClick={() => changeKind('MEDIATION')}>矛盾调解</button>
          <button type="button" className={kind === 'RESOURCE' ? 'on' : ''} onClick={() => changeKind('RESOURCE')}>资源服务</button>
        </div>
      </div>
      <label className="field">
        <span className="field-label">交由</span>
        <select value={unitKind} onChange={(e) => setUnitKind(e.target.value)}>
          {units.map((u) => <option key={u} value={u}>{UNIT_KIND[u]}</option>)}
        </select>
      </label>
      <label className="field">
        <span className="field-label">承办人 / 队伍名称{unitKind === 'GRID' ? '(可选)' : ''}</span>
        <input value={label} onChange={(e) => setLabel(e.target.value)} required={unitKind !== 'GRID'} maxLength={64} />
      </label>
      <label className="field"><span className="field-label">说明(可选)</span><input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} /></label>
      <button className="btn primary" type="submit" disabled={busy}>确认指派</button>
    </form>
  );
}
