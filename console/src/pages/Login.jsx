import { useState } from 'react';

import { gql, setSession } from '../api.js';

const LOGIN = `mutation Login($i: LoginInput!) {
  login(input: $i) { token expiresAt mustChangePassword user { id username displayName role roleLabel scopes { kind refId name } } }
}`;

export default function Login({ notice, onSignedIn }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const data = await gql(LOGIN, { i: { username: username.trim(), password } }, { token: null });
      setSession(data.login);
      onSignedIn(data.login);
    } catch (err) {
      setError(err.code === 'UNAUTHENTICATED' ? '用户名或密码不正确' : err.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <section className="login-brand">
        <div className="brand-mark">e呼应</div>
        <h1>芝罘区基层治理智慧呼应平台</h1>
        <p className="lead">精准发现 · 精细分流 · 精深解决 · 精确考评</p>
        <ul className="login-facts">
          <li><b>12</b> 个街道</li>
          <li><b>150</b> 个社区</li>
          <li><b>1,217</b> 个网格</li>
          <li><b>64</b> 个区直部门</li>
        </ul>
      </section>
      <section className="login-panel">
        <form className="card login-card" onSubmit={submit} aria-label="登录">
          <h2>工作人员登录</h2>
          {notice && <p className="notice" role="status">{notice}</p>}
          <label>
            用户名
            <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
          </label>
          <label>
            密码
            <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <button className="btn primary block" type="submit" disabled={busy}>{busy ? '正在登录…' : '登 录'}</button>
          <p className="muted small login-links">
            居民查询办理进度:<a href="/console/track">按受理编号查询</a> · 开发者:<a href="/console/explorer">接口调试器</a>
          </p>
        </form>
      </section>
    </main>
  );
}
