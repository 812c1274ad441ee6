// The console's entry: a small path router under /console.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles.css';

import { StrictMode, Suspense, lazy, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

import { clearSession, getSession } from './api.js';
import { navigate, usePath } from './router.js';
import Login from './pages/Login.jsx';
import ChangePassword from './pages/ChangePassword.jsx';
import Wall from './pages/Wall.jsx';
import UnitView from './pages/UnitView.jsx';
import Resident from './pages/Resident.jsx';
import Track from './pages/Track.jsx';
import Partner from './pages/Partner.jsx';
import Community, { CommunityNav } from './pages/Community.jsx';
import Admin, { tabsFor } from './pages/Admin.jsx';

const Explorer = lazy(() => import('./pages/Explorer.jsx'));
const Evaluation = lazy(() => import('./pages/Evaluation.jsx'));

function Home({ communityTab = null, page = null, adminTab = null }) {
  const [session, setSessionState] = useState(getSession);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    const expired = () => {
      setNotice('登录已过期,请重新登录。');
      setSessionState(null);
    };
    window.addEventListener('ehy:session-expired', expired);
    return () => window.removeEventListener('ehy:session-expired', expired);
  }, []);

  const signOut = () => {
    clearSession();
    setNotice('');
    setSessionState(null);
  };

  if (!session) return <Login notice={notice} onSignedIn={(s) => setSessionState(s)} />;
  if (session.mustChangePassword) return <ChangePassword session={session} onChanged={setSessionState} onSignOut={signOut} />;
  const role = session.user.role;
  if ((role === 'ADMIN' && page !== 'evaluation') || (adminTab && tabsFor(role).length > 0)) {
    return (
      <Suspense fallback={<main className="page-center"><p className="muted big">正在加载系统管理…</p></main>}>
        <Admin session={session} onSignOut={signOut} tab={adminTab} />
      </Suspense>
    );
  }
  if (page === 'evaluation' || role === 'EVALUATOR') {
    return (
      <Suspense fallback={<main className="page-center"><p className="muted big">正在加载考核评价…</p></main>}>
        <Evaluation session={session} onSignOut={signOut} />
      </Suspense>
    );
  }
  if (role === 'CENTER_DISPATCHER' || role === 'DISTRICT_LEADER') {
    return <Wall session={session} onSignOut={signOut} readOnly={role !== 'CENTER_DISPATCHER'} />;
  }
  if (role === 'PARTNER') return <Partner session={session} onSignOut={signOut} />;
  if (role === 'COMMUNITY_WORKER') {
    if (communityTab) return <Community session={session} onSignOut={signOut} tab={communityTab} />;
    return (
      <>
        <CommunityNav current="queue" />
        <UnitView session={session} onSignOut={signOut} />
      </>
    );
  }
  return <UnitView session={session} onSignOut={signOut} />;
}

function NotFound() {
  return (
    <main className="page-center">
      <div className="card narrow">
        <h1>页面不存在</h1>
        <p>请检查地址,或返回 <a href="/console/" onClick={(e) => { e.preventDefault(); navigate('/console/'); }}>控制台首页</a>。</p>
      </div>
    </main>
  );
}

function App() {
  const path = usePath();
  const rest = path.replace(/^\/console\/?/, '');
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  useEffect(() => {
    document.body.dataset.page = parts[0] || 'home';
  }, [parts[0]]);
  if (parts.length === 0 || (parts[0] === 'login' && parts.length === 1)) return <Home />;
  if (parts[0] === 'community' && parts.length <= 2) return <Home communityTab={parts[1] || 'partners'} />;
  if (parts[0] === 'evaluation' && parts.length === 1) return <Home page="evaluation" />;
  if (parts[0] === 'admin' && parts.length <= 2) return <Home adminTab={parts[1] || 'users'} />;
  if (parts[0] === 'qr' && parts.length === 2) return <Resident token={parts[1]} />;
  if (parts[0] === 'track' && parts.length <= 2) return <Track code={parts[1] || ''} />;
  if (parts[0] === 'explorer' && parts.length === 1) {
    return (
      <Suspense fallback={<main className="page-center"><p className="muted big">正在加载接口调试器…</p></main>}>
        <Explorer />
      </Suspense>
    );
  }
  return <NotFound />;
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
