// 共建单位工作台 — a partner unit of a community's big party committee (role PARTNER) sees its own
// co-building tasks only, live: new tasks and every change arrive over `coTaskUpdated`, which
// resumes from its last cursor after a drop; the list is re-read on every (re)connect.
// A partner sees nothing personal: no request fields are ever asked for, only the tasks'
// `linkedRequests` summaries (title, category, place — never a reporter or a room).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { createLiveClient, fullDateTime, gql, liveSubscribe, relative } from '../api.js';
import { Modal, TopBar, useDebounced, useTick } from '../components.jsx';
import { CO_TASK, CO_TASKS, SUB_CO_TASKS, TM } from '../partnerQueries.js';

const FRESH_MS = 45_000;

export const PART_STATE = { INVITED: '待接受', ACCEPTED: '办理中', DECLINED: '已拒绝', DONE: '已完成' };
export const EVENT_KIND = {
  CREATED: '发起任务',
  INVITED: '邀请单位',
  ACCEPTED: '接受任务',
  DECLINED: '拒绝任务',
  PROGRESS: '反馈进展',
  PARTNER_DONE: '单位完成',
  COMPLETED: '任务完成',
  CANCELLED: '任务取消',
};

/** This partner's own part of a task (the first of its units invited). */
export function myPart(task, unitIds) {
  return (task.parts || []).find((p) => unitIds.has(p.partnerUnit.id)) || null;
}

/** The steps a partner may take (the server checks again). */
function partnerActions(task, part) {
  if (!part) return [];
  const live = task.state === 'OPEN' || task.state === 'IN_PROGRESS';
  if (live && part.state === 'INVITED') return ['accept', 'decline'];
  if (task.state === 'IN_PROGRESS' && part.state === 'ACCEPTED') return ['progress', 'finish'];
  return [];
}

const ACTION = {
  accept: { label: '接受任务', done: '已接受任务', field: '接受说明(可选)', optional: true, cls: 'primary' },
  decline: { label: '拒绝', done: '已拒绝任务', field: '拒绝理由', cls: 'danger' },
  progress: { label: '反馈进展', done: '已反馈进展', field: '进展说明', cls: '' },
  finish: { label: '完成本单位任务', done: '已完成本单位任务', field: '完成情况(做了什么、效果如何)', cls: 'primary' },
};

