// Choose a lead unit and co-handlers (联动): departments, streets, or the request's street sections.
import { useEffect, useMemo, useState } from 'react';

import { loadSections } from './refdata.js';

const KINDS = [
  ['DEPARTMENT', '区直部门'],
  ['STREET', '街道'],
  ['SECTION', '街道科室'],
];

export default function DispatchForm({ request, refData, busy, submitLabel = '派 单', onSubmit, extra }) {
  const [sections, setSections] = useState([]);
  const [leadKind, setLeadKind] = useState('DEPARTMENT');
  const [leadId, setLeadId] = useState(request.suggestedDepartment?.id || '');
  const [co, setCo] = useState([]);
  const [coPick, setCoPick] = useState('');
  const [note, setNote] = useState('');

  useEffect(() => {
    let live = true;
    loadSections(request.street?.id).then((s) => live && setSections(s)).catch(() => {});
    return () => {
      live = false;
    };
  }, [request.street?.id]);

  const units = useMemo(() => {
    const all = {};
    refData.departments.forEach((d) => (all[d.id] = { ...d, kind: 'DEPARTMENT' }));
    refData.streets.forEach((s) => (all[s.id] = { ...s, kind: 'STREET' }));
    sections.forEach((s) => (all[s.id] = { ...s, kind: 'SECTION' }));
    return all;
  }, [refData, sections]);

  const options = (kind) => (kind === 'DEPARTMENT' ? refData.departments : kind === 'STREET' ? refData.streets : sections);

  function changeKind(kind) {
    setLeadKind(kind);
    if (kind === 'DEPARTMENT') setLeadId(request.suggestedDepartment?.id || '');
    else if (kind === 'STREET') setLeadId(request.street?.id || '');
    else setLeadId('');
  }

  function addCo(id) {
    if (id && id !== leadId && !co.includes(id)) setCo([...co, id]);
    setCoPick('');
  }

  function submit(e) {
    e.preventDefault();
    if (!leadId) return;
    onSubmit({ lead: { id: leadId }, coHandlers: co.filter((id) => id !== leadId).map((id) => ({ id })), note });
  }

  return (
    <form className="dispatch-form" onSubmit={submit} aria-label="派单">
      <div className="field">
        <span className="field-label">牵头单位</span>
        <div className="segmented" role="radiogroup" aria-label="牵头单位类型">
          {KINDS.map(([k, label]) => (
            <button key={k} type="button" role="radio" aria-checked={leadKind === k} className={leadKind === k ? 'on' : ''} onClick={() => changeKind(k)}>
              {label}
            </button>
          ))}
        </div>
        <select name="lead" value={leadId} onChange={(e) => setLeadId(e.target.value)} required aria-label="牵头单位">
          <option value="">— 请选择 —</option>
          {options(leadKind).map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}{u.id === request.suggestedDepartment?.id ? '(建议)' : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <span className="field-label">协办单位(联动整治,可多选)</span>
        <div className="chips">
          {co.map((id) => (
            <span className="chip" key={id}>
              {units[id]?.name || id}
              <button type="button" aria-label={`移除 ${units[id]?.name || ''}`} onClick={() => setCo(co.filter((x) => x !== id))}>✕</button>
            </span>
          ))}
          {co.length === 0 && <span className="muted">无</span>}
        </div>
        <select name="coHandler" value={coPick} onChange={(e) => addCo(e.target.value)} aria-label="添加协办单位">
          <option value="">+ 添加协办单位…</option>
          <optgroup label="区直部门">
            {refData.departments.filter((d) => d.id !== leadId && !co.includes(d.id)).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </optgroup>
          <optgroup label="街道">
            {refData.streets.filter((s) => s.id !== leadId && !co.includes(s.id)).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </optgroup>
          {sections.length > 0 && (
            <optgroup label={`${request.street?.name || ''}科室`}>
              {sections.filter((s) => s.id !== leadId && !co.includes(s.id)).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </optgroup>
          )}
        </select>
      </div>
      {extra}
      <label className="field">
        <span className="field-label">派单说明(可选)</span>
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
      </label>
      <button className="btn primary" type="submit" disabled={busy || !leadId} data-testid="dispatch-submit">{busy ? '正在提交…' : submitLabel}</button>
    </form>
  );
}
