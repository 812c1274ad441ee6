// 时间银行 — a community's time bank at a glance: the books (points issued, outstanding, redeemed;
// they always sum to zero), its volunteers' balances and its catalogue of redeemable services
// and items. Points are kept in tenths by the server; shown here as points.
import { useEffect, useState } from 'react';

import { gql } from '../api.js';
import { TIME_BANK } from '../partnerQueries.js';

const points = (tenths) => (tenths == null ? '—' : (tenths / 10).toLocaleString('zh-CN', { maximumFractionDigits: 1 }));

export default function CommunityTimeBank({ communityId, onStatus }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');

  useEffect(() => onStatus(null), [onStatus]);
  useEffect(() => {
    let live = true;
    gql(TIME_BANK, { communityId }).then((d) => live && setData(d)).catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [communityId]);

  const books = data?.timeBankBooks;
  const volunteers = data ? data.volunteers.edges.map((e) => e.node) : [];
  const catalogue = data?.catalogue || [];

  return (
    <>
      {error && <div className="error-banner" role="alert">{error}</div>}
      <section className="kpis small four" aria-label="时间银行账簿" data-testid="timebank-books">
        <div className="kpi"><span className="kpi-label">累计发放积分</span><span className="kpi-value">{books ? points(books.issued) : '—'}</span></div>
        <div className="kpi amber" data-testid="books-outstanding"><span className="kpi-label">志愿者持有</span><span className="kpi-value">{books ? points(books.outstanding) : '—'}</span></div>
        <div className="kpi"><span className="kpi-label">已兑换</span><span className="kpi-value">{books ? points(books.redeemed) : '—'}</span></div>
        <div className={`kpi ${books && !books.balanced ? 'red' : 'muted'}`} data-testid="books-balanced">
          <span className="kpi-label">复式记账校验</span>
          <span className="kpi-note">{books ? `${books.entries} 笔分录、${books.accounts} 个账户,借贷合计 ${points(books.total)}${books.balanced ? ',账平' : ',账不平!'}` : '—'}</span>
        </div>
      </section>
      <main className="queue community-grid">
        <section className="panel" aria-label="志愿者积分">
          <div className="panel-head"><h2>志愿者积分 <span className="muted">{data ? `${data.volunteers.totalCount} 人` : ''}</span></h2></div>
          {!data && !error && <p className="muted">正在加载…</p>}
          {data && volunteers.length === 0 && <p className="empty">本社区尚无登记的志愿者。</p>}
          {volunteers.length > 0 && (
            <table className="data" data-testid="timebank-accounts">
              <thead><tr><th>志愿者</th><th>特长</th><th>账户</th><th className="num">积分余额</th></tr></thead>
              <tbody>
                {volunteers.map((v) => (
                  <tr key={v.id} className={v.active ? '' : 'muted'} data-testid="timebank-account">
                    <td>{v.name}</td><td className="muted small">{v.skills || '—'}</td><td className="code">{v.account?.code || '—'}</td>
                    <td className="num">{v.account ? v.account.balancePoints : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel" aria-label="兑换目录">
          <div className="panel-head"><h2>兑换目录 <span className="muted">{data ? `${catalogue.length} 项` : ''}</span></h2></div>
          {data && catalogue.length === 0 && <p className="empty">尚无可兑换的服务或物品。</p>}
          {catalogue.length > 0 && (
            <table className="data" data-testid="catalogue">
              <thead><tr><th>名称</th><th>类型</th><th className="num">所需积分</th><th className="num">库存</th></tr></thead>
              <tbody>
                {catalogue.map((c) => (
                  <tr key={c.id} data-testid="catalogue-item">
                    <td>{c.name}<div className="muted small">{c.description}</div></td>
                    <td>{c.kind === 'SERVICE' ? '服务' : '物品'}</td>
                    <td className="num">{c.pricePoints}</td>
                    <td className="num">{c.stock == null ? '不限' : c.stock}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </>
  );
}
