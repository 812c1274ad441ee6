// 分类与时限 — the taxonomy (8 categories, 33 subcategories by default), its keywords, the routing
// table (subcategory → default department) and the default deadlines (SPEC §5.5). Changes apply
// to requests triaged and dispatched afterwards; deadlines already set are never recomputed.
import { useCallback, useEffect, useState } from 'react';

import { gql } from '../api.js';
import { Modal } from '../components.jsx';

const DEADLINES = 'triageMinutes majorResponseHours majorResolveWorkingDays minorAHours minorCProgressDays privateResponseHours';
const SUB = `id code name nameEn position keywords defaultDepartment { id name } deadlines { ${DEADLINES} }`;
const TAXONOMY = `query { categories { id code name nameEn position subcategories { ${SUB} } } }`;
const DEPARTMENTS = `query($after: String) { adminUnits(kind: DEPARTMENT, filter: {active: true}, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id name } } } }`;
const M = {
  createCategory: `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }`,
  updateCategory: `mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { category { id } } }`,
  createSubcategory: `mutation($i: CreateSubcategoryInput!) { createSubcategory(input: $i) { subcategory { ${SUB} } } }`,
  updateSubcategory: `mutation($i: UpdateSubcategoryInput!) { updateSubcategory(input: $i) { subcategory { ${SUB} } } }`,
  setSubcategoryRouting: `mutation($i: SetRoutingInput!) { setSubcategoryRouting(input: $i) { subcategory { ${SUB} } } }`,
  setSubcategoryDeadlines: `mutation($i: SetDeadlinesInput!) { setSubcategoryDeadlines(input: $i) { subcategory { ${SUB} } } }`,
};
// field, label, unit, min, max — the server's bounds (resolvers/admin/taxonomy.py).
const POLICY = [
  ['triageMinutes', '中心分类', '分钟', 5, 1440],
  ['majorResponseHours', '大事响应', '小时', 1, 168],
  ['majorResolveWorkingDays', '大事办结', '个工作日', 1, 60],
  ['minorAHours', '小事A档办结', '小时', 1, 168],
  ['minorCProgressDays', '小事C档进度报告', '天一次', 1, 30],
  ['privateResponseHours', '私事响应', '小时', 1, 336],
];
const DEFAULT_POLICY = { triageMinutes: 30, majorResponseHours: 2, majorResolveWorkingDays: 5, minorAHours: 24, minorCProgressDays: 7, privateResponseHours: 48 };

async function allDepartments() {
  const out = [];
  let after = null;
  do {
    const d = await gql(DEPARTMENTS, { after });
    out.push(...d.adminUnits.edges.map((e) => e.node));
    after = d.adminUnits.pageInfo.hasNextPage ? d.adminUnits.pageInfo.endCursor : null;
  } while (after);
  return out;
}

