// 系统管理 — the ADMIN's pages: accounts, organisation, taxonomy and deadlines, holidays, register
// import, QR stickers, city 12345 work orders. Route: /console/admin/<tab>. A few tabs serve other
// roles too (the center's dispatchers place 12345 orders; communities and grid workers print their
// QR stickers): they see only those. The API checks every action again.
// Each tab is its own module (loaded when opened), so each area can change on its own.
import { Suspense, lazy } from 'react';

import { TopBar } from '../components.jsx';
import { navigate } from '../router.js';

const ADMIN = ['ADMIN'];
export const ADMIN_TABS = [
  ['users', '账号与权限', lazy(() => import('./AdminUsers.jsx')), ADMIN],
  ['org', '单位与组织', lazy(() => import('./AdminOrg.jsx')), ADMIN],
  ['taxonomy', '分类与时限', lazy(() => import('./AdminTaxonomy.jsx')), ADMIN],
  ['holidays', '节假日', lazy(() => import('./AdminHolidays.jsx')), ADMIN],
  ['import', '台账导入', lazy(() => import('./AdminImport.jsx')), ADMIN],
  ['qr', '楼栋二维码', lazy(() => import('./AdminQr.jsx')), ['ADMIN', 'CENTER_DISPATCHER', 'COMMUNITY_WORKER', 'GRID_WORKER']],
  ['orders', '12345工单', lazy(() => import('./AdminOrders.jsx')), ['ADMIN', 'CENTER_DISPATCHER']],
];

/** The tabs a role may open (none: the role has no business here). */
export function tabsFor(role) {
  return ADMIN_TABS.filter(([, , , roles]) => roles.includes(role));
}

export default function Admin({ session, onSignOut, tab }) {
  const tabs = tabsFor(session.user.role);
  const current = tabs.find(([key]) => key === tab) || tabs[0];
  const [key, , Page] = current;
  const isAdmin = session.user.role === 'ADMIN';
  return (
    <div className="app admin" data-testid="admin">
      <TopBar title={isAdmin ? '系统管理' : '工作工具'} subtitle={tabs.map(([, label]) => label).join(' · ')} session={session} onSignOut={onSignOut}>
        {isAdmin ? <a className="btn ghost" href="/console/evaluation" data-testid="link-evaluation">考核评价</a>
          : <a className="btn ghost" href="/console/" data-testid="link-home">返回工作台</a>}
      </TopBar>
      <nav className="tabs admin-nav" aria-label={isAdmin ? '系统管理' : '工作工具'} data-testid="admin-nav">
        {tabs.map(([k, label]) => (
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
