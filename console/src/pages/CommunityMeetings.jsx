// 阳光议事 — a community's 阳光17议 (on the 17th of each month) and round-table meetings: the
// platform's agenda proposal from concentrated open requests, scheduling, topics, attendance,
// outcomes (agreed / not agreed, with the requests they settle), minutes and the follow-up of
// agreed actions until done; the year's statistics.
import { useCallback, useEffect, useMemo, useState } from 'react';

import { dateTime, fullDateTime, gql, shanghaiLocalToIso, startOfTodayShanghai } from '../api.js';
import { Modal } from '../components.jsx';
import { DELIBERATION_STATS, MEETING, MEETINGS, MM, PROPOSE_AGENDA } from '../partnerQueries.js';

const PARTICIPANT_KIND = {
  COMMITTEE_MEMBER: '社区两委成员',
  PARTY_REPRESENTATIVE: '党员代表',
  RESIDENT_REPRESENTATIVE: '居民代表',
  VOLUNTEER: '志愿者',
  ENTERPRISE: '辖区企业',
  DEPUTY: '人大代表/政协委员',
};
const OPEN_MEETING = new Set(['PLANNED', 'HELD']);

/** A small form: `fields` = [{ name, label, type, required, options, initial, placeholder }]. */
function MiniForm({ fields, submit, onSubmit, busy, danger, label }) {
  const [v, setV] = useState(() => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.type === 'checkbox' ? false : '')])));
  const set = (name, value) => setV((old) => ({ ...old, [name]: value }));
  const missing = fields.some((f) => f.required && f.type !== 'checkbox' && !String(v[f.name]).trim());
  return (
    <form className="mini-form" aria-label={label || submit} onSubmit={(e) => { e.preventDefault(); if (!missing) onSubmit(v); }}>
      {fields.map((f) => {
        if (f.type === 'checkbox') {
          return <label key={f.name} className="check"><input type="checkbox" name={f.name} checked={v[f.name]} onChange={(e) => set(f.name, e.target.checked)} /> {f.label}</label>;
        }
        let input;
        if (f.type === 'textarea') input = <textarea name={f.name} rows={3} value={v[f.name]} placeholder={f.placeholder} onChange={(e) => set(f.name, e.target.value)} required={f.required} maxLength={4000} />;
        else if (f.type === 'select') input = <select name={f.name} value={v[f.name]} onChange={(e) => set(f.name, e.target.value)}>{f.options.map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select>;
        else input = <input name={f.name} type={f.type || 'text'} value={v[f.name]} placeholder={f.placeholder} onChange={(e) => set(f.name, e.target.value)} required={f.required} maxLength={f.type ? undefined : 500} />;
        return <label key={f.name} className="field"><span className="field-label">{f.label}</span>{input}</label>;
      })}
      <button type="submit" className={`btn ${danger ? 'danger' : 'primary'}`} data-action="submit" disabled={busy || missing}>{submit}</button>
    </form>
  );
}

/** A button that opens a MiniForm under it. */
function Step({ label, action, cls = '', children, open, onToggle }) {
  return (
    <div className="step">
      <button type="button" className={`btn ${cls} ${open ? 'on' : ''}`} data-action={action} onClick={onToggle}>{label}</button>
      {open && children}
    </div>
  );
}

const percent = (x) => (x == null ? '—' : `${(x * 100).toFixed(1)}%`);

