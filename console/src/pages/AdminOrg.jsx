// 单位与组织 — the units that handle requests: district departments, street sections and
// big-party-committee partner units. Create, rename, retire (refused while a unit still has open
// work) and bring back. Each change is audited on the server.
import { useCallback, useEffect, useState } from 'react';

import { gql } from '../api.js';
import { Modal, useDebounced } from '../components.jsx';

const KINDS = [
  ['DEPARTMENT', '区直部门'],
  ['SECTION', '街道科室'],
  ['PARTNER', '共建单位'],
];
const PARTNER_KIND = { STATIONED_UNIT: '驻区单位', ENTERPRISE: '企业', TWO_NEW: '两新组织', PROPERTY_COMPANY: '物业公司' };
const UNIT = 'id kind code name nameEn active openWork partnerKind services street { id name } community { id name }';
const LIST = `query AdminUnits($k: AdminUnitKind!, $f: AdminUnitFilter, $after: String) {
  adminUnits(kind: $k, filter: $f, first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${UNIT} } } }
}`;
const M = {
  create: `mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { ${UNIT} } } }`,
  rename: `mutation($i: RenameUnitInput!) { renameUnit(input: $i) { unit { ${UNIT} } } }`,
  active: `mutation($i: SetUnitActiveInput!) { setUnitActive(input: $i) { unit { ${UNIT} } } }`,
};

