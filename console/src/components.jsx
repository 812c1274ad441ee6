// Small shared pieces: the top bar, the live-connection badge, a clock, a modal.
import { useCallback, useEffect, useRef, useState } from 'react';

import { time } from './api.js';
import { ChangePasswordForm, continueWithNewSession } from './pages/ChangePassword.jsx';

export function Clock() {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  const date = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', weekday: 'short' }).format(now);
  return (
    <div className="clock" aria-label="北京时间">
      <span className="clock-time">{time(now.toISOString())}</span>
      <span className="clock-date">{date}</span>
    </div>
  );
}

export function LiveBadge({ status }) {
  const label = status === 'online' ? '实时连接' : status === 'connecting' ? '正在连接…' : '离线 · 正在重连';
  return (
    <span className={`live-badge ${status}`} data-testid="live-status" data-status={status} role="status">
      <i aria-hidden="true" /> {label}
    </span>
  );
}

export function TopBar({ title, subtitle, session, status, onSignOut, children }) {
  const [changing, setChanging] = useState(false);
  return (
    <header className="topbar">
      <div className="topbar-brand">
        <span className="brand-mark small">e呼应</span>
        <div>
          <h1>{title}</h1>
          {subtitle && <p>{subtitle}</p>}
        </div>
      </div>
      <div className="topbar-side">
        {children}
        {status && <LiveBadge status={status} />}
        <Clock />
        {session && (
          <div className="who">
            <span className="who-name">{session.user.displayName || session.user.username}</span>
            <span className="who-role">{session.user.roleLabel}</span>
          </div>
        )}
        <a className="btn ghost" href="/console/explorer" target="_blank" rel="noopener">接口调试</a>
        {session && <button className="btn ghost" type="button" data-testid="change-password" onClick={() => setChanging(true)}>修改密码</button>}
        {onSignOut && <button className="btn ghost" type="button" onClick={onSignOut}>退出</button>}
      </div>
      {changing && (
        <Modal title="修改密码" onClose={() => setChanging(false)}>
          <ChangePasswordForm session={session} onChanged={continueWithNewSession} onCancel={() => setChanging(false)} />
        </Modal>
      )}
    </header>
  );
}

export function Modal({ title, onClose, children, wide }) {
  useEffect(() => {
    const key = (e) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal ${wide ? 'wide' : ''}`} role="dialog" aria-modal="true" aria-label={title}>
        <header className="modal-head">
          <h2>{title}</h2>
          <button className="btn ghost" type="button" onClick={onClose} aria-label="关闭">✕</button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

/** Re-render every `ms` so relative times ("超 5 分钟") stay current. */
export function useTick(ms = 15_000) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** A stable callback that runs `fn` once, `ms` after the last call. */
export function useDebounced(fn, ms) {
  const timer = useRef(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => fnRef.current(), ms);
  }, [ms]);
}
