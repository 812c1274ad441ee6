// 系统管理 — the ADMIN's pages: accounts, organisation, taxonomy and deadlines, holidays, register
// import, QR stickers, city 12345 work orders. Route: /console/admin/<tab>.
// Each tab is its own module (loaded when opened), so each area can change on its own.
import { Suspense, lazy } from 'react';

import { TopBar } from '../components.jsx';
import { navigate } from '../router.js';

export const ADMIN_TABS = [
  ['users', '账号与权限', lazy(() => import('./AdminUsers.jsx'))],
  ['org', '单位与组织', lazy(() => import('./AdminOrg.jsx'))],
  ['taxonomy', '分类与时限', lazy(() => import('./AdminTaxonomy.jsx'))],
  ['holidays', '节假日', lazy(() => import('./AdminHolidays.jsx'))],
  ['import', '台账导入', lazy(() => import('./AdminImport.jsx'))],
  ['qr', '楼栋二维码', lazy(() => import('./AdminQr.jsx'))],
  ['orders', '12345工单', lazy(() => import('./AdminOrders.jsx'))],
];

export default function Admin({ session, onSignOut, tab }) {
  const current = ADMIN_TABS.find(([key]) => key === tab) || ADMIN_TABS[0];
  const [key, , Page] = current;
  return (
    <div className="app admin" data-testid="admin">
      <TopBar title="系统管理" subtitle="账号 · 组织 · 分类 · 节假日 · 导入 · 二维码 · 12345" session={session} onSignOut={onSignOut} />
      <nav className="tabs admin-nav" aria-label="系统管理" data-testid="admin-nav">
        {ADMIN_TABS.map(([k, label]) => (
          <button key={k} type="button" className={k === key ? 'on' : ''} data-tab={k} aria-current={k === key ? 'page' : undefined}
            onClick={() => navigate(`/console/admin/${k}`)}>{label}</button>
        ))}
      </nav>
      <main className="admin-body">
        <Suspense fallback={<p className="muted big">正在加载…</p>}>
          <Page session={session} />
        </Suspense>
      </main>
    </div>
  );
}