export default function AdminTaxonomy() {
  const [categories, setCategories] = useState(null);
  const [departments, setDepartments] = useState([]);
  const [current, setCurrent] = useState(null);
  const [error, setError] = useState('');
  const [toast, setToast] = useState('');
  const [dialog, setDialog] = useState(null); // { kind: 'category' | 'subcategory' | 'edit' | 'deadlines', category?, sub? }

  const load = useCallback(async () => {
    try {
      const d = await gql(TAXONOMY);
      setCategories(d.categories);
      setCurrent((c) => c || d.categories[0]?.id || null);
    } catch (err) {
      setError(err.message);
    }
  }, []);
  useEffect(() => {
    load();
    allDepartments().then(setDepartments).catch((err) => setError(err.message));
  }, [load]);
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(''), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const replaceSub = (sub) => setCategories((cats) => cats.map((c) => ({ ...c, subcategories: c.subcategories.map((s) => (s.id === sub.id ? sub : s)) })));
  async function run(name, input, message) {
    const d = await gql(M[name], { i: input });
    if (d[name].subcategory) replaceSub(d[name].subcategory);
    setToast(message);
    return d[name];
  }
  async function route(sub, departmentId) {
    setError('');
    try {
      await run('setSubcategoryRouting', { subcategoryId: sub.id, departmentId: departmentId || null }, `已更新“${sub.name}”的默认承办部门`);
    } catch (err) {
      setError(err.message);
    }
  }

  const category = categories && categories.find((c) => c.id === current);
  return (
    <section className="admin-taxonomy" data-testid="admin-taxonomy">
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      {toast && <div className="notice" role="status" data-testid="admin-toast">{toast}</div>}
      <p className="hint">修改只影响此后分类、派单的诉求;已派出诉求的承办单位和时限不会改变。</p>
      <div className="taxonomy-layout">
        <nav className="panel taxonomy-cats" aria-label="大类">
          <ul className="plain-list">
            {categories && categories.map((c) => (
              <li key={c.id}>
                <button type="button" className={`cat-pick ${c.id === current ? 'on' : ''}`} data-testid="category" data-code={c.code} onClick={() => setCurrent(c.id)}>
                  <b>{c.name}</b> <small className="muted">{c.nameEn} · {c.subcategories.length}</small>
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="btn block" data-action="new-category" onClick={() => setDialog({ kind: 'category' })}>新增大类</button>
        </nav>
        <div className="stack">
          {category && (
            <header className="row gap">
              <h3 className="grow">{category.name} <small className="muted code">{category.code}</small></h3>
              <button type="button" className="btn small" data-action="rename-category" onClick={() => setDialog({ kind: 'category', category })}>改名</button>
              <button type="button" className="btn small primary" data-action="new-subcategory" onClick={() => setDialog({ kind: 'subcategory', category })}>新增小类</button>
            </header>
          )}
          <div className="admin-scroll">
            <table className="data admin-table" data-testid="subcategory-list">
              <thead><tr><th>小类</th><th>关键词</th><th>默认承办部门(分流表)</th><th>默认时限</th><th>操作</th></tr></thead>
              <tbody>
                {category && category.subcategories.map((s) => (
                  <tr key={s.id} data-testid="subcategory" data-code={s.code} data-name={s.name}>
                    <td><b>{s.name}</b><div className="small muted code">{s.code}</div></td>
                    <td className="keywords">{s.keywords.map((k) => <span key={k} className="tag">{k}</span>)}</td>
                    <td>
                      <select aria-label={`${s.name}的默认承办部门`} name="department" value={s.defaultDepartment?.id || ''} onChange={(e) => route(s, e.target.value)}>
                        <option value="">(无默认,由中心选择)</option>
                        {s.defaultDepartment && !departments.some((d) => d.id === s.defaultDepartment.id) && <option value={s.defaultDepartment.id}>{s.defaultDepartment.name}</option>}
                        {departments.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
                      </select>
                    </td>
                    <td className="small deadlines" data-testid="deadlines">
                      响应 {s.deadlines.majorResponseHours} 小时 · 办结 {s.deadlines.majorResolveWorkingDays} 个工作日
                      <div className="muted">分类 {s.deadlines.triageMinutes} 分钟 · A档 {s.deadlines.minorAHours} 小时 · C档 {s.deadlines.minorCProgressDays} 天 · 私事 {s.deadlines.privateResponseHours} 小时</div>
                    </td>
                    <td className="row-actions">
                      <button type="button" className="btn small" data-action="edit" onClick={() => setDialog({ kind: 'edit', sub: s })}>名称与关键词</button>
                      <button type="button" className="btn small" data-action="deadlines" onClick={() => setDialog({ kind: 'deadlines', sub: s })}>时限</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>

      {dialog && dialog.kind === 'category' && (
        <Modal title={dialog.category ? `改名 · ${dialog.category.name}` : '新增大类'} onClose={() => setDialog(null)}>
          <CategoryForm category={dialog.category} onDone={async (input) => {
            if (dialog.category) await run('updateCategory', { id: dialog.category.id, name: input.name, nameEn: input.nameEn }, '已保存');
            else await run('createCategory', input, `已新增大类 ${input.name}`);
            await load();
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'subcategory' && (
        <Modal title={`新增小类 · ${dialog.category.name}`} onClose={() => setDialog(null)} wide>
          <SubcategoryForm departments={departments} onDone={async (input) => {
            await run('createSubcategory', { ...input, categoryId: dialog.category.id }, `已新增小类 ${input.name}`);
            await load();
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'edit' && (
        <Modal title={`名称与关键词 · ${dialog.sub.name}`} onClose={() => setDialog(null)}>
          <SubcategoryForm sub={dialog.sub} onDone={async (input) => {
            await run('updateSubcategory', { id: dialog.sub.id, name: input.name, nameEn: input.nameEn, keywords: input.keywords }, '已保存');
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'deadlines' && (
        <Modal title={`默认时限 · ${dialog.sub.name}`} onClose={() => setDialog(null)}>
          <DeadlineForm initial={dialog.sub.deadlines} onDone={async (deadlines) => {
            await run('setSubcategoryDeadlines', { subcategoryId: dialog.sub.id, deadlines }, `已更新“${dialog.sub.name}”的默认时限`);
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

function CategoryForm({ category, onDone }) {
  const [f, setF] = useState({ code: '', name: category?.name || '', nameEn: category?.nameEn || '' });
  const { busy, error, submit } = useSubmit(onDone);
  const set = (key) => (e) => setF((x) => ({ ...x, [key]: e.target.value }));
  return (
    <form data-testid="category-form" onSubmit={(e) => { e.preventDefault(); submit({ ...(category ? {} : { code: f.code.trim() }), name: f.name.trim(), nameEn: f.nameEn.trim() }); }}>
      {!category && <label className="field"><span className="field-label">编码(大写字母、数字、下划线,创建后不可改)</span>
        <input name="code" value={f.code} onChange={set('code')} required maxLength={32} /></label>}
      <label className="field"><span className="field-label">名称</span><input name="name" value={f.name} onChange={set('name')} required maxLength={32} /></label>
      <label className="field"><span className="field-label">英文名称</span><input name="nameEn" value={f.nameEn} onChange={set('nameEn')} required maxLength={64} /></label>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>保存</button>
    </form>
  );
}

function SubcategoryForm({ sub, departments, onDone }) {
  const creating = !sub;
  const [f, setF] = useState({ code: '', name: sub?.name || '', nameEn: sub?.nameEn || '', keywords: (sub?.keywords || []).join(' '), departmentId: '' });
  const [deadlines, setDeadlines] = useState(DEFAULT_POLICY);
  const { busy, error, submit } = useSubmit(onDone);
  const set = (key) => (e) => setF((x) => ({ ...x, [key]: e.target.value }));
  return (
    <form data-testid="subcategory-form" onSubmit={(e) => {
      e.preventDefault();
      const input = { name: f.name.trim(), nameEn: f.nameEn.trim(), keywords: f.keywords.split(/[\s,,、]+/).filter(Boolean) };
      if (creating) Object.assign(input, { code: f.code.trim(), defaultDepartmentId: f.departmentId || null, deadlines });
      submit(input);
    }}>
      {creating && <label className="field"><span className="field-label">编码(创建后不可改)</span><input name="code" value={f.code} onChange={set('code')} required maxLength={48} /></label>}
      <div className="grid2">
        <label className="field"><span className="field-label">名称</span><input name="name" value={f.name} onChange={set('name')} required maxLength={32} /></label>
        <label className="field"><span className="field-label">英文名称</span><input name="nameEn" value={f.nameEn} onChange={set('nameEn')} required maxLength={64} /></label>
      </div>
      <label className="field"><span className="field-label">关键词(用空格或逗号分隔;诉求文字含关键词时提示此小类)</span>
        <textarea name="keywords" rows={2} value={f.keywords} onChange={set('keywords')} /></label>
      {creating && (
        <>
          <label className="field"><span className="field-label">默认承办部门</span>
            <select name="department" value={f.departmentId} onChange={set('departmentId')}>
              <option value="">(无默认)</option>
              {departments.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select></label>
          <PolicyFields value={deadlines} onChange={setDeadlines} />
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>保存</button>
    </form>
  );
}

function PolicyFields({ value, onChange }) {
  return (
    <div className="policy-fields">
      {POLICY.map(([key, label, unit, min, max]) => (
        <label key={key} className="field"><span className="field-label">{label}({unit})</span>
          <input type="number" name={key} min={min} max={max} required value={value[key]}
            onChange={(e) => onChange({ ...value, [key]: e.target.value === '' ? '' : Number(e.target.value) })} /></label>
      ))}
    </div>
  );
}

function DeadlineForm({ initial, onDone }) {
  const [value, setValue] = useState(() => Object.fromEntries(POLICY.map(([k]) => [k, initial[k]])));
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="deadline-form" onSubmit={(e) => { e.preventDefault(); submit(value); }}>
      <PolicyFields value={value} onChange={setValue} />
      <p className="hint">小时按自然时计(中心全天候值守);工作日跳过周末和节假日,调休上班日计入。</p>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>保存</button>
    </form>
  );
}
