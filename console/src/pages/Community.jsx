// 社区工作台 — a community worker's pages beyond the request queue: its big party committee
// (member units, 双报到, co-building tasks, live), its 阳光17议 meetings and its time bank.
// Routes: /console/community/partners · /console/community/meetings · /console/community/timebank
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { createLiveClient, gql, liveSubscribe, shanghaiLocalToIso, startOfTodayShanghai } from '../api.js';
import { Modal, TopBar, useDebounced, useTick } from '../components.jsx';
import { CO_TASKS, DUAL_REPORTS_FULL, OPEN_REQUESTS, PARTNER_UNITS, PM, SUB_CO_TASKS, TM } from '../partnerQueries.js';
import { navigate } from '../router.js';
import CommunityMeetings from './CommunityMeetings.jsx';
import CommunityTimeBank from './CommunityTimeBank.jsx';
import { TaskFacts, TaskList, liveSince, mergeNewer, upsertTask, useOpenTask } from './Partner.jsx';

export const COMMUNITY_TABS = [
  ['queue', '待办工作台', '/console/'],
  ['partners', '大党委共建', '/console/community/partners'],
  ['meetings', '阳光议事', '/console/community/meetings'],
  ['timebank', '时间银行', '/console/community/timebank'],
  ['qr', '楼栋二维码', '/console/admin/qr'],
];

/** The tab strip shown above a community worker's pages (and above the request queue). */
export function CommunityNav({ current }) {
  return (
    <nav className="tabs community-nav" aria-label="社区工作台" data-testid="community-nav">
      {COMMUNITY_TABS.map(([key, label, href]) => (
        <button key={key} type="button" className={current === key ? 'on' : ''} data-tab={key} aria-current={current === key ? 'page' : undefined}
          onClick={() => navigate(href)}>{label}</button>
      ))}
    </nav>
  );
}

const PARTNER_KIND = { STATIONED_UNIT: '驻区单位', ENTERPRISE: '企业', TWO_NEW: '两新组织', PROPERTY_COMPANY: '物业公司' };

export default function Community({ session, onSignOut, tab }) {
  const { user } = session;
  const communities = useMemo(() => (user.scopes || []).filter((s) => s.kind === 'COMMUNITY'), [user.scopes]);
  const [communityId, setCommunityId] = useState(communities[0]?.refId || null);
  const [status, setStatus] = useState(null);
  const community = communities.find((c) => c.refId === communityId);
  const current = COMMUNITY_TABS.some(([k]) => k === tab) ? tab : 'partners';

  return (
    <div className="unit-view community-view" data-testid="community-view" data-tab={current}>
      <CommunityNav current={current} />
      <TopBar title={`${community ? community.name : '社区'} · ${COMMUNITY_TABS.find(([k]) => k === current)[1]}`} subtitle={user.roleLabel}
        session={session} status={status} onSignOut={onSignOut}>
        {communities.length > 1 && (
          <select aria-label="社区" value={communityId || ''} onChange={(e) => setCommunityId(e.target.value)}>
            {communities.map((c) => <option key={c.refId} value={c.refId}>{c.name}</option>)}
          </select>
        )}
      </TopBar>
      {!communityId && <p className="empty big">当前账号没有社区范围,无法使用社区工作台。</p>}
      {communityId && current === 'partners' && <PartnersTab key={communityId} session={session} communityId={communityId} onStatus={setStatus} />}
      {communityId && current === 'meetings' && <CommunityMeetings key={communityId} communityId={communityId} onStatus={setStatus} />}
      {communityId && current === 'timebank' && <CommunityTimeBank key={communityId} communityId={communityId} onStatus={setStatus} />}
    </div>
  );
}

// ------------------------------------------------------------------ 大党委: units, 双报到, tasks (live)

