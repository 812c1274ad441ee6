// The center's actions on one request: triage (scope + subcategory, the suggestion preselected),
// dispatch to a lead unit with co-handlers, merge, reject; close or reopen a resolution.
import { useEffect, useState } from 'react';

import { fullDateTime, gql, relative } from '../api.js';
import DispatchForm from '../DispatchForm.jsx';
import { M, ONE_REQUEST } from '../queries.js';
import { CHANNEL, DUE_KIND, SCOPE, SCOPE_HINT, STATE, TIER, UNIT_KIND, place } from '../vocab.js';

export function RequestSummary({ r }) {
  return (
    <div className="summary">
      <h3 className="summary-title">{r.title}</h3>
      {r.text && r.text !== r.title && <p className="summary-text">{r.text}</p>}
      <dl className="facts">
        <dt>受理编号</dt><dd className="code">{r.trackingCode}</dd>
        <dt>状态</dt><dd><span className={`tag state state-${r.state}`}>{r.stateLabel || STATE[r.state]}</span>{r.overdue && <span className="tag late">已超期</span>}</dd>
        <dt>渠道</dt><dd>{CHANNEL[r.channel] || r.channel}</dd>
        <dt>位置</dt><dd>{place(r)}</dd>
        <dt>提交时间</dt><dd>{fullDateTime(r.createdAt)}</dd>
        {r.dueAt && (<><dt>{DUE_KIND[r.dueKind] || '时限'}</dt><dd className={r.overdue ? 'late' : ''}>{fullDateTime(r.dueAt)}({relative(r.dueAt)}){r.dueEstimated ? ' · 预估' : ''}</dd></>)}
        <dt>分类</dt>
        <dd>
          {r.scope ? `${SCOPE[r.scope]} · ` : ''}
          {r.subcategory ? `${r.category?.name || ''} / ${r.subcategory.name}` : r.suggestedSubcategory ? `建议:${r.suggestedSubcategory.category?.name} / ${r.suggestedSubcategory.name}` : '未分类'}
          {r.tier ? ` · ${TIER[r.tier]}` : ''}
        </dd>
        {r.suggestedDepartment && !r.assignments?.length && (<><dt>建议承办</dt><dd>{r.suggestedDepartment.name}</dd></>)}
        {r.assignments?.length > 0 && (
          <>
            <dt>承办单位</dt>
            <dd>
              {r.assignments.map((a, i) => (
                <span key={i} className="tag unit">{a.role === 'LEAD' ? '牵头' : '协办'} · {a.unitName}<small>({UNIT_KIND[a.unitKind] || a.unitKind} · {a.status === 'PENDING' ? '待受理' : a.status === 'ACCEPTED' ? '已受理' : a.status === 'DISPUTED' ? '有异议' : '已办结'})</small></span>
              ))}
            </dd>
          </>
        )}
        {r.reporterCount > 1 && (<><dt>反映人数</dt><dd>{r.reporterCount} 人</dd></>)}
        {r.assigneeName && (<><dt>承办人</dt><dd>{r.assigneeName} {r.assigneeTitle} {r.assigneePhone}</dd></>)}
        {r.workPlan && (<><dt>工作方案</dt><dd>{r.workPlan}</dd></>)}
        {r.resolution && (<><dt>办理结果</dt><dd>{r.resolution}</dd></>)}
      </dl>
    </div>
  );
}

function tabsFor(r, readOnly) {
  if (readOnly) return [];
  const t = [];
  if (r.state === 'SUBMITTED' || r.state === 'TRIAGED') t.push(['triage', '分类派单']);
  else if (r.state === 'REOPENED' && r.scope === 'MAJOR') t.push(['triage', '重新派单']);
  if (r.state === 'SUBMITTED' || r.state === 'TRIAGED') t.push(['merge', '合并重复'], ['reject', '驳回']);
  if (r.state === 'RESOLVED') t.push(['close', '关闭'], ['reopen', '重办']);
  return t;
}

