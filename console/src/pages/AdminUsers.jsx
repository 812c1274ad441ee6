// 账号与权限 — staff logins: list and search, create (with a temporary password shown once),
// change role and scopes, reset the password, sign out everywhere, disable and enable; and the
// audit log of what administrators changed. Every action is one mutation, audited on the server.
import { useCallback, useEffect, useState } from 'react';

import { fullDateTime, gql } from '../api.js';
import { Modal, useDebounced } from '../components.jsx';

// The server's labels (resolvers/roles.py) and which scope kinds each role holds (ROLE_SCOPES).
const ROLES = [
  ['ADMIN', '平台管理员', []],
  ['CENTER_DISPATCHER', '智慧呼应中心调度员', []],
  ['DISTRICT_LEADER', '区委区政府', []],
  ['EVALUATOR', '测评员', []],
  ['STREET_OFFICER', '街道分中心', ['STREET', 'SECTION']],
  ['COMMUNITY_WORKER', '社区工作站', ['COMMUNITY']],
  ['GRID_WORKER', '网格员', ['GRID']],
  ['BUILDING_LEADER', '楼长', ['BUILDING']],
  ['FIELD_HEAD', '田长', ['FIELD']],
  ['DEPARTMENT_HANDLER', '区直部门', ['DEPARTMENT']],
  ['PARTNER', '共建单位', ['PARTNER']],
  ['VOLUNTEER', '志愿者', ['COMMUNITY']],
];
const ROLE_KINDS = Object.fromEntries(ROLES.map(([k, , kinds]) => [k, kinds]));
const KIND_LABEL = {
  STREET: '街道', SECTION: '街道科室', COMMUNITY: '社区', GRID: '网格', FIELD: '责任田', BUILDING: '楼栋', DEPARTMENT: '区直部门', PARTNER: '共建单位',
};
const ACTIONS = {
  USER_CREATED: '新建账号', USER_DISABLED: '停用账号', USER_ENABLED: '启用账号', USER_RENAMED: '修改名称', PASSWORD_RESET: '重置密码',
  TOKENS_REVOKED: '强制下线', ROLE_CHANGED: '变更角色', TAXONOMY_CHANGED: '修改分类', ROUTING_CHANGED: '修改分流', DEADLINES_CHANGED: '修改时限',
  HOLIDAY_CHANGED: '修改节假日', UNIT_CHANGED: '修改单位', LOGIN: '登录', LOGIN_FAILED: '登录失败', LOGIN_LOCKED: '登录锁定', READ_PERSONAL: '查看个人信息',
};

const ACCOUNT = 'active lockedUntil createdAt user { id username displayName role roleLabel scopes { kind refId name } }';
const LIST = `query StaffAccounts($f: StaffAccountFilter, $after: String) {
  staffAccounts(filter: $f, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ACCOUNT} } } }
}`;
const AUDIT = `query AuditLog($a: String, $after: String) {
  auditLog(action: $a, first: 20, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id at action target detail actor { username displayName } } } }
}`;
const M = {
  create: `mutation($i: CreateUserInput!) { createUser(input: $i) { temporaryPassword account { ${ACCOUNT} } } }`,
  role: `mutation($i: ChangeUserRoleInput!) { changeUserRole(input: $i) { account { ${ACCOUNT} } } }`,
  rename: `mutation($i: RenameUserInput!) { renameUser(input: $i) { account { ${ACCOUNT} } } }`,
  reset: `mutation($i: ResetUserPasswordInput!) { resetUserPassword(input: $i) { temporaryPassword account { ${ACCOUNT} } } }`,
  revoke: `mutation($i: UserRefInput!) { revokeUserTokens(input: $i) { account { ${ACCOUNT} } } }`,
  disable: `mutation($i: DisableUserInput!) { disableUser(input: $i) { account { ${ACCOUNT} } } }`,
  enable: `mutation($i: UserRefInput!) { enableUser(input: $i) { account { ${ACCOUNT} } } }`,
};

