// Changing one's own password: the page a user whose password someone else chose (an admin's
// temporary one, an import's initial one) sees after sign-in before anything else, and the form
// of the top bar's "修改密码" dialog for everyone else.
import { useState } from 'react';

import { gql, setSession } from '../api.js';

const CHANGE = `mutation ChangeMyPassword($i: ChangeMyPasswordInput!) {
  changeMyPassword(input: $i) {
    token expiresAt mustChangePassword user { id username displayName role roleLabel scopes { kind refId name } }
  }
}`;

export const PASSWORD_RULES = '至少 10 位,含字母、数字、符号中的两类;不能包含用户名,不能是常见密码,不能与当前密码相同。';

/**
 * The form. On success the new session (a fresh token: every other session has ended) is stored
 * and handed to `onChanged`.
 */
export function ChangePasswordForm({ session, onChanged, onCancel, submitLabel = '修改密码' }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null); // { field, message }
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    if (next !== again) {
      setError({ field: 'again', message: '两次输入的新密码不一致' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const data = await gql(CHANGE, { i: { currentPassword: current, newPassword: next } }, { token: session.token });
      const fresh = { ...session, ...data.changeMyPassword };
      setSession(fresh);
      onChanged(fresh);
    } catch (err) {
      const ext = (err.errors && err.errors[0] && err.errors[0].extensions) || {};
      setError({ field: ext.field || '', message: err.code === 'TOO_MANY_ATTEMPTS' ? '当前密码错误次数过多,账号已暂时锁定,请 15 分钟后再试' : err.message });
      setBusy(false);
    }
  }

  const fieldError = (name) => error && error.field === name && <p className="error" role="alert" data-testid={`error-${name}`}>{error.message}</p>;
  return (
    <form className="change-password" onSubmit={submit} aria-label="修改密码">
      <label className="field">
        <span className="field-label">当前密码</span>
        <input name="currentPassword" type="password" autoComplete="current-password" value={current}
          onChange={(e) => setCurrent(e.target.value)} required autoFocus />
      </label>
      {fieldError('currentPassword')}
      <label className="field">
        <span className="field-label">新密码</span>
        <input name="newPassword" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
        <span className="hint">{PASSWORD_RULES}</span>
      </label>
      {fieldError('newPassword')}
      <label className="field">
        <span className="field-label">再次输入新密码</span>
        <input name="newPasswordAgain" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
      </label>
      {fieldError('again')}
      {error && !['currentPassword', 'newPassword', 'again'].includes(error.field) && <p className="error" role="alert">{error.message}</p>}
      <div className="change-password-actions">
        {onCancel && <button className="btn ghost" type="button" onClick={onCancel}>取消</button>}
        <button className="btn primary" type="submit" disabled={busy}>{busy ? '正在保存…' : submitLabel}</button>
      </div>
    </form>
  );
}

/**
 * After a change from the top bar: the page's sockets were opened with the old token and are now
 * being closed (4403), which would send this tab back to sign-in. Keep the new session through
 * that, and start the page over with it.
 */
export function continueWithNewSession(fresh) {
  window.addEventListener('ehy:session-expired', () => setSession(fresh));
  window.location.reload();
}

/** The page shown right after sign-in while the password is not yet the user's own. */
export default function ChangePassword({ session, onChanged, onSignOut }) {
  return (
    <main className="login-page change-password-page">
      <section className="login-brand">
        <div className="brand-mark">e呼应</div>
        <h1>请先设置您自己的密码</h1>
        <p className="muted">
          {session.user.displayName || session.user.username}({session.user.roleLabel}):
          {'您的密码由管理员或批量导入生成,别人也见过。设置只有您知道的新密码后,才能开始工作。'}
        </p>
      </section>
      <section className="login-panel">
        <div className="card login-card" data-testid="must-change-password">
          <h2>修改初始密码</h2>
          <ChangePasswordForm session={session} onChanged={onChanged} submitLabel="保存并进入" />
          <p className="muted small login-links">
            <button className="link" type="button" onClick={onSignOut}>退出登录</button>
          </p>
        </div>
      </section>
    </main>
  );
}