export default function CommunityMeetings({ communityId, onStatus }) {
  const [meetings, setMeetings] = useState(null);
  const [stats, setStats] = useState(null);
  const [agenda, setAgenda] = useState(null);
  const [window_, setWindow] = useState({ days: 60, threshold: 3 });
  const [error, setError] = useState('');
  const [toast, setToast] = useState(null);
  const [openId, setOpenId] = useState(null);
  const [scheduling, setScheduling] = useState(false);
  const [target, setTarget] = useState('');
  const [proposing, setProposing] = useState(null); // the agenda candidate being put on a meeting
  const [busy, setBusy] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const today = startOfTodayShanghai().slice(0, 10);

  useEffect(() => onStatus(null), [onStatus]);

  const load = useCallback(async () => {
    try {
      const [m, s, a] = await Promise.all([
        gql(MEETINGS, { communityId }),
        gql(DELIBERATION_STATS, { from: `${today.slice(0, 4)}-01-01`, to: today, communityId }),
        gql(PROPOSE_AGENDA, { communityId, days: Number(window_.days) || 60, threshold: Number(window_.threshold) || 3 }),
      ]);
      setMeetings(m.meetings.edges.map((e) => e.node));
      setStats(s.deliberationStats.total);
      setAgenda(a.proposeAgenda);
    } catch (err) {
      setError(err.message);
    }
  }, [communityId, today, window_]);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const runnable = useMemo(() => (meetings || []).filter((m) => OPEN_MEETING.has(m.state)), [meetings]);
  useEffect(() => {
    if (!runnable.some((m) => m.id === target)) setTarget(runnable[0]?.id || '');
  }, [runnable, target]);

  /** Run a mutation, then re-read everything (and the open meeting). */
  async function run(doc, input, message) {
    setBusy(true);
    setError('');
    try {
      const data = await gql(doc, { i: input });
      setToast(message);
      await load();
      setReloadKey((k) => k + 1);
      return Object.values(data)[0];
    } catch (err) {
      setError(err.code === 'CONFLICT' ? '该议事会刚被其他人修改过,已重新读取,请确认后再提交。' : err.message);
      setReloadKey((k) => k + 1);
      return null;
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <section className="kpis small four even" aria-label={`${today.slice(0, 4)} 年议事统计`} data-testid="meeting-stats">
        <div className="kpi" data-testid="stat-held"><span className="kpi-label">本年召开</span><span className="kpi-value">{stats ? stats.meetingsHeld : '—'}</span></div>
        <div className="kpi"><span className="kpi-label">议题</span><span className="kpi-value">{stats ? stats.topics : '—'}</span></div>
        <div className="kpi" data-testid="stat-agreed"><span className="kpi-label">达成一致</span><span className="kpi-value">{stats ? stats.agreed : '—'}</span></div>
        <div className="kpi amber" data-testid="stat-rate"><span className="kpi-label">议事成功率</span><span className="kpi-value">{stats ? percent(stats.successRate) : '—'}</span></div>
      </section>
      <main className="queue community-grid">
        <section className="panel" aria-label="议事会">
          <div className="panel-head">
            <h2>议事会 <span className="muted">{meetings ? `${meetings.length} 场` : ''}</span></h2>
            <button type="button" className="btn primary" data-action="schedule" onClick={() => setScheduling(true)}>安排议事会</button>
          </div>
          {!meetings && <p className="muted">正在加载…</p>}
          {meetings && meetings.length === 0 && <p className="empty">尚无议事会。阳光17议默认每月 17 日召开。</p>}
          <ol className="queue-list" data-testid="meeting-list">
            {(meetings || []).map((m) => (
              <li key={m.id} className="queue-item" data-testid="meeting-item" data-meeting-id={m.id} data-title={m.title} data-state={m.state}>
                <div className="queue-main">
                  <div className="queue-head">
                    <span className="tag">{m.kindLabel}</span>
                    <span className={`tag meeting-${m.state}`}>{m.stateLabel}</span>
                  </div>
                  <div className="queue-title">{m.title}</div>
                  <div className="queue-meta">
                    {m.heldAt ? `召开于 ${fullDateTime(m.heldAt)}` : `计划 ${fullDateTime(m.scheduledAt)}`}{m.place ? ` · ${m.place}` : ''}
                    {m.attendedCount ? ` · 出席 ${m.attendedCount} 人` : ''}
                  </div>
                  {m.topics.length > 0 && (
                    <div className="queue-meta">议题:{m.topics.map((t) => `${t.title}(${t.outcomeLabel})`).join(';')}</div>
                  )}
                </div>
                <div className="queue-actions">
                  <button type="button" className="btn" data-action="open" onClick={() => setOpenId(m.id)}>查看 / 办理</button>
                </div>
              </li>
            ))}
          </ol>
        </section>
        <section className="panel" aria-label="议题建议">
          <div className="panel-head"><h2>议题建议</h2></div>
          <p className="hint">平台从本社区近期集中反映的未办结诉求(同一小类、多人反映)中提出议题建议。</p>
          <div className="inline-form">
            <label className="field"><span className="field-label">近(天)</span>
              <input type="number" min={1} max={366} value={window_.days} onChange={(e) => setWindow({ ...window_, days: e.target.value })} /></label>
            <label className="field"><span className="field-label">至少(件)</span>
              <input type="number" min={2} max={1000} value={window_.threshold} onChange={(e) => setWindow({ ...window_, threshold: e.target.value })} /></label>
          </div>
          <label className="field"><span className="field-label">列入议事会</span>
            <select name="target" value={target} onChange={(e) => setTarget(e.target.value)} disabled={!runnable.length}>
              {!runnable.length && <option value="">(请先安排议事会)</option>}
              {runnable.map((m) => <option key={m.id} value={m.id}>{m.title} · {m.stateLabel}</option>)}
            </select>
          </label>
          {!agenda && <p className="muted">正在分析…</p>}
          {agenda && agenda.length === 0 && <p className="empty">暂无集中反映的问题。</p>}
          <ul className="plain-list" data-testid="agenda">
            {(agenda || []).map((c) => (
              <li key={c.subcategory.id} className="meeting-card" data-testid="agenda-candidate" data-subcategory={c.subcategory.name}>
                <b>{c.suggestedTitle}</b>
                <div className="muted small">{c.subcategory.category?.name} / {c.subcategory.name} · {c.requestCount} 件诉求 · 最近 {dateTime(c.latestAt)}
                  {c.onAgendaCount > 0 && <span className="tag unit">{c.onAgendaCount} 件已列入议题</span>}</div>
                <ul className="small">
                  {c.requests.slice(0, 5).map((r) => <li key={r.id}><span className="code">{r.trackingCode}</span> {r.title} <span className="muted">{r.stateLabel}</span></li>)}
                  {c.requests.length > 5 && <li className="muted">…共 {c.requests.length} 件</li>}
                </ul>
                <button type="button" className="btn" data-action="propose" disabled={!target} onClick={() => setProposing(c)}>列入议题</button>
              </li>
            ))}
          </ul>
        </section>
      </main>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
      {scheduling && (
        <Modal title="安排议事会" onClose={() => setScheduling(false)}>
          <ScheduleForm busy={busy} onSubmit={async (input) => {
            const r = await run(MM.schedule, { communityId, ...input }, '已安排议事会');
            if (r) setScheduling(false);
          }} />
        </Modal>
      )}
      {proposing && (
        <Modal title={`列入议题 · ${proposing.subcategory.name}`} onClose={() => setProposing(null)}>
          <p className="muted">将 {proposing.requestCount} 件诉求作为一个议题列入“{runnable.find((m) => m.id === target)?.title}”。</p>
          <MiniForm busy={busy} submit="列入议题" label="列入议题" fields={[
            { name: 'title', label: '议题', required: true, initial: proposing.suggestedTitle },
            { name: 'description', label: '说明', type: 'textarea', initial: `居民集中反映${proposing.subcategory.name}问题 ${proposing.requestCount} 件。` },
          ]} onSubmit={async (v) => {
            const meeting = runnable.find((m) => m.id === target);
            const r = await run(MM.addTopic, { meetingId: target, title: v.title.trim(), description: v.description.trim(),
              requestIds: proposing.requests.map((x) => x.id), subcategoryId: proposing.subcategory.id }, `已列入议题:${v.title.trim()}`);
            if (r) {
              setProposing(null);
              if (meeting) setOpenId(meeting.id);
            }
          }} />
        </Modal>
      )}
      {openId && (
        <Modal title="议事会" onClose={() => setOpenId(null)} wide>
          <MeetingDetail id={openId} reloadKey={reloadKey} run={run} busy={busy} />
        </Modal>
      )}
    </>
  );
}

function ScheduleForm({ busy, onSubmit }) {
  const [kind, setKind] = useState('SUNSHINE_17');
  const [f, setF] = useState({ title: '', month: '', scheduledAt: '', place: '' });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  function submit(e) {
    e.preventDefault();
    const input = { kind, place: f.place.trim() };
    if (f.title.trim()) input.title = f.title.trim();
    if (kind === 'SUNSHINE_17' && f.month) input.month = f.month;
    if (kind === 'ROUND_TABLE') input.scheduledAt = shanghaiLocalToIso(f.scheduledAt);
    onSubmit(input);
  }
  return (
    <form onSubmit={submit} aria-label="安排议事会" data-testid="schedule-form">
      <div className="field">
        <span className="field-label">类型</span>
        <div className="segmented">
          <button type="button" className={kind === 'SUNSHINE_17' ? 'on' : ''} data-kind="SUNSHINE_17" onClick={() => setKind('SUNSHINE_17')}>阳光17议</button>
          <button type="button" className={kind === 'ROUND_TABLE' ? 'on' : ''} data-kind="ROUND_TABLE" onClick={() => setKind('ROUND_TABLE')}>圆桌议事</button>
        </div>
      </div>
      <label className="field"><span className="field-label">名称(可选,默认按月份命名)</span><input name="title" value={f.title} onChange={set('title')} maxLength={120} /></label>
      {kind === 'SUNSHINE_17' ? (
        <label className="field"><span className="field-label">月份(可选,默认下一个 17 日)</span><input name="month" type="month" value={f.month} onChange={set('month')} /></label>
      ) : (
        <label className="field"><span className="field-label">时间</span><input name="scheduledAt" type="datetime-local" value={f.scheduledAt} onChange={set('scheduledAt')} required /></label>
      )}
      <label className="field"><span className="field-label">地点</span><input name="place" value={f.place} onChange={set('place')} maxLength={200} placeholder="如:社区党群服务中心" /></label>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>安排</button>
    </form>
  );
}

function MeetingDetail({ id, reloadKey, run, busy }) {
  const [m, setM] = useState(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState(null); // which step form is open, e.g. 'hold', 'decide:<topicId>'
  const toggle = (key) => setOpen((o) => (o === key ? null : key));

  useEffect(() => {
    let live = true;
    gql(MEETING, { id }).then((d) => live && setM(d.meeting || false)).catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [id, reloadKey]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (m === null) return <p className="muted">正在加载…</p>;
  if (m === false) return <p className="empty">该议事会不存在。</p>;

  const step = async (doc, input, message) => {
    const r = await run(doc, input, message);
    if (r) setOpen(null);
  };
  const held = m.state === 'HELD';
  const byKind = Object.keys(PARTICIPANT_KIND).map((k) => [k, m.participants.filter((p) => p.kind === k)]).filter(([, ps]) => ps.length);

  return (
    <div className="meeting-detail" data-testid="meeting-detail" data-state={m.state} data-meeting-id={m.id}>
      <h3 className="summary-title">{m.title}</h3>
      <dl className="facts">
        <dt>类型</dt><dd>{m.kindLabel}</dd>
        <dt>状态</dt><dd><span className={`tag meeting-${m.state}`} data-testid="meeting-state">{m.stateLabel}</span></dd>
        <dt>时间</dt><dd>{m.heldAt ? `召开于 ${fullDateTime(m.heldAt)}` : `计划 ${fullDateTime(m.scheduledAt)}`}</dd>
        {m.place && (<><dt>地点</dt><dd>{m.place}</dd></>)}
        {m.cancelReason && (<><dt>取消原因</dt><dd>{m.cancelReason}</dd></>)}
        <dt>参会人员</dt>
        <dd data-testid="participants">
          {byKind.length === 0 && <span className="muted">尚未登记</span>}
          {byKind.map(([k, ps]) => (
            <div key={k}><b>{PARTICIPANT_KIND[k]}</b>:{ps.map((p) => (
              <label key={p.id} className="check inline" data-testid="participant" data-name={p.name}>
                {held ? <input type="checkbox" checked={p.attended} disabled={busy}
                  onChange={(e) => run(MM.attendance, { meetingId: m.id, version: m.version, attendance: [{ participantId: p.id, attended: e.target.checked }] },
                    `已登记 ${p.name} ${e.target.checked ? '出席' : '缺席'}`)} /> : null}
                {p.name}{p.organisation ? `(${p.organisation})` : ''}{!held && p.attended ? ' ✓' : ''}
              </label>
            ))}</div>
          ))}
          {held && <div className="muted small">出席 {m.attendedCount} 人(勾选登记出席)</div>}
        </dd>
        {m.minutes && (<><dt>会议纪要</dt><dd className="pre" data-testid="minutes">{m.minutes}</dd></>)}
      </dl>

      <div className="row gap wrap meeting-steps">
        {OPEN_MEETING.has(m.state) && (
          <Step label="登记参会人员" action="add-participant" open={open === 'participant'} onToggle={() => toggle('participant')}>
            <MiniForm busy={busy} submit="添加" label="登记参会人员" fields={[
              { name: 'kind', label: '身份', type: 'select', initial: 'RESIDENT_REPRESENTATIVE', options: Object.entries(PARTICIPANT_KIND) },
              { name: 'name', label: '姓名', required: true },
              { name: 'organisation', label: '单位 / 身份说明' },
            ]} onSubmit={(v) => step(MM.participants, {
              meetingId: m.id, version: m.version,
              participants: [...m.participants.map((p) => ({ kind: p.kind, name: p.name, organisation: p.organisation, attended: p.attended })),
                { kind: v.kind, name: v.name.trim(), organisation: v.organisation.trim(), attended: false }],
            }, `已登记 ${v.name.trim()}`)} />
          </Step>
        )}
        {OPEN_MEETING.has(m.state) && (
          <Step label="添加议题" action="add-topic" open={open === 'topic'} onToggle={() => toggle('topic')}>
            <MiniForm busy={busy} submit="添加议题" fields={[
              { name: 'title', label: '议题', required: true },
              { name: 'description', label: '说明', type: 'textarea' },
            ]} onSubmit={(v) => step(MM.addTopic, { meetingId: m.id, version: m.version, title: v.title.trim(), description: v.description.trim() }, `已添加议题:${v.title.trim()}`)} />
          </Step>
        )}
        {m.state === 'PLANNED' && <button type="button" className="btn primary" data-action="hold" disabled={busy}
          onClick={() => step(MM.hold, { meetingId: m.id, version: m.version }, '会议已召开')}>召开会议</button>}
        {m.state === 'PLANNED' && (
          <Step label="取消会议" action="cancel" cls="danger" open={open === 'cancel'} onToggle={() => toggle('cancel')}>
            <MiniForm busy={busy} danger submit="确认取消" fields={[{ name: 'reason', label: '取消原因', required: true }]}
              onSubmit={(v) => step(MM.cancel, { meetingId: m.id, version: m.version, reason: v.reason.trim() }, '会议已取消')} />
          </Step>
        )}
        {held && (
          <Step label="记录会议纪要" action="minutes" open={open === 'minutes'} onToggle={() => toggle('minutes')}>
            <MiniForm busy={busy} submit="保存纪要" fields={[{ name: 'minutes', label: '会议纪要', type: 'textarea', required: true, initial: m.minutes || '' }]}
              onSubmit={(v) => step(MM.minutes, { meetingId: m.id, version: m.version, minutes: v.minutes.trim() }, '已保存会议纪要')} />
          </Step>
        )}
        {held && <button type="button" className="btn" data-action="close" disabled={busy || !m.minutes || m.topics.some((t) => t.outcome === 'PENDING')}
          title="全部议题作出结论并记录纪要后可结束" onClick={() => step(MM.close, { meetingId: m.id, version: m.version }, '会议已结束')}>结束会议</button>}
      </div>

      <h4>议题</h4>
      {m.topics.length === 0 && <p className="empty">尚无议题。可从“议题建议”列入,或手动添加。</p>}
      {m.topics.map((t) => (
        <div key={t.id} className="topic" data-testid="topic" data-topic-id={t.id} data-title={t.title} data-outcome={t.outcome}>
          <div><b>{t.position}. {t.title}</b> <span className={`topic-outcome-${t.outcome}`} data-testid="topic-outcome">{t.outcomeLabel}</span>
            {t.subcategory && <span className="tag">{t.subcategory.name}</span>}</div>
          {t.description && <div className="muted">{t.description}</div>}
          {t.resolution && <div data-testid="topic-resolution">议定事项:{t.resolution}</div>}
          {t.requests.length > 0 && (
            <ul className="small" data-testid="topic-requests">
              {t.requests.map((r) => <li key={r.id} data-state={r.state}><span className="code">{r.trackingCode}</span> {r.title} <span className={`tag state state-${r.state}`}>{r.stateLabel}</span></li>)}
            </ul>
          )}
          {held && t.outcome === 'PENDING' && (
            <Step label="作出结论" action="decide" cls="primary" open={open === `decide:${t.id}`} onToggle={() => toggle(`decide:${t.id}`)}>
              <DecideForm busy={busy} hasRequests={t.requests.length > 0} onSubmit={(v) => step(MM.decide, { topicId: t.id, version: m.version, ...v },
                v.outcome === 'AGREED' ? `议题“${t.title}”达成一致` : `议题“${t.title}”未达成一致`)} />
            </Step>
          )}
          {t.followUps.map((f) => (
            <div key={f.id} className="followup" data-testid="follow-up" data-action-text={f.action} data-state={f.state}>
              <div><b>跟进:</b>{f.action} · {f.owner}{f.dueOn ? ` · 期限 ${f.dueOn}` : ''} <span className={`tag ${f.state === 'DONE' ? 'task-DONE' : 'task-IN_PROGRESS'}`}>{f.state === 'DONE' ? '已完成' : '跟进中'}</span></div>
              {f.progress.map((p, i) => <div key={i} className="muted small">{dateTime(p.at)} {p.note}</div>)}
              {f.state === 'OPEN' && (
                <div className="row gap">
                  <Step label="反馈进展" action="follow-progress" open={open === `fp:${f.id}`} onToggle={() => toggle(`fp:${f.id}`)}>
                    <MiniForm busy={busy} submit="提交进展" fields={[{ name: 'note', label: '进展', required: true }]}
                      onSubmit={(v) => step(MM.followUpProgress, { followUpId: f.id, version: f.version, note: v.note.trim() }, '已反馈跟进进展')} />
                  </Step>
                  <Step label="完成" action="follow-done" cls="primary" open={open === `fd:${f.id}`} onToggle={() => toggle(`fd:${f.id}`)}>
                    <MiniForm busy={busy} submit="确认完成" fields={[{ name: 'note', label: '完成情况' }]}
                      onSubmit={(v) => step(MM.completeFollowUp, { followUpId: f.id, version: f.version, note: v.note.trim() || null }, '跟进事项已完成')} />
                  </Step>
                </div>
              )}
            </div>
          ))}
          {t.outcome === 'AGREED' && (
            <Step label="添加跟进事项" action="add-follow-up" open={open === `fu:${t.id}`} onToggle={() => toggle(`fu:${t.id}`)}>
              <MiniForm busy={busy} submit="添加" label="添加跟进事项" fields={[
                { name: 'action', label: '事项', required: true },
                { name: 'owner', label: '责任人 / 单位', required: true },
                { name: 'dueOn', label: '期限(可选)', type: 'date' },
              ]} onSubmit={(v) => step(MM.addFollowUp, { topicId: t.id, action: v.action.trim(), owner: v.owner.trim(), dueOn: v.dueOn || null }, '已添加跟进事项')} />
            </Step>
          )}
        </div>
      ))}
    </div>
  );
}

function DecideForm({ busy, hasRequests, onSubmit }) {
  const [outcome, setOutcome] = useState('AGREED');
  const [resolution, setResolution] = useState('');
  const [settle, setSettle] = useState(true);
  const missing = outcome === 'AGREED' && !resolution.trim();
  return (
    <form className="mini-form" aria-label="作出结论" onSubmit={(e) => {
      e.preventDefault();
      if (!missing) onSubmit({ outcome, resolution: resolution.trim() || null, settleRequests: outcome === 'AGREED' && settle });
    }}>
      <div className="segmented">
        <button type="button" className={outcome === 'AGREED' ? 'on' : ''} data-outcome="AGREED" onClick={() => setOutcome('AGREED')}>达成一致</button>
        <button type="button" className={outcome === 'NOT_AGREED' ? 'on' : ''} data-outcome="NOT_AGREED" onClick={() => setOutcome('NOT_AGREED')}>未达成一致</button>
      </div>
      <label className="field"><span className="field-label">{outcome === 'AGREED' ? '议定事项(将作为关联诉求的办理结果)' : '说明(可选)'}</span>
        <textarea name="resolution" rows={3} value={resolution} onChange={(e) => setResolution(e.target.value)} required={outcome === 'AGREED'} maxLength={4000} /></label>
      {outcome === 'AGREED' && hasRequests && (
        <label className="check"><input type="checkbox" name="settle" checked={settle} onChange={(e) => setSettle(e.target.checked)} /> 同时办结本社区承办的关联诉求</label>
      )}
      <button type="submit" className="btn primary" data-action="submit" disabled={busy || missing}>确认结论</button>
    </form>
  );
}