/** The task open in a dialog: read in full when opened, then kept current by live events and steps. */
export function useOpenTask(onError) {
  const [openId, setOpenId] = useState(null);
  const [detail, setDetail] = useState(null);
  const openRef = useRef(null);
  const open = useCallback(async (id) => {
    openRef.current = id;
    setOpenId(id);
    setDetail(null);
    try {
      const d = await gql(CO_TASK, { id });
      if (openRef.current === id) setDetail(d.coTask || false);
    } catch (err) {
      onError(err.message);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const close = useCallback(() => {
    openRef.current = null;
    setOpenId(null);
    setDetail(null);
  }, []);
  const update = useCallback((task) => {
    if (task && openRef.current === task.id) setDetail((d) => (d && d.version > task.version ? d : task));
  }, []);
  return { openId, detail, open, close, update };
}

/** A freshly read list, keeping any task a live event already brought in a newer version, and any
 * task a live event brought after the read began (`liveAt`: task id → when its event arrived): the
 * read may have been answered from before that task existed, and must not make it vanish. */
export function mergeNewer(nodes, old, liveAt = null, startedAt = 0) {
  if (!old) return nodes;
  const seen = new Map(old.map((t) => [t.id, t]));
  const read = new Set(nodes.map((n) => n.id));
  const missed = liveAt ? old.filter((t) => !read.has(t.id) && (liveAt.get(t.id) || 0) >= startedAt) : [];
  return [...missed, ...nodes.map((n) => {
    const o = seen.get(n.id);
    return o && o.version > n.version ? o : n;
  })];
}

/** Ids a read missed that a live event brought since `startedAt`. */
export function liveSince(liveAt, startedAt) {
  return [...liveAt.entries()].filter(([, at]) => at >= startedAt).map(([id]) => id);
}

/** Insert or replace a task in a newest-first list (an older version never replaces a newer one). */
export function upsertTask(list, task) {
  if (!list) return list;
  const i = list.findIndex((t) => t.id === task.id);
  if (i >= 0) return list[i].version > task.version ? list : list.map((t) => (t.id === task.id ? task : t));
  return [task, ...list];
}

export default function Partner({ session, onSignOut }) {
  const { user } = session;
  const unitIds = useMemo(() => new Set((user.scopes || []).filter((s) => s.kind === 'PARTNER').map((s) => s.refId)), [user.scopes]);
  const [status, setStatus] = useState('connecting');
  const [tasks, setTasks] = useState(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState('');
  const [toast, setToast] = useState(null);
  const dialog = useOpenTask(setError);
  const arrived = useRef(new Map());
  const known = useRef(null);
  const cursor = useRef(null);
  const liveAt = useRef(new Map());
  useTick(10_000);

  const load = useCallback(async () => {
    const startedAt = Date.now();
    try {
      const d = await gql(CO_TASKS, { first: 50 });
      const nodes = d.coTasks.edges.map((e) => e.node);
      if (known.current) nodes.forEach((n) => !known.current.has(n.id) && arrived.current.set(n.id, Date.now()));
      known.current = new Set([...nodes.map((n) => n.id), ...liveSince(liveAt.current, startedAt)]);
      setTasks((old) => mergeNewer(nodes, old, liveAt.current, startedAt));
      setTotal(d.coTasks.totalCount);
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
    const stop = liveSubscribe(client, SUB_CO_TASKS, {}, {
      cursor,
      onEvent: (event) => {
        const task = event.task;
        if (!task) return;
        liveAt.current.set(task.id, Date.now());
        if (known.current && !known.current.has(task.id)) {
          known.current.add(task.id);
          arrived.current.set(task.id, Date.now());
          setTotal((n) => n + 1);
        }
        setTasks((list) => upsertTask(list, task));
        dialog.update(task);
      },
      onError: (err) => err.code !== 'BAD_USER_INPUT' && setError(err.message),
    });
    return () => {
      stop();
      client.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session.token]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const unitName = (user.scopes || []).map((s) => s.name).join('、') || user.displayName;
  const parts = (tasks || []).map((t) => myPart(t, unitIds));
  const waiting = parts.filter((p) => p && p.state === 'INVITED').length;
  const working = parts.filter((p) => p && p.state === 'ACCEPTED').length;

  return (
    <div className="unit-view partner-view" data-testid="partner-view">
      <TopBar title={`${unitName} · 共建任务`} subtitle={`${user.roleLabel} · 大党委成员单位`} session={session} status={status} onSignOut={onSignOut} />
      {status !== 'online' && tasks && (
        <div className="offline-banner" role="alert" data-testid="offline-banner">实时连接已中断,正在自动重连;恢复后自动补齐期间的任务变化。</div>
      )}
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <section className="kpis small four" aria-label="任务统计">
        <div className="kpi" data-testid="task-total"><span className="kpi-label">全部任务</span><span className="kpi-value">{tasks ? total : '—'}</span></div>
        <div className="kpi amber" data-testid="task-waiting"><span className="kpi-label">待接受</span><span className="kpi-value">{tasks ? waiting : '—'}</span></div>
        <div className="kpi" data-testid="task-working"><span className="kpi-label">办理中</span><span className="kpi-value">{tasks ? working : '—'}</span></div>
        <div className="kpi muted"><span className="kpi-label">说明</span><span className="kpi-note">社区发起的共建任务实时到达;接受后请及时反馈进展,完成时填写完成情况。</span></div>
      </section>
      <main className="queue">
        {!tasks && <p className="muted big">正在加载共建任务…</p>}
        {tasks && tasks.length === 0 && <p className="empty big">暂无共建任务。社区发起的新任务会即时出现在这里。</p>}
        <TaskList tasks={tasks || []} arrived={arrived} unitIds={unitIds} onOpen={dialog.open} testid="task-list" />
      </main>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
      {dialog.openId && (
        <Modal title={`共建任务 · ${dialog.detail ? dialog.detail.title : ''}`} onClose={dialog.close} wide>
          {dialog.detail === null && <p className="muted">正在加载任务…</p>}
          {dialog.detail === false && <p className="empty">该任务不存在或已不再对本单位可见。</p>}
          {dialog.detail && (
            <PartnerTask task={dialog.detail} part={myPart(dialog.detail, unitIds)}
              onDone={(task, message) => { setTasks((l) => upsertTask(l, task)); dialog.update(task); setToast(message); }} />
          )}
        </Modal>
      )}
    </div>
  );
}

/** A newest-first list of task cards; `unitIds` marks the viewer's own part when a partner. */
export function TaskList({ tasks, arrived, unitIds, onOpen, testid }) {
  return (
    <ol className="queue-list" data-testid={testid}>
      {tasks.map((t) => {
        const fresh = Date.now() - (arrived.current.get(t.id) || 0) < FRESH_MS;
        const part = unitIds ? myPart(t, unitIds) : null;
        return (
          <li key={t.id} className={`queue-item ${fresh ? 'fresh' : ''} ${t.overdue ? 'is-overdue' : ''}`} data-testid="task-item"
            data-task-id={t.id} data-title={t.title} data-state={t.state} data-part-state={part ? part.state : ''}
            data-parts={t.parts.map((p) => p.state).join(' ')}>
            <div className="queue-main">
              <div className="queue-head">
                <span className={`tag task-state task-${t.state}`} data-testid="task-state">{t.stateLabel}</span>
                {part && <span className="tag unit" data-testid="part-state">本单位:{PART_STATE[part.state]}</span>}
                {fresh && <span className="new-tag">新</span>}
                {t.overdue && <span className="tag late">已超期</span>}
              </div>
              <div className="queue-title">{t.title}</div>
              <div className="queue-meta">
                {t.community?.name} · 共建单位 {t.parts.map((p) => `${p.partnerUnit.name}(${PART_STATE[p.state]})`).join('、')}
                {t.linkedRequests.length > 0 && ` · 关联诉求 ${t.linkedRequests.length} 件`} · 发起于 {fullDateTime(t.createdAt)}
              </div>
              {t.dueAt && <div className={`queue-due ${t.overdue ? 'late' : ''}`}>完成期限:{fullDateTime(t.dueAt)}{t.state === 'OPEN' || t.state === 'IN_PROGRESS' ? `(${relative(t.dueAt)})` : ''}</div>}
            </div>
            <div className="queue-actions">
              <button type="button" className="btn" data-action="open" onClick={() => onOpen(t.id)}>查看 / 办理</button>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** What a task asks, its parts, its linked requests (summaries only) and its log. */
export function TaskFacts({ task: t }) {
  return (
    <div className="summary" data-testid="task-detail" data-state={t.state}>
      <h3 className="summary-title">{t.title}</h3>
      <p className="summary-text">{t.ask}</p>
      <dl className="facts">
        <dt>状态</dt><dd><span className={`tag task-state task-${t.state}`} data-testid="detail-state">{t.stateLabel}</span>{t.overdue && <span className="tag late">已超期</span>}</dd>
        <dt>发起社区</dt><dd>{t.community?.name}</dd>
        {t.dueAt && (<><dt>完成期限</dt><dd className={t.overdue ? 'late' : ''}>{fullDateTime(t.dueAt)}</dd></>)}
        {t.result && (<><dt>{t.state === 'CANCELLED' ? '取消原因' : '任务结果'}</dt><dd data-testid="task-result">{t.result}</dd></>)}
        <dt>共建单位</dt>
        <dd>
          {t.parts.map((p) => (
            <div key={p.partnerUnit.id} className="part-line">
              <span className={`tag part-${p.state}`}>{p.partnerUnit.name} · {PART_STATE[p.state]}</span>
              {p.result && <span className="muted"> 完成情况:{p.result}</span>}
              {p.declineReason && <span className="muted"> 拒绝理由:{p.declineReason}</span>}
            </div>
          ))}
        </dd>
        {t.linkedRequests.length > 0 && (
          <>
            <dt>关联诉求</dt>
            <dd>
              <ul className="plain-list" data-testid="linked-requests">
                {t.linkedRequests.map((r, i) => (
                  <li key={i}><b>{r.title}</b> <span className={`tag state state-${r.state}`}>{r.stateLabel}</span>
                    <span className="muted"> {[r.category, r.subcategory].filter(Boolean).join(' / ')}{r.place ? ` · ${r.place}` : ''}</span></li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
      <h4>任务记录</h4>
      <ol className="timeline" data-testid="task-log">
        {t.events.map((e, i) => (
          <li key={e.seq} className={i === t.events.length - 1 ? 'current' : ''} data-kind={e.kind}>
            <span className="tl-label">{EVENT_KIND[e.kind] || e.kind}{e.partnerUnit ? ` · ${e.partnerUnit.name}` : ''}</span>
            <span className="tl-time">{fullDateTime(e.at)} · {e.actorLabel}</span>
            {e.note && <span className="tl-note">{e.note}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

function PartnerTask({ task, part, onDone }) {
  const [action, setAction] = useState(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const acts = partnerActions(task, part);

  async function submit(e) {
    e.preventDefault();
    const a = ACTION[action];
    if (!a.optional && !text.trim()) return;
    setBusy(true);
    setError('');
    try {
      const input = action === 'accept' ? { id: task.id, note: text.trim(), version: task.version } : { id: task.id, text: text.trim(), version: task.version };
      const data = await gql(TM[action], { i: input });
      onDone(Object.values(data)[0].task, `${a.done}:${task.title}`);
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
        {part && <p>本单位:<span className={`tag part-${part.state}`} data-testid="my-part-state">{PART_STATE[part.state]}</span></p>}
        {error && <p className="error" role="alert">{error}</p>}
        {acts.length === 0 && <p className="muted" data-testid="no-actions">{task.state === 'DONE' ? '任务已由社区确认完成,感谢参与共建。' : task.state === 'CANCELLED' ? '任务已取消。' : '本单位暂无需要办理的步骤。'}</p>}
        <div className="row gap">
          {acts.map((a) => (
            <button key={a} type="button" className={`btn ${ACTION[a].cls} ${action === a ? 'on' : ''}`} data-action={a}
              onClick={() => { setAction(a); setText(''); setError(''); }}>{ACTION[a].label}</button>
          ))}
        </div>
        {action && acts.includes(action) && (
          <form onSubmit={submit} aria-label={ACTION[action].label} data-testid="task-step-form">
            <label className="field">
              <span className="field-label">{ACTION[action].field}</span>
              <textarea name="text" rows={3} value={text} onChange={(e) => setText(e.target.value)} required={!ACTION[action].optional} maxLength={2000} />
            </label>
            <button className={`btn ${ACTION[action].cls || 'primary'}`} type="submit" data-action="submit" disabled={busy || (!ACTION[action].optional && !text.trim())}>
              确认{ACTION[action].label}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