export default function AdminOrg() {
  const [kind, setKind] = useState('DEPARTMENT');
  const [filter, setFilter] = useState({ search: '', active: '', parent: null });
  const [page, setPage] = useState(null);
  const [error, setError] = useState('');
  const [toast, setToast] = useState('');
  const [dialog, setDialog] = useState(null); // { kind: 'create' | 'rename' | 'retire', unit? }

  const load = useCallback(async (after = null) => {
    const f = {};
    if (filter.search.trim()) f.search = filter.search.trim();
    if (filter.active) f.active = filter.active === 'yes';
    if (filter.parent && kind === 'SECTION') f.streetId = filter.parent.id;
    if (filter.parent && kind === 'PARTNER') f.communityId = filter.parent.id;
    try {
      const d = await gql(LIST, { k: kind, f, after });
      const rows = d.adminUnits.edges.map((e) => e.node);
      setPage((old) => ({ kind, units: after && old ? [...old.units, ...rows] : rows, total: d.adminUnits.totalCount,
        next: d.adminUnits.pageInfo.hasNextPage ? d.adminUnits.pageInfo.endCursor : null }));
    } catch (err) {
      setError(err.message);
    }
  }, [kind, filter]);
  const reload = useDebounced(() => load(), 250);
  useEffect(() => { reload(); }, [kind, filter, reload]);
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(''), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const replace = (unit) => setPage((old) => {
    if (!old || old.kind !== unit.kind) return old;
    const known = old.units.some((u) => u.id === unit.id);
    return { ...old, total: old.total + (known ? 0 : 1), units: known ? old.units.map((u) => (u.id === unit.id ? unit : u)) : [unit, ...old.units] };
  });
  async function run(name, mutation, input, message) {
    const d = await gql(M[mutation], { i: input });
    replace(d[name].unit);
    setToast(message);
    return d[name].unit;
  }

  const label = KINDS.find(([k]) => k === kind)[1];
  const units = page && page.kind === kind ? page.units : null;
  return (
    <section className="admin-org" data-testid="admin-org" data-kind={kind}>
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      {toast && <div className="notice" role="status" data-testid="admin-toast">{toast}</div>}
      <nav className="segmented" aria-label="单位类型">
        {KINDS.map(([k, l]) => (
          <button key={k} type="button" className={k === kind ? 'on' : ''} data-kind={k} aria-pressed={k === kind}
            onClick={() => { setKind(k); setFilter({ search: '', active: '', parent: null }); }}>{l}</button>
        ))}
      </nav>
      <div className="admin-toolbar">
        <input type="search" name="search" placeholder="搜索名称或编码" value={filter.search} aria-label="搜索单位"
          onChange={(e) => setFilter((f) => ({ ...f, search: e.target.value }))} />
        <select name="active" aria-label="状态" value={filter.active} onChange={(e) => setFilter((f) => ({ ...f, active: e.target.value }))}>
          <option value="">全部状态</option>
          <option value="yes">在用</option>
          <option value="no">已停用</option>
        </select>
        {kind !== 'DEPARTMENT' && <ParentPicker kind={kind === 'SECTION' ? 'STREET' : 'COMMUNITY'} value={filter.parent}
          onChange={(parent) => setFilter((f) => ({ ...f, parent }))} allowAll />}
        <span className="muted grow">{page && units ? `共 ${page.total} 个` : '正在加载…'}</span>
        <button type="button" className="btn primary" data-action="new-unit" onClick={() => setDialog({ kind: 'create' })}>新增{label}</button>
      </div>

      <div className="admin-scroll">
        <table className="data admin-table" data-testid="unit-list">
          <thead>
            <tr><th>编码</th><th>名称</th>{kind !== 'PARTNER' && <th>英文名称</th>}{kind === 'SECTION' && <th>所属街道</th>}
              {kind === 'PARTNER' && <><th>所属社区</th><th>类别</th></>}<th>在办</th><th>状态</th><th>操作</th></tr>
          </thead>
          <tbody>
            {units && units.map((u) => (
              <tr key={u.id} data-testid="unit" data-name={u.name} data-active={String(u.active)} className={u.active ? '' : 'off'}>
                <td className="code">{u.code}</td>
                <td>{u.name}</td>
                {kind !== 'PARTNER' && <td className="muted">{u.nameEn}</td>}
                {kind === 'SECTION' && <td>{u.street?.name}</td>}
                {kind === 'PARTNER' && <><td>{u.community?.name}</td><td>{PARTNER_KIND[u.partnerKind]}</td></>}
                <td data-testid="open-work">{u.openWork}</td>
                <td>{u.active ? <span className="tag on">在用</span> : <span className="tag off">已停用</span>}</td>
                <td className="row-actions">
                  <button type="button" className="btn small" data-action="rename" onClick={() => setDialog({ kind: 'rename', unit: u })}>改名</button>
                  {u.active
                    ? <button type="button" className="btn small danger" data-action="retire" onClick={() => setDialog({ kind: 'retire', unit: u })}>停用</button>
                    : <button type="button" className="btn small" data-action="restore"
                      onClick={() => run('setUnitActive', 'active', { id: u.id, active: true }, `${u.name} 已恢复`).catch((e) => setError(e.message))}>恢复</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {units && units.length === 0 && <p className="empty">没有符合条件的{label}</p>}
        {units && page.next && <button type="button" className="btn ghost block" onClick={() => load(page.next)}>加载更多</button>}
      </div>

      {dialog && dialog.kind === 'create' && (
        <Modal title={`新增${label}`} onClose={() => setDialog(null)}>
          <CreateUnit kind={kind} onDone={async (input) => {
            const unit = await run('createUnit', 'create', input, `已新增 ${input.name}`);
            setDialog(null);
            return unit;
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'rename' && (
        <Modal title={`改名 · ${dialog.unit.name}`} onClose={() => setDialog(null)}>
          <RenameUnit unit={dialog.unit} onDone={async (input) => {
            await run('renameUnit', 'rename', input, '已保存');
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'retire' && (
        <Modal title={`停用 · ${dialog.unit.name}`} onClose={() => setDialog(null)}>
          <RetireUnit unit={dialog.unit} onDone={async (reason) => {
            await run('setUnitActive', 'active', { id: dialog.unit.id, active: false, reason }, `${dialog.unit.name} 已停用`);
            setDialog(null);
          }} />
        </Modal>
      )}
    </section>
  );
}

function useSubmit(onDone) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (...args) => {
    setBusy(true);
    setError('');
    try {
      await onDone(...args);
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

const PARENT_QUERY = {
  STREET: ['query { streets(first: 12) { edges { node { id name } } } }', (d) => d.streets.edges.map((e) => e.node)],
  COMMUNITY: ['query($s: String) { communities(filter: {search: $s}, first: 30) { edges { node { id name } } } }',
    (d) => d.communities.edges.map((e) => e.node)],
};

/** A street (all 12 in a list) or a community (searched by name). */
function ParentPicker({ kind, value, onChange, allowAll }) {
  const [text, setText] = useState('');
  const [options, setOptions] = useState([]);
  const search = useDebounced(async () => {
    const [query, pick] = PARENT_QUERY[kind];
    try {
      setOptions(pick(await gql(query, { s: text.trim() || null })));
    } catch {
      setOptions([]);
    }
  }, 250);
  useEffect(() => { search(); }, [kind, text, search]);
  const name = kind === 'STREET' ? '街道' : '社区';
  if (kind === 'STREET') {
    return (
      <select name="streetId" aria-label={name} value={value?.id || ''} onChange={(e) => onChange(options.find((o) => o.id === e.target.value) || null)}>
        <option value="">{allowAll ? '全部街道' : '请选择街道'}</option>
        {options.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
      </select>
    );
  }
  return (
    <span className="parent-picker">
      {value
        ? <span className="tag">{value.name} <button type="button" className="link" onClick={() => onChange(null)}>{allowAll ? '全部' : '更换'}</button></span>
        : <>
          <input type="search" name="communitySearch" list={`communities-${allowAll ? 'filter' : 'form'}`} placeholder={`搜索${name}`} value={text}
            onChange={(e) => {
              setText(e.target.value);
              const hit = options.find((o) => o.name === e.target.value);
              if (hit) onChange(hit);
            }} aria-label={name} />
          <datalist id={`communities-${allowAll ? 'filter' : 'form'}`}>{options.map((o) => <option key={o.id} value={o.name} />)}</datalist>
        </>}
    </span>
  );
}

function CreateUnit({ kind, onDone }) {
  const [f, setF] = useState({ name: '', nameEn: '', code: '', partnerKind: 'ENTERPRISE', services: '' });
  const [parent, setParent] = useState(null);
  const { busy, error, submit } = useSubmit(onDone);
  const set = (key) => (e) => setF((x) => ({ ...x, [key]: e.target.value }));
  const partner = kind === 'PARTNER';
  return (
    <form data-testid="new-unit-form" onSubmit={(e) => {
      e.preventDefault();
      const input = { kind, name: f.name.trim() };
      if (!partner) Object.assign(input, { nameEn: f.nameEn.trim(), code: f.code.trim() || null });
      if (kind === 'SECTION') input.streetId = parent?.id || null;
      if (partner) Object.assign(input, { communityId: parent?.id || null, partnerKind: f.partnerKind, services: f.services.trim() });
      submit(input);
    }}>
      {kind !== 'DEPARTMENT' && (
        <div className="field"><span className="field-label">{kind === 'SECTION' ? '所属街道' : '所属社区'}</span>
          <ParentPicker kind={kind === 'SECTION' ? 'STREET' : 'COMMUNITY'} value={parent} onChange={setParent} /></div>
      )}
      <label className="field"><span className="field-label">名称</span><input name="name" value={f.name} onChange={set('name')} required maxLength={partner ? 128 : 64} /></label>
      {!partner && (
        <div className="grid2">
          <label className="field"><span className="field-label">英文名称</span><input name="nameEn" value={f.nameEn} onChange={set('nameEn')} required maxLength={128} /></label>
          <label className="field"><span className="field-label">编码(可选,默认自动编号)</span><input name="code" value={f.code} onChange={set('code')} maxLength={16} /></label>
        </div>
      )}
      {partner && (
        <>
          <label className="field"><span className="field-label">类别</span>
            <select name="partnerKind" value={f.partnerKind} onChange={set('partnerKind')}>
              {Object.entries(PARTNER_KIND).map(([k, l]) => <option key={k} value={k}>{l}</option>)}
            </select></label>
          <label className="field"><span className="field-label">可提供的服务 / 资源</span><textarea name="services" rows={2} value={f.services} onChange={set('services')} maxLength={2000} /></label>
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.name.trim()}>新增</button>
    </form>
  );
}

function RenameUnit({ unit, onDone }) {
  const [name, setName] = useState(unit.name);
  const [nameEn, setNameEn] = useState(unit.nameEn || '');
  const { busy, error, submit } = useSubmit(onDone);
  const partner = unit.kind === 'PARTNER';
  return (
    <form data-testid="rename-unit-form" onSubmit={(e) => { e.preventDefault(); submit({ id: unit.id, name: name.trim(), ...(partner ? {} : { nameEn: nameEn.trim() }) }); }}>
      <label className="field"><span className="field-label">名称</span><input name="name" value={name} onChange={(e) => setName(e.target.value)} required /></label>
      {!partner && <label className="field"><span className="field-label">英文名称</span><input name="nameEn" value={nameEn} onChange={(e) => setNameEn(e.target.value)} required /></label>}
      <p className="hint">已派出的诉求仍显示派单时的名称。</p>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !name.trim()}>保存</button>
    </form>
  );
}

function RetireUnit({ unit, onDone }) {
  const [reason, setReason] = useState('');
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="retire-unit-form" onSubmit={(e) => { e.preventDefault(); submit(reason.trim()); }}>
      <p>停用后该单位保留在历史记录中,但不再接收新的派单或任务。{unit.openWork > 0 && <b>该单位还有 {unit.openWork} 项在办工作,需先改派或办结。</b>}</p>
      <label className="field"><span className="field-label">原因(记入审计日志,可选)</span>
        <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} /></label>
      {error && <p className="error" role="alert" data-testid="retire-error">{error}</p>}
      <button className="btn danger" type="submit" data-action="submit" disabled={busy}>确认停用</button>
    </form>
  );
}