export default function RequestActions({ request, refData, readOnly, mergeCandidates, onChanged, onDone }) {
  const [r, setR] = useState(request);
  const tabs = tabsFor(r, readOnly);
  const [tab, setTab] = useState(tabs[0]?.[0] || null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [info, setInfo] = useState('');

  useEffect(() => {
    if (request.version > r.version) setR(request);
  }, [request, r.version]);

  async function run(mutation, input, message, { close = true } = {}) {
    setBusy(true);
    setError('');
    try {
      const data = await gql(mutation, { i: { ...input, id: r.id, version: r.version } });
      const updated = Object.values(data)[0].request;
      setR(updated);
      onChanged(updated, message);
      if (close) onDone();
      return updated;
    } catch (err) {
      if (err.code === 'CONFLICT') {
        setError('该诉求刚被其他人处理过,已刷新为最新状态,请确认后再操作。');
        try {
          const fresh = (await gql(ONE_REQUEST, { id: r.id })).request;
          if (fresh) {
            setR(fresh);
            onChanged(fresh);
          }
        } catch {
          /* keep the old view */
        }
      } else {
        setError(err.message);
      }
      return null;
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="actions-layout">
      <RequestSummary r={r} />
      <div className="actions-pane">
        {tabs.length > 0 ? (
          <>
            <div className="tabs" role="tablist">
              {tabs.map(([k, label]) => (
                <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'on' : ''} onClick={() => { setTab(k); setError(''); }}>
                  {label}
                </button>
              ))}
            </div>
            {error && <p className="error" role="alert">{error}</p>}
            {info && <p className="notice" role="status">{info}</p>}
            {tab === 'triage' && <TriageDispatch r={r} refData={refData} busy={busy} run={run} setInfo={setInfo} />}
            {tab === 'merge' && <MergeForm r={r} candidates={mergeCandidates} busy={busy} run={run} />}
            {tab === 'reject' && <ReasonForm label="驳回理由" placeholder="如:重复提交、不属于受理范围、恶意信息" submit="驳 回" danger busy={busy}
              onSubmit={(reason) => run(M.reject, { reason }, `已驳回 ${r.trackingCode}`)} />}
            {tab === 'close' && <ReasonForm label="关闭说明(可选)" optional submit="关 闭" busy={busy}
              onSubmit={(note) => run(M.close, { note }, `已关闭 ${r.trackingCode}`)} />}
            {tab === 'reopen' && <ReasonForm label="重办理由" placeholder="办理结果不合理之处" submit="退回重办" danger busy={busy}
              onSubmit={(reason) => run(M.reopen, { reason }, `已退回重办 ${r.trackingCode}`)} />}
          </>
        ) : (
          <p className="muted">{readOnly ? '只读视图:调度操作由智慧呼应中心完成。' : '该诉求当前无需中心操作。'}</p>
        )}
      </div>
    </div>
  );
}

function TriageDispatch({ r, refData, busy, run, setInfo }) {
  const suggested = r.subcategory?.id || r.suggestedSubcategory?.id || '';
  const [scope, setScope] = useState(r.scope || 'MAJOR');
  const [sub, setSub] = useState(suggested);
  const [note, setNote] = useState('');
  const triaged = r.state === 'TRIAGED' || r.state === 'REOPENED';
  const [step, setStep] = useState(triaged && r.scope === 'MAJOR' ? 'dispatch' : 'triage');

  async function triage(andDispatch) {
    const updated = await run(M.triage, { scope, subcategoryId: sub, note }, andDispatch ? null : `已分类:${SCOPE[scope]}`, { close: !andDispatch });
    if (updated && andDispatch) {
      setInfo(`已分类为${SCOPE[scope]} · ${updated.subcategory?.name || ''},请选择承办单位。`);
      setStep('dispatch');
    }
  }

  if (step === 'dispatch') {
    return (
      <div>
        {r.scope === 'MAJOR' && r.state === 'TRIAGED' && (
          <p className="muted small">已分类:大事 · {r.category?.name} / {r.subcategory?.name} <button type="button" className="link" onClick={() => setStep('triage')}>修改分类</button></p>
        )}
        <DispatchForm
          request={r}
          refData={refData}
          busy={busy}
          onSubmit={(input) => {
            const lead = refData.departments.concat(refData.streets).find((u) => u.id === input.lead.id);
            run(M.dispatch, input, `已派单 ${r.trackingCode} → ${lead ? lead.name : '所选单位'}${input.coHandlers.length ? ` 等 ${input.coHandlers.length + 1} 个单位` : ''}`);
          }}
        />
      </div>
    );
  }

  return (
    <form className="triage-form" onSubmit={(e) => { e.preventDefault(); triage(scope === 'MAJOR'); }} aria-label="分类">
      <div className="field">
        <span className="field-label">事项范围</span>
        <div className="scope-pick" role="radiogroup" aria-label="事项范围">
          {['MAJOR', 'MINOR', 'PRIVATE'].map((s) => (
            <button key={s} type="button" role="radio" aria-checked={scope === s} className={scope === s ? 'on' : ''} onClick={() => setScope(s)} data-scope={s}>
              <b>{SCOPE[s]}</b>
              <small>{SCOPE_HINT[s]}</small>
            </button>
          ))}
        </div>
      </div>
      <label className="field">
        <span className="field-label">小类{r.suggestedSubcategory ? `(系统建议:${r.suggestedSubcategory.name})` : ''}</span>
        <select name="subcategory" value={sub} onChange={(e) => setSub(e.target.value)} required>
          <option value="">— 请选择 —</option>
          {refData.categories.map((c) => (
            <optgroup key={c.id} label={c.name}>
              {c.subcategories.map((s) => (
                <option key={s.id} value={s.id}>{s.name}{s.id === r.suggestedSubcategory?.id ? '(建议)' : ''}</option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">分类说明(可选)</span>
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
      </label>
      <div className="row gap">
        {scope === 'MAJOR' ? (
          <>
            <button className="btn primary" type="submit" disabled={busy || !sub} data-testid="triage-and-dispatch">分类并派单 →</button>
            <button className="btn" type="button" disabled={busy || !sub} onClick={() => triage(false)}>仅分类</button>
          </>
        ) : (
          <button className="btn primary" type="button" disabled={busy || !sub} onClick={() => triage(false)} data-testid="triage-submit">
            确认分类,转{scope === 'MINOR' ? '社区分档' : '社区指派'}
          </button>
        )}
      </div>
    </form>
  );
}

function MergeForm({ r, candidates, busy, run }) {
  const sameCommunity = candidates.filter((c) => c.community?.id && c.community.id === r.community?.id);
  const others = candidates.filter((c) => !sameCommunity.includes(c));
  const [into, setInto] = useState(sameCommunity[0]?.id || '');
  const [note, setNote] = useState('');
  const label = (c) => `${c.trackingCode} · ${c.title.slice(0, 24)} · ${c.community?.name || ''}`;
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (into) run(M.merge, { intoId: into, note }, `已将 ${r.trackingCode} 合并`); }} aria-label="合并">
      <p className="muted">同一问题多次反映时,并入保留的诉求,所有反映人都会收到办理进展。</p>
      <label className="field">
        <span className="field-label">并入</span>
        <select value={into} onChange={(e) => setInto(e.target.value)} required>
          <option value="">— 选择保留的诉求 —</option>
          {sameCommunity.length > 0 && <optgroup label="同一社区">{sameCommunity.map((c) => <option key={c.id} value={c.id}>{label(c)}</option>)}</optgroup>}
          {others.length > 0 && <optgroup label="其他">{others.map((c) => <option key={c.id} value={c.id}>{label(c)}</option>)}</optgroup>}
        </select>
      </label>
      <label className="field">
        <span className="field-label">说明(可选)</span>
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
      </label>
      <button className="btn primary" type="submit" disabled={busy || !into}>合 并</button>
    </form>
  );
}

export function ReasonForm({ label, placeholder, submit, onSubmit, busy, danger, optional, name = 'reason' }) {
  const [text, setText] = useState('');
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (optional || text.trim()) onSubmit(text.trim()); }} aria-label={label}>
      <label className="field">
        <span className="field-label">{label}</span>
        <textarea name={name} rows={3} value={text} placeholder={placeholder} onChange={(e) => setText(e.target.value)} required={!optional} maxLength={2000} />
      </label>
      <button className={`btn ${danger ? 'danger' : 'primary'}`} type="submit" disabled={busy || (!optional && !text.trim())}>{submit}</button>
    </form>
  );
}