export default function AdminUsers() {
  const [filter, setFilter] = useState({ search: '', role: '', active: '' });
  const [page, setPage] = useState(null); // { accounts, total, next }
  const [error, setError] = useState('');
  const [toast, setToast] = useState('');
  const [dialog, setDialog] = useState(null); // { kind: 'create' | 'role' | 'reset' | 'disable' | 'revoke' | 'rename' | 'secret', account?, secret? }

  const variables = useCallback((after = null) => {
    const f = {};
    if (filter.search.trim()) f.search = filter.search.trim();
    if (filter.role) f.role = filter.role;
    if (filter.active) f.active = filter.active === 'yes';
    return { f, after };
  }, [filter]);

  const load = useCallback(async (after = null) => {
    try {
      const d = await gql(LIST, variables(after));
      const rows = d.staffAccounts.edges.map((e) => e.node);
      setPage((old) => ({
        accounts: after && old ? [...old.accounts, ...rows] : rows,
        total: d.staffAccounts.totalCount,
        next: d.staffAccounts.pageInfo.hasNextPage ? d.staffAccounts.pageInfo.endCursor : null,
      }));
    } catch (err) {
      setError(err.message);
    }
  }, [variables]);
  const reload = useDebounced(() => load(), 250);
  useEffect(() => { reload(); }, [filter, reload]);
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(''), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  const replace = (account) => setPage((old) => {
    if (!old) return old;
    const known = old.accounts.some((a) => a.user.id === account.user.id);
    return { ...old, total: old.total + (known ? 0 : 1),
      accounts: known ? old.accounts.map((a) => (a.user.id === account.user.id ? account : a)) : [account, ...old.accounts] };
  });

  /** Run a mutation from a dialog; returns the payload or null (the error is shown in the dialog). */
  async function run(name, mutation, input, message) {
    const d = await gql(M[mutation], { i: input });
    const payload = d[name];
    replace(payload.account);
    setToast(message);
    return payload;
  }

  const set = (key) => (e) => setFilter((f) => ({ ...f, [key]: e.target.value }));
  return (
    <section className="admin-users" data-testid="admin-users">
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      {toast && <div className="notice" role="status" data-testid="admin-toast">{toast}</div>}
      <div className="admin-toolbar">
        <input type="search" name="search" placeholder="搜索用户名或名称" value={filter.search} onChange={set('search')} aria-label="搜索账号" />
        <select name="role" value={filter.role} onChange={set('role')} aria-label="角色">
          <option value="">全部角色</option>
          {ROLES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select>
        <select name="active" value={filter.active} onChange={set('active')} aria-label="状态">
          <option value="">全部状态</option>
          <option value="yes">启用</option>
          <option value="no">停用</option>
        </select>
        <span className="muted grow" data-testid="account-total">{page ? `共 ${page.total} 个账号` : '正在加载…'}</span>
        <button type="button" className="btn primary" data-action="new-user" onClick={() => setDialog({ kind: 'create' })}>新建账号</button>
      </div>

      <div className="admin-scroll">
        <table className="data admin-table" data-testid="account-list">
          <thead>
            <tr><th>用户名</th><th>名称</th><th>角色</th><th>范围</th><th>状态</th><th>创建时间</th><th>操作</th></tr>
          </thead>
          <tbody>
            {page && page.accounts.map((a) => (
              <tr key={a.user.id} data-testid="account" data-username={a.user.username} data-active={String(a.active)} className={a.active ? '' : 'off'}>
                <td className="code">{a.user.username}</td>
                <td>{a.user.displayName}</td>
                <td>{a.user.roleLabel}</td>
                <td className="scopes">{a.user.scopes.length ? a.user.scopes.map((s) => <span key={s.refId} className="tag">{KIND_LABEL[s.kind]} · {s.name}</span>) : <span className="muted">全区</span>}</td>
                <td data-testid="account-state">
                  {a.active ? <span className="tag on">启用</span> : <span className="tag off">停用</span>}
                  {a.lockedUntil && new Date(a.lockedUntil) > new Date() && <span className="tag late" title={`锁定至 ${fullDateTime(a.lockedUntil)}`}>已锁定</span>}
                </td>
                <td className="muted">{fullDateTime(a.createdAt)}</td>
                <td className="row-actions">
                  <button type="button" className="btn small" data-action="role" onClick={() => setDialog({ kind: 'role', account: a })}>角色与范围</button>
                  <button type="button" className="btn small" data-action="rename" onClick={() => setDialog({ kind: 'rename', account: a })}>改名</button>
                  <button type="button" className="btn small" data-action="reset" onClick={() => setDialog({ kind: 'reset', account: a })}>重置密码</button>
                  <button type="button" className="btn small" data-action="revoke" onClick={() => setDialog({ kind: 'revoke', account: a })}>强制下线</button>
                  {a.active
                    ? <button type="button" className="btn small danger" data-action="disable" onClick={() => setDialog({ kind: 'disable', account: a })}>停用</button>
                    : <button type="button" className="btn small" data-action="enable" onClick={() => run('enableUser', 'enable', { userId: a.user.id }, `已启用 ${a.user.username}`).catch((e) => setError(e.message))}>启用</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && page.accounts.length === 0 && <p className="empty">没有符合条件的账号</p>}
        {page && page.next && <button type="button" className="btn ghost block" onClick={() => load(page.next)}>加载更多</button>}
      </div>

      <AuditLog />

      {dialog && dialog.kind === 'create' && (
        <Modal title="新建账号" onClose={() => setDialog(null)} wide>
          <CreateForm onDone={async (input) => {
            const p = await run('createUser', 'create', input, `已创建 ${input.username}`);
            setDialog(p.temporaryPassword ? { kind: 'secret', account: p.account, secret: p.temporaryPassword } : null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'role' && (
        <Modal title={`角色与范围 · ${dialog.account.user.username}`} onClose={() => setDialog(null)} wide>
          <RoleForm account={dialog.account} onDone={async (role, scopes) => {
            await run('changeUserRole', 'role', { userId: dialog.account.user.id, role, scopes }, `已变更 ${dialog.account.user.username} 的角色,其登录已失效`);
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'rename' && (
        <Modal title={`改名 · ${dialog.account.user.username}`} onClose={() => setDialog(null)}>
          <TextForm label="显示名称" name="displayName" initial={dialog.account.user.displayName} submit="保存" onDone={async (displayName) => {
            await run('renameUser', 'rename', { userId: dialog.account.user.id, displayName }, '已保存');
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'reset' && (
        <Modal title={`重置密码 · ${dialog.account.user.username}`} onClose={() => setDialog(null)}>
          <ResetForm onDone={async (newPassword) => {
            const p = await run('resetUserPassword', 'reset', { userId: dialog.account.user.id, newPassword }, '密码已重置,该账号需重新登录');
            setDialog(p.temporaryPassword ? { kind: 'secret', account: p.account, secret: p.temporaryPassword } : null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'revoke' && (
        <Modal title={`强制下线 · ${dialog.account.user.username}`} onClose={() => setDialog(null)}>
          <Confirm text="该账号在所有设备上的登录将立即失效,实时连接会被断开;密码不变。" button="确认下线" onDone={async () => {
            await run('revokeUserTokens', 'revoke', { userId: dialog.account.user.id }, `${dialog.account.user.username} 已下线`);
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'disable' && (
        <Modal title={`停用账号 · ${dialog.account.user.username}`} onClose={() => setDialog(null)}>
          <p>停用后该账号不能登录,现有登录与实时连接立即失效。</p>
          <TextForm label="停用原因(记入审计日志,可选)" name="reason" initial="" optional submit="确认停用" danger onDone={async (reason) => {
            await run('disableUser', 'disable', { userId: dialog.account.user.id, reason }, `已停用 ${dialog.account.user.username}`);
            setDialog(null);
          }} />
        </Modal>
      )}
      {dialog && dialog.kind === 'secret' && (
        <Modal title="临时密码" onClose={() => setDialog(null)}>
          <p>请将临时密码告知 <b>{dialog.account.user.displayName}</b>(用户名 <span className="code">{dialog.account.user.username}</span>)。</p>
          <p className="secret code" data-testid="temporary-password">{dialog.secret}</p>
          <p className="hint">临时密码只显示这一次,关闭后无法再查看;服务器只保存其哈希。</p>
          <button type="button" className="btn primary" data-action="close-secret" onClick={() => setDialog(null)}>我已记下</button>
        </Modal>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ forms

/** Runs `onDone`; shows its error in place and keeps the form open. */
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

function CreateForm({ onDone }) {
  const [f, setF] = useState({ username: '', displayName: '', role: 'COMMUNITY_WORKER', password: '', auto: true });
  const [scopes, setScopes] = useState([]);
  const { busy, error, submit } = useSubmit(onDone);
  const set = (key) => (e) => setF((x) => ({ ...x, [key]: e.target.value }));
  return (
    <form data-testid="new-user-form" onSubmit={(e) => {
      e.preventDefault();
      submit({ username: f.username.trim(), displayName: f.displayName.trim(), role: f.role, scopes: scopes.map(({ kind, refId }) => ({ kind, refId })),
        password: f.auto ? null : f.password });
    }}>
      <div className="grid2">
        <label className="field"><span className="field-label">用户名</span>
          <input name="username" value={f.username} onChange={set('username')} required maxLength={32} autoComplete="off" placeholder="小写字母开头,如 futai-wang" /></label>
        <label className="field"><span className="field-label">显示名称</span>
          <input name="displayName" value={f.displayName} onChange={set('displayName')} required maxLength={64} placeholder="如 福泰社区工作站" /></label>
      </div>
      <label className="field"><span className="field-label">角色</span>
        <select name="role" value={f.role} onChange={(e) => { set('role')(e); setScopes([]); }}>
          {ROLES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select></label>
      <ScopePicker kinds={ROLE_KINDS[f.role]} scopes={scopes} onChange={setScopes} />
      <fieldset className="field">
        <legend className="field-label">初始密码</legend>
        <label className="check"><input type="radio" name="auto" checked={f.auto} onChange={() => setF((x) => ({ ...x, auto: true }))} /> 自动生成临时密码(只显示一次)</label>
        <label className="check"><input type="radio" name="auto" checked={!f.auto} onChange={() => setF((x) => ({ ...x, auto: false }))} /> 指定密码</label>
        {!f.auto && <input name="password" type="password" value={f.password} onChange={set('password')} minLength={8} maxLength={128} autoComplete="new-password"
          placeholder="8 位以上,含字母、数字、符号中至少两类" />}
      </fieldset>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>创建账号</button>
    </form>
  );
}

function RoleForm({ account, onDone }) {
  const [role, setRole] = useState(account.user.role);
  const [scopes, setScopes] = useState(account.user.scopes.map((s) => ({ kind: s.kind, refId: s.refId, name: s.name })));
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="role-form" onSubmit={(e) => { e.preventDefault(); submit(role, scopes.map(({ kind, refId }) => ({ kind, refId }))); }}>
      <label className="field"><span className="field-label">角色</span>
        <select name="role" value={role} onChange={(e) => { setRole(e.target.value); setScopes([]); }}>
          {ROLES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select></label>
      <ScopePicker kinds={ROLE_KINDS[role]} scopes={scopes} onChange={setScopes} />
      <p className="hint">保存后该账号的现有登录和实时连接立即失效,需以新角色重新登录。</p>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy}>保存</button>
    </form>
  );
}

function ResetForm({ onDone }) {
  const [auto, setAuto] = useState(true);
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="reset-form" onSubmit={(e) => { e.preventDefault(); submit(auto ? null : password); }}>
      <label className="check"><input type="radio" checked={auto} onChange={() => setAuto(true)} /> 生成临时密码(只显示一次)</label>
      <label className="check"><input type="radio" checked={!auto} onChange={() => setAuto(false)} /> 指定新密码</label>
      {!auto && <input name="newPassword" type="password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={8} maxLength={128} autoComplete="new-password" />}
      <p className="hint">重置后该账号的现有登录立即失效,登录锁定一并解除。</p>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || (!auto && password.length < 8)}>重置密码</button>
    </form>
  );
}

function TextForm({ label, name, initial, optional, submit: text, danger, onDone }) {
  const [value, setValue] = useState(initial);
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid={`${name}-form`} onSubmit={(e) => { e.preventDefault(); submit(value.trim()); }}>
      <label className="field"><span className="field-label">{label}</span>
        <input name={name} value={value} onChange={(e) => setValue(e.target.value)} maxLength={name === 'reason' ? 200 : 64} required={!optional} /></label>
      {error && <p className="error" role="alert">{error}</p>}
      <button className={`btn ${danger ? 'danger' : 'primary'}`} type="submit" data-action="submit" disabled={busy || (!optional && !value.trim())}>{text}</button>
    </form>
  );
}

function Confirm({ text, button, onDone }) {
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <div>
      <p>{text}</p>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="button" className="btn danger" data-action="confirm" disabled={busy} onClick={() => submit()}>{button}</button>
    </div>
  );
}

// ------------------------------------------------------------------ scopes

const SEARCH = {
  STREET: ['query { streets(first: 12) { edges { node { id name } } } }', (d) => d.streets.edges.map((e) => e.node)],
  COMMUNITY: ['query($s: String) { communities(filter: {search: $s}, first: 20) { edges { node { id name street { name } } } } }',
    (d) => d.communities.edges.map((e) => ({ id: e.node.id, name: e.node.name, note: e.node.street.name }))],
  BUILDING: ['query($s: String) { buildings(filter: {search: $s}, first: 20) { edges { node { id name address } } } }',
    (d) => d.buildings.edges.map((e) => ({ id: e.node.id, name: e.node.name, note: e.node.address }))],
  DEPARTMENT: ['query { adminUnits(kind: DEPARTMENT, filter: {active: true}, first: 100) { edges { node { id name } } } }',
    (d) => d.adminUnits.edges.map((e) => e.node)],
};
// Kinds picked inside a parent: sections of a street, grids (and their fields) or partners of a community.
const CHILDREN = {
  SECTION: ['STREET', 'query($p: ID!) { adminUnits(kind: SECTION, filter: {streetId: $p, active: true}, first: 100) { edges { node { id name } } } }',
    (d) => d.adminUnits.edges.map((e) => e.node)],
  GRID: ['COMMUNITY', 'query($p: ID!) { grids(filter: {communityId: $p}, first: 100) { edges { node { id name } } } }',
    (d) => d.grids.edges.map((e) => e.node)],
  FIELD: ['COMMUNITY', 'query($p: ID!) { grids(filter: {communityId: $p}, first: 100) { edges { node { name fields { id name } } } } }',
    (d) => d.grids.edges.flatMap((e) => e.node.fields.map((f) => ({ id: f.id, name: f.name, note: e.node.name })))],
  PARTNER: ['COMMUNITY', 'query($p: ID!) { adminUnits(kind: PARTNER, filter: {communityId: $p, active: true}, first: 100) { edges { node { id name } } } }',
    (d) => d.adminUnits.edges.map((e) => e.node)],
};

/** Pick places or units of the kinds a role may hold; `scopes` are { kind, refId, name }. */
function ScopePicker({ kinds, scopes, onChange }) {
  const [kind, setKind] = useState(kinds[0] || null);
  const [text, setText] = useState('');
  const [parent, setParent] = useState(null);
  const [options, setOptions] = useState([]);
  const [error, setError] = useState('');
  useEffect(() => { setKind(kinds[0] || null); setParent(null); setText(''); }, [kinds]);

  const parentKind = kind && CHILDREN[kind] ? CHILDREN[kind][0] : null;
  const searchKind = parentKind && !parent ? parentKind : kind;
  const search = useDebounced(async () => {
    if (!searchKind) return;
    setError('');
    try {
      if (parent) {
        const [, query, pick] = CHILDREN[kind];
        setOptions(pick(await gql(query, { p: parent.id })));
      } else {
        const [query, pick] = SEARCH[searchKind];
        const rows = pick(await gql(query, { s: text.trim() || null }));
        setOptions(rows.filter((r) => !text.trim() || r.name.includes(text.trim())));
      }
    } catch (err) {
      setError(err.message);
    }
  }, 250);
  useEffect(() => { search(); }, [kind, text, parent, search]);

  if (!kinds.length) return <p className="hint" data-testid="scope-none">该角色面向全区,不设范围。</p>;
  const add = (o) => {
    if (parent === null && parentKind) {
      setParent(o);
      setText('');
      return;
    }
    if (!scopes.some((s) => s.kind === kind && s.refId === o.id)) onChange([...scopes, { kind, refId: o.id, name: parent ? `${parent.name} ${o.name}` : o.name }]);
  };
  return (
    <fieldset className="field scope-picker" data-testid="scope-picker">
      <legend className="field-label">范围</legend>
      <div className="chips">
        {scopes.length === 0 && <span className="muted">尚未选择</span>}
        {scopes.map((s) => (
          <span key={`${s.kind}:${s.refId}`} className="chip" data-testid="scope-chip">{KIND_LABEL[s.kind]} · {s.name}
            <button type="button" className="btn ghost small" aria-label="移除" onClick={() => onChange(scopes.filter((x) => x !== s))}>✕</button></span>
        ))}
      </div>
      <div className="row gap">
        {kinds.length > 1 && (
          <select aria-label="范围类型" value={kind} onChange={(e) => { setKind(e.target.value); setParent(null); setText(''); }}>
            {kinds.map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
          </select>
        )}
        {parent
          ? <span className="tag">{KIND_LABEL[parentKind]} · {parent.name} <button type="button" className="link" onClick={() => setParent(null)}>更换</button></span>
          : <input type="search" name="scopeSearch" placeholder={`搜索${KIND_LABEL[searchKind]}`} value={text} onChange={(e) => setText(e.target.value)} />}
      </div>
      {error && <p className="error">{error}</p>}
      <ul className="scope-options">
        {options.slice(0, 30).map((o) => (
          <li key={o.id}><button type="button" className="link" data-testid="scope-option" data-name={o.name} onClick={() => add(o)}>
            {o.name}{o.note && <small className="muted"> · {o.note}</small>}</button></li>
        ))}
      </ul>
      {parentKind && !parent && <p className="hint">先选{KIND_LABEL[parentKind]},再选其中的{KIND_LABEL[kind]}。</p>}
    </fieldset>
  );
}

// ------------------------------------------------------------------ audit log

function AuditLog() {
  const [action, setAction] = useState('');
  const [page, setPage] = useState(null);
  const [error, setError] = useState('');
  const load = useCallback(async (after = null) => {
    try {
      const d = await gql(AUDIT, { a: action || null, after });
      const rows = d.auditLog.edges.map((e) => e.node);
      setPage((old) => ({ rows: after && old ? [...old.rows, ...rows] : rows, next: d.auditLog.pageInfo.hasNextPage ? d.auditLog.pageInfo.endCursor : null }));
    } catch (err) {
      setError(err.message);
    }
  }, [action]);
  useEffect(() => { load(); }, [load]);
  return (
    <section className="panel admin-audit" data-testid="audit-log">
      <header className="panel-head">
        <h3>审计日志</h3>
        <select aria-label="操作类型" value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">全部操作</option>
          {Object.entries(ACTIONS).map(([k, l]) => <option key={k} value={k}>{l}</option>)}
        </select>
        <button type="button" className="btn small ghost" onClick={() => load()}>刷新</button>
      </header>
      {error && <p className="error">{error}</p>}
      <ul className="plain-list audit-list">
        {page && page.rows.map((r) => (
          <li key={r.id} data-testid="audit-entry" data-action={r.action}>
            <span className="muted">{fullDateTime(r.at)}</span> <b>{ACTIONS[r.action] || r.action}</b>{' '}
            <span>{r.actor ? r.actor.displayName : '匿名'}</span> <span className="code muted">{r.target}</span>
            {r.detail && <div className="small muted">{r.detail}</div>}
          </li>
        ))}
      </ul>
      {page && page.rows.length === 0 && <p className="empty">暂无记录</p>}
      {page && page.next && <button type="button" className="btn ghost block" onClick={() => load(page.next)}>加载更多</button>}
    </section>
  );
}