function PartnersTab({ session, communityId, onStatus }) {
  const [units, setUnits] = useState(null);
  const [reports, setReports] = useState(null);
  const [tasks, setTasks] = useState(null);
  const [error, setError] = useState('');
  const [toast, setToast] = useState(null);
  const dialog = useOpenTask(setError);
  const [creating, setCreating] = useState(false);
  const [register, setRegister] = useState(null); // { kind: 'unit' | 'dual' | 'dual-service', report? }
  const [retiring, setRetiring] = useState(null); // the unit whose retirement awaits confirmation
  const arrived = useRef(new Map());
  const known = useRef(null);
  const cursor = useRef(null);
  const liveAt = useRef(new Map());
  useTick(10_000);

  const loadTasks = useCallback(async () => {
    const startedAt = Date.now();
    try {
      const d = await gql(CO_TASKS, { filter: { communityId }, first: 50 });
      const nodes = d.coTasks.edges.map((e) => e.node);
      if (known.current) nodes.forEach((n) => !known.current.has(n.id) && arrived.current.set(n.id, Date.now()));
      known.current = new Set([...nodes.map((n) => n.id), ...liveSince(liveAt.current, startedAt)]);
      setTasks((old) => mergeNewer(nodes, old, liveAt.current, startedAt));
    } catch (err) {
      if (err.code !== 'NETWORK') setError(err.message);
    }
  }, [communityId]);
  const scheduleLoad = useDebounced(loadTasks, 150);

  useEffect(() => {
    loadTasks();
    gql(PARTNER_UNITS, { communityId }).then((d) => setUnits(d.partnerUnits.edges.map((e) => e.node))).catch((e) => setError(e.message));
    gql(DUAL_REPORTS_FULL, { communityId }).then((d) => setReports(d.dualReports.edges.map((e) => e.node))).catch((e) => setError(e.message));
  }, [communityId, loadTasks]);

  const upsert = (setter, row) => setter((list) => (list && list.some((x) => x.id === row.id) ? list.map((x) => (x.id === row.id ? row : x)) : [row, ...(list || [])]));
  async function retireUnit(unit) {
    setError('');
    try {
      const d = await gql(PM.updateUnit, { i: { id: unit.id, active: false } });
      upsert(setUnits, d.updatePartnerUnit.partnerUnit);
      setToast(`${unit.name} 已退出大党委`);
    } catch (err) {
      setError(err.message);
    } finally {
      setRetiring(null);
    }
  }

  useEffect(() => {
    const client = createLiveClient(session.token, {
      onStatus: (s) => {
        onStatus(s);
        if (s === 'online') scheduleLoad();
      },
    });
    const stop = liveSubscribe(client, SUB_CO_TASKS, {}, {
      cursor,
      onEvent: (event) => {
        const task = event.task;
        if (!task || task.community?.id !== communityId) return;
        liveAt.current.set(task.id, Date.now());
        if (known.current && !known.current.has(task.id)) {
          known.current.add(task.id);
          arrived.current.set(task.id, Date.now());
        }
        setTasks((list) => upsertTask(list, task));
        dialog.update(task);
      },
      onError: (err) => err.code !== 'BAD_USER_INPUT' && setError(err.message),
    });
    return () => {
      stop();
      client.dispose();
      onStatus(null);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session.token, communityId]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const done = (task, message) => {
    setTasks((l) => upsertTask(l || [], task));
    dialog.update(task);
    if (known.current) known.current.add(task.id);
    setToast(message);
  };
  const active = (tasks || []).filter((t) => t.state === 'OPEN' || t.state === 'IN_PROGRESS').length;
  const waitingMe = (tasks || []).filter((t) => t.state === 'IN_PROGRESS' && t.parts.some((p) => p.state === 'DONE') && !t.parts.some((p) => p.state === 'ACCEPTED')).length;

  return (
    <>
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <section className="kpis small four even" aria-label="大党委概况">
        <div className="kpi" data-testid="unit-count"><span className="kpi-label">成员单位</span><span className="kpi-value">{units ? units.length : '—'}</span></div>
        <div className="kpi"><span className="kpi-label">双报到</span><span className="kpi-value">{reports ? reports.length : '—'}</span></div>
        <div className="kpi amber"><span className="kpi-label">进行中任务</span><span className="kpi-value">{tasks ? active : '—'}</span></div>
        <div className="kpi red" data-testid="tasks-to-complete"><span className="kpi-label">待社区确认</span><span className="kpi-value">{tasks ? waitingMe : '—'}</span></div>
      </section>
      <main className="queue community-grid">
        <section className="panel" aria-label="共建任务">
          <div className="panel-head">
            <h2>共建任务 <span className="muted">{tasks ? `${tasks.length} 项` : ''}</span></h2>
            <button type="button" className="btn primary" data-action="new-task" onClick={() => setCreating(true)} disabled={!units}>发起共建任务</button>
          </div>
          {!tasks && <p className="muted">正在加载…</p>}
          {tasks && tasks.length === 0 && <p className="empty">暂无共建任务。</p>}
          <TaskList tasks={tasks || []} arrived={arrived} onOpen={dialog.open} testid="community-task-list" />
        </section>
        <section className="panel" aria-label="大党委成员单位">
          <div className="panel-head">
            <h2>大党委成员单位</h2>
            <button type="button" className="btn" data-action="add-unit" disabled={!units} onClick={() => setRegister({ kind: 'unit' })}>添加成员单位</button>
          </div>
          {!units && <p className="muted">正在加载…</p>}
          {units && units.length === 0 && <p className="empty">本社区尚无成员单位。</p>}
          <ul className="plain-list units" data-testid="partner-units">
            {(units || []).map((u) => (
              <li key={u.id} className={u.active ? '' : 'inactive'} data-testid="partner-unit" data-name={u.name}>
                <b>{u.name}</b> <span className="tag">{PARTNER_KIND[u.kind] || u.kind}</span>{!u.active && <span className="tag late">已退出</span>}
                <div className="muted small">{u.services || '—'}</div>
                <div className="small">联系人:{u.contacts.length ? u.contacts.map((c) => c.displayName).join('、') : '未开通账号'}</div>
                {u.active && retiring !== u.id && <button type="button" className="btn small ghost" data-action="retire-unit" onClick={() => setRetiring(u.id)}>退出大党委</button>}
                {u.active && retiring === u.id && (
                  <span className="row gap">
                    <button type="button" className="btn small danger" data-action="confirm-retire" onClick={() => retireUnit(u)}>确认退出</button>
                    <button type="button" className="btn small ghost" onClick={() => setRetiring(null)}>取消</button>
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="panel-head sub">
            <h2>双报到</h2>
            <button type="button" className="btn" data-action="add-dual-report" disabled={!units} onClick={() => setRegister({ kind: 'dual' })}>登记双报到</button>
          </div>
          {reports && reports.length === 0 && <p className="empty">暂无双报到记录。</p>}
          <ul className="plain-list" data-testid="dual-reports">
            {(reports || []).map((r) => (
              <li key={r.id} data-testid="dual-report" data-name={r.name} data-kind={r.kind}>
                <b>{r.name}</b> <span className="tag">{r.kind === 'ORGANISATION' ? '党组织' : '党员'}</span>
                <span className="muted small"> {r.affiliation}{r.partnerUnit ? ` · ${r.partnerUnit.name}` : ''}{r.phone ? ` · ${r.phone}` : ''} · 服务 <span data-testid="dual-hours">{Math.round(r.totalMinutes / 6) / 10}</span> 小时</span>
                {r.active && <button type="button" className="btn small ghost" data-action="dual-service" onClick={() => setRegister({ kind: 'dual-service', report: r })}>记录服务</button>}
              </li>
            ))}
          </ul>
        </section>
      </main>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
      {dialog.openId && (
        <Modal title={`共建任务 · ${dialog.detail ? dialog.detail.title : ''}`} onClose={dialog.close} wide>
          {dialog.detail === null && <p className="muted">正在加载任务…</p>}
          {dialog.detail === false && <p className="empty">该任务不存在。</p>}
          {dialog.detail && <CommunityTask task={dialog.detail} onDone={done} />}
        </Modal>
      )}
      {register?.kind === 'unit' && (
        <Modal title="添加大党委成员单位" onClose={() => setRegister(null)}>
          <PartnerUnitForm communityId={communityId} onDone={(u) => { setRegister(null); upsert(setUnits, u); setToast(`已添加成员单位:${u.name}`); }} />
        </Modal>
      )}
      {register?.kind === 'dual' && (
        <Modal title="登记双报到" onClose={() => setRegister(null)}>
          <DualReportForm communityId={communityId} units={(units || []).filter((u) => u.active)}
            onDone={(r) => { setRegister(null); upsert(setReports, r); setToast(`已登记双报到:${r.name}`); }} />
        </Modal>
      )}
      {register?.kind === 'dual-service' && (
        <Modal title={`记录服务 · ${register.report.name}`} onClose={() => setRegister(null)}>
          <DualServiceForm report={register.report} onDone={(r) => { setRegister(null); upsert(setReports, r); setToast(`已记录 ${r.name} 的服务`); }} />
        </Modal>
      )}
      {creating && (
        <Modal title="发起共建任务" onClose={() => setCreating(false)} wide>
          <NewTaskForm communityId={communityId} units={(units || []).filter((u) => u.active)}
            onDone={(task) => { setCreating(false); done(task, `已发起共建任务:${task.title}`); }} />
        </Modal>
      )}
    </>
  );
}

function CommunityTask({ task, onDone }) {
  const [action, setAction] = useState(null);
  const [text, setText] = useState('');
  const [resolveRequests, setResolveRequests] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const live = task.state === 'OPEN' || task.state === 'IN_PROGRESS';
  const canComplete = task.state === 'IN_PROGRESS' && task.parts.some((p) => p.state === 'DONE') && !task.parts.some((p) => p.state === 'ACCEPTED');

  async function submit(e) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError('');
    try {
      if (action === 'complete') {
        const d = await gql(TM.complete, { i: { id: task.id, result: text.trim(), resolveRequests, version: task.version } });
        const r = d.completeCoTask;
        setNote(r.unresolved.length ? `${r.unresolved.length} 件关联诉求未办结:${r.unresolved.map((u) => u.reason).join(';')}` : '');
        onDone(r.task, `已确认完成:${task.title}${r.resolvedRequestIds.length ? `,办结关联诉求 ${r.resolvedRequestIds.length} 件` : ''}`);
      } else {
        const d = await gql(TM.cancel, { i: { id: task.id, text: text.trim(), version: task.version } });
        onDone(d.cancelCoTask.task, `已取消:${task.title}`);
      }
      setAction(null);
      setText('');
    } catch (err) {
      setError(err.code === 'CONFLICT' ? '该任务刚有变化,已为您更新,请确认后再提交。' : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="actions-layout">
      <TaskFacts task={task} />
      <div className="actions-pane">
        {error && <p className="error" role="alert">{error}</p>}
        {note && <p className="notice">{note}</p>}
        {live && !canComplete && <p className="muted">{task.parts.some((p) => p.state === 'ACCEPTED') ? '共建单位办理中;全部完成后可确认任务完成。' : '等待共建单位接受任务。'}</p>}
        <div className="row gap">
          {canComplete && <button type="button" className="btn primary" data-action="complete" onClick={() => { setAction('complete'); setText(''); }}>确认完成</button>}
          {live && <button type="button" className="btn danger" data-action="cancel" onClick={() => { setAction('cancel'); setText(''); }}>取消任务</button>}
        </div>
        {action && (
          <form onSubmit={submit} aria-label={action === 'complete' ? '确认完成' : '取消任务'}>
            <label className="field">
              <span className="field-label">{action === 'complete' ? '任务结果(将记入关联诉求的办理结果)' : '取消原因'}</span>
              <textarea name="text" rows={3} value={text} onChange={(e) => setText(e.target.value)} required maxLength={4000} />
            </label>
            {action === 'complete' && task.linkedRequests.length > 0 && (
              <label className="check"><input type="checkbox" checked={resolveRequests} onChange={(e) => setResolveRequests(e.target.checked)} /> 同时办结本社区承办的关联诉求(居民将收到评价邀请)</label>
            )}
            <button className={`btn ${action === 'complete' ? 'primary' : 'danger'}`} type="submit" data-action="submit" disabled={busy || !text.trim()}>
              {action === 'complete' ? '确认完成' : '确认取消'}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}

function NewTaskForm({ communityId, units, onDone }) {
  const [f, setF] = useState({ title: '', ask: '', dueAt: '' });
  const [picked, setPicked] = useState(new Set());
  const [reqs, setReqs] = useState(new Set());
  const [requests, setRequests] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const toggle = (setter, id) => setter((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });

  useEffect(() => {
    gql(OPEN_REQUESTS, { communityId }).then((d) => setRequests(d.requests.edges.map((e) => e.node))).catch((e) => setError(e.message));
  }, [communityId]);

  async function submit(e) {
    e.preventDefault();
    if (!picked.size) {
      setError('请至少选择一个共建单位');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const d = await gql(TM.create, { i: {
        communityId, title: f.title.trim(), ask: f.ask.trim(), partnerUnitIds: [...picked], requestIds: [...reqs], dueAt: shanghaiLocalToIso(f.dueAt),
      } });
      onDone(d.createCoTask.task);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label="发起共建任务" data-testid="new-task-form">
      {error && <p className="error" role="alert">{error}</p>}
      <label className="field"><span className="field-label">任务名称</span><input name="title" value={f.title} onChange={set('title')} required maxLength={120} /></label>
      <label className="field"><span className="field-label">任务内容(请共建单位做什么)</span><textarea name="ask" rows={3} value={f.ask} onChange={set('ask')} required maxLength={4000} /></label>
      <label className="field"><span className="field-label">完成期限(可选)</span><input name="dueAt" type="datetime-local" value={f.dueAt} onChange={set('dueAt')} /></label>
      <fieldset className="field pick-list">
        <legend className="field-label">共建单位(大党委在册成员单位)</legend>
        {units.length === 0 && <p className="muted">本社区尚无在册成员单位。</p>}
        {units.map((u) => (
          <label key={u.id} className="check"><input type="checkbox" name="partner" value={u.id} data-name={u.name} checked={picked.has(u.id)} onChange={() => toggle(setPicked, u.id)} /> {u.name} <span className="muted small">{u.services}</span></label>
        ))}
      </fieldset>
      <fieldset className="field pick-list">
        <legend className="field-label">关联诉求(可选,本社区办理中的诉求)</legend>
        {!requests && <p className="muted">正在加载…</p>}
        {requests && requests.length === 0 && <p className="muted">本社区暂无未办结诉求。</p>}
        {(requests || []).map((r) => (
          <label key={r.id} className="check"><input type="checkbox" name="request" value={r.id} checked={reqs.has(r.id)} onChange={() => toggle(setReqs, r.id)} />
            {' '}<span className="code">{r.trackingCode}</span> {r.title} <span className={`tag state state-${r.state}`}>{r.stateLabel}</span></label>
        ))}
      </fieldset>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>发起任务</button>
      <p className="hint">受邀单位将实时收到任务;单位接受、反馈进展和完成情况会实时显示在任务记录中。</p>
      <p className="hint">已选 {picked.size} 个单位{reqs.size ? `、${reqs.size} 件诉求` : ''}。{[...picked].length > 0 && units.filter((u) => picked.has(u.id)).map((u) => u.name).join('、')}</p>
    </form>
  );
}

// ------------------------------------------------------------------ 大党委 register: units, 双报到, services

const todayShanghai = () => startOfTodayShanghai().slice(0, 10);

/** A form's submit that runs once at a time (a double click does not register twice). */
function useOnce() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const inFlight = useRef(false);
  const run = async (fn) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(err.message);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

function PartnerUnitForm({ communityId, onDone }) {
  const [f, setF] = useState({ name: '', kind: 'STATIONED_UNIT', services: '', joinedOn: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const { busy, error, run } = useOnce();
  return (
    <form aria-label="添加成员单位" data-testid="partner-unit-form" onSubmit={(e) => {
      e.preventDefault();
      run(async () => {
        const d = await gql(PM.addUnit, { i: { communityId, name: f.name.trim(), kind: f.kind, services: f.services.trim() || null, joinedOn: f.joinedOn || null } });
        onDone(d.addPartnerUnit.partnerUnit);
      });
    }}>
      {error && <p className="error" role="alert">{error}</p>}
      <label className="field"><span className="field-label">单位名称</span><input name="name" value={f.name} onChange={set('name')} required maxLength={128} /></label>
      <label className="field"><span className="field-label">类别</span>
        <select name="kind" value={f.kind} onChange={set('kind')}>{Object.entries(PARTNER_KIND).map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select></label>
      <label className="field"><span className="field-label">可提供的服务 / 资源</span><textarea name="services" rows={3} value={f.services} onChange={set('services')} maxLength={2000} placeholder="如:管道疏通、应急抢修" /></label>
      <label className="field"><span className="field-label">加入日期(可选,默认今天)</span><input name="joinedOn" type="date" value={f.joinedOn} max={todayShanghai()} onChange={set('joinedOn')} /></label>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.name.trim()}>添加</button>
    </form>
  );
}

function DualReportForm({ communityId, units, onDone }) {
  const [f, setF] = useState({ kind: 'MEMBER', name: '', affiliation: '', phone: '', partnerUnitId: '', reportedOn: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const { busy, error, run } = useOnce();
  const member = f.kind === 'MEMBER';
  return (
    <form aria-label="登记双报到" data-testid="dual-report-form" onSubmit={(e) => {
      e.preventDefault();
      run(async () => {
        const d = await gql(PM.registerDualReport, { i: {
          communityId, kind: f.kind, name: f.name.trim(), affiliation: f.affiliation.trim() || null, phone: f.phone.trim() || null,
          partnerUnitId: f.partnerUnitId || null, reportedOn: f.reportedOn || null,
        } });
        onDone(d.registerDualReport.dualReport);
      });
    }}>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="field">
        <span className="field-label">报到类别</span>
        <div className="segmented">
          <button type="button" className={member ? 'on' : ''} data-kind="MEMBER" onClick={() => setF({ ...f, kind: 'MEMBER' })}>在职党员</button>
          <button type="button" className={!member ? 'on' : ''} data-kind="ORGANISATION" onClick={() => setF({ ...f, kind: 'ORGANISATION' })}>党组织</button>
        </div>
      </div>
      <label className="field"><span className="field-label">{member ? '党员姓名' : '党组织名称'}</span><input name="name" value={f.name} onChange={set('name')} required maxLength={128} /></label>
      <label className="field"><span className="field-label">{member ? '工作单位' : '上级党组织'}</span><input name="affiliation" value={f.affiliation} onChange={set('affiliation')} maxLength={200} /></label>
      <label className="field"><span className="field-label">联系电话(可选)</span><input name="phone" type="tel" value={f.phone} onChange={set('phone')} maxLength={20} /></label>
      <label className="field"><span className="field-label">所属成员单位(可选)</span>
        <select name="partnerUnit" value={f.partnerUnitId} onChange={set('partnerUnitId')}>
          <option value="">—— 不属于大党委成员单位 ——</option>
          {units.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
        </select></label>
      <label className="field"><span className="field-label">报到日期(可选,默认今天)</span><input name="reportedOn" type="date" value={f.reportedOn} max={todayShanghai()} onChange={set('reportedOn')} /></label>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.name.trim()}>登记</button>
    </form>
  );
}

function DualServiceForm({ report, onDone }) {
  const [f, setF] = useState({ description: '', servedOn: todayShanghai(), hours: '2' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const { busy, error, setError, run } = useOnce();
  const minutes = Math.round(Number(f.hours) * 60);
  return (
    <form aria-label="记录双报到服务" data-testid="dual-service-form" onSubmit={(e) => {
      e.preventDefault();
      if (!(minutes >= 1 && minutes <= 1440)) {
        setError('服务时长须在 1 分钟到 24 小时之间');
        return;
      }
      run(async () => {
        const d = await gql(PM.recordDualService, { i: { dualReportId: report.id, servedOn: f.servedOn, minutes, description: f.description.trim() } });
        onDone(d.recordDualReportService.dualReport);
      });
    }}>
      {error && <p className="error" role="alert">{error}</p>}
      <label className="field"><span className="field-label">服务内容</span><input name="description" value={f.description} onChange={set('description')} required maxLength={500} placeholder="如:参加社区环境整治" /></label>
      <div className="row gap">
        <label className="field"><span className="field-label">服务日期</span><input name="servedOn" type="date" value={f.servedOn} max={todayShanghai()} onChange={set('servedOn')} required /></label>
        <label className="field"><span className="field-label">时长(小时)</span><input name="hours" type="number" min="0.1" max="24" step="0.1" value={f.hours} onChange={set('hours')} required /></label>
      </div>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.description.trim()}>记录</button>
    </form>
  );
}
