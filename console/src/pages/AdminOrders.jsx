// 12345工单 — orders from the city's 12345 platform and Open311 clients: which building each
// address found (or 待定位, to be placed here by hand), the request's state, and whether the
// outcome report reached the platform (a failed one can be sent again).
import { useCallback, useEffect, useRef, useState } from 'react';

import { dateTime, fullDateTime, gql } from '../api.js';
import { Modal } from '../components.jsx';
import { STATE } from '../vocab.js';

const PAGE = 30;
const ORDERS = `query CityOrders($f: CityOrderFilter, $after: String) {
  cityOrders(filter: $f, first: ${PAGE}, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id source orderNo receivedAt address category match matchNote placed trackingCode requestState requestStateLabel callbackStatus
      building { id name address community { name } }
      request { id version }
      callbacks { state status attempts lastStatusCode lastError nextAttemptAt deliveredAt }
    } }
  }
}`;
const BUILDINGS = `query OrderBuildings($s: String) {
  buildings(filter: { search: $s }, first: 20) { totalCount edges { node { id name address community { name } street { name } } } }
}`;
const PLACE = `mutation PlaceRequest($i: PlaceRequestInput!) {
  placeRequest(input: $i) { request { id } order { orderNo } }
}`;
const RETRY = `mutation RetryOrderCallback($i: RetryOrderCallbackInput!) {
  retryOrderCallback(input: $i) { order { orderNo callbackStatus } }
}`;

const FILTERS = [
  ['all', '全部', null],
  ['unplaced', '待定位', { unplaced: true }],
  ['failed', '回告失败', { callbackStatus: 'FAILED' }],
  ['pending', '待回告', { callbackStatus: 'PENDING' }],
];
const SOURCE = { CITY_12345: '12345', OPEN311: 'Open311' };
const MATCH = { EXACT: '地址一致', NORMALISED: '规范化匹配', FUZZY: '模糊匹配', CENTER: '中心定位', NONE: '未匹配', AMBIGUOUS: '多处符合' };
const CALLBACK = { PENDING: '待回告', DELIVERED: '已回告', FAILED: '回告失败' };
const END = { CLOSED: '办结', REJECTED: '驳回', MERGED: '合并' };

// The door part of an address (胜利路12号) is what the building search finds best.
const doorOf = (address) => {
  const s = (address || '').normalize('NFKC').replace(/\s+/g, '');
  const m = s.match(/^(.*?\d+号)/);
  return m ? m[1] : s.slice(0, 12);
};

export default function AdminOrders() {
  const [filter, setFilter] = useState('all');
  const [orders, setOrders] = useState(null);
  const [page, setPage] = useState({ total: 0, next: null });
  const [loadingMore, setLoadingMore] = useState(false);
  const [placing, setPlacing] = useState(null); // the order being placed
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const seq = useRef(0);

  const load = useCallback(async (after = null) => {
    const mine = ++seq.current;
    const f = FILTERS.find(([k]) => k === filter)[2];
    try {
      const d = await gql(ORDERS, { f, after });
      if (mine !== seq.current) return;
      const list = d.cityOrders.edges.map((e) => e.node);
      setOrders((prev) => (after && prev ? [...prev, ...list] : list));
      setPage({ total: d.cityOrders.totalCount, next: d.cityOrders.pageInfo.hasNextPage ? d.cityOrders.pageInfo.endCursor : null });
    } catch (err) {
      if (mine === seq.current) setError(err.message);
    }
  }, [filter]);

  useEffect(() => {
    setOrders(null);
    setNotice('');
    load();
  }, [load]);

  async function more() {
    setLoadingMore(true);
    await load(page.next);
    setLoadingMore(false);
  }

  async function retry(o) {
    setBusy(o.id);
    setError('');
    setNotice('');
    try {
      await gql(RETRY, { i: { orderNo: o.orderNo } });
      setNotice(`工单 ${o.orderNo} 的回告已重新排队,将立即发送。`);
      await load();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy('');
    }
  }

  async function placed(o, building) {
    setPlacing(null);
    setNotice(`工单 ${o.orderNo} 已定位到 ${building.community.name} · ${building.name}(${building.address})。`);
    await load();
  }

  return (
    <div className="orders-admin" data-testid="admin-orders">
      <section className="panel" aria-label="12345工单">
        <div className="panel-head">
          <h2>12345 工单 <span className="muted">{orders ? `共 ${page.total} 单` : ''}</span></h2>
          <div className="chips orders-filters" role="group" aria-label="筛选">
            {FILTERS.map(([k, label]) => (
              <button key={k} type="button" className={`btn small ${k === filter ? 'primary' : ''}`} data-filter={k}
                aria-pressed={k === filter} onClick={() => setFilter(k)}>{label}</button>
            ))}
            <button type="button" className="btn small ghost" onClick={() => load()} data-action="refresh">刷新</button>
          </div>
        </div>
        {notice && <p className="notice orders-note" role="status" data-testid="orders-notice">{notice}</p>}
        {error && <p className="error orders-note" role="alert" data-testid="orders-error">{error}</p>}
        {orders === null && <p className="muted orders-note">正在读取工单…</p>}
        {orders && orders.length === 0 && <p className="muted orders-note" data-testid="orders-empty">没有符合条件的工单。</p>}
        {orders && orders.length > 0 && (
          <div className="orders-scroll">
            <table className="data orders-table" data-testid="orders-table">
              <thead>
                <tr><th>工单号</th><th>受理时间</th><th>地址</th><th>楼栋</th><th>诉求</th><th>回告</th><th /></tr>
              </thead>
              <tbody>
                {orders.map((o) => <OrderRow key={o.id} o={o} busy={busy === o.id} onPlace={() => setPlacing(o)} onRetry={() => retry(o)} />)}
              </tbody>
            </table>
          </div>
        )}
        {page.next && (
          <p className="orders-note">
            <button type="button" className="btn" onClick={more} disabled={loadingMore} data-action="more">{loadingMore ? '正在加载…' : '加载更多'}</button>
          </p>
        )}
      </section>
      {placing && <PlaceModal order={placing} onClose={() => setPlacing(null)} onPlaced={(b) => placed(placing, b)} />}
    </div>
  );
}

function OrderRow({ o, busy, onPlace, onRetry }) {
  const last = o.callbacks[o.callbacks.length - 1];
  const canPlace = !o.placed && (o.requestState === 'SUBMITTED' || o.requestState === 'TRIAGED');
  const canRetry = last && last.status !== 'DELIVERED';
  return (
    <tr data-order={o.orderNo} className={o.placed ? '' : 'unplaced'}>
      <td>
        <div className="mono">{o.orderNo}</div>
        <span className="muted small">{SOURCE[o.source]}{o.category ? ` · ${o.category}` : ''}</span>
      </td>
      <td title={fullDateTime(o.receivedAt)}>{dateTime(o.receivedAt)}</td>
      <td className="orders-address">{o.address || <span className="muted">(未提供)</span>}</td>
      <td data-testid="order-building">
        {o.building ? (
          <>
            <div>{o.building.community.name} · {o.building.name}</div>
            <span className="muted small">{MATCH[o.match]}</span>
          </>
        ) : (
          <>
            <span className="tag state-SUBMITTED">待定位</span>
            <div className="muted small">{MATCH[o.match]}{o.matchNote ? `:${o.matchNote}` : ''}</div>
          </>
        )}
      </td>
      <td>
        <span className={`tag state-${o.requestState}`}>{STATE[o.requestState] || o.requestStateLabel}</span>
        <div className="muted small mono">{o.trackingCode}</div>
      </td>
      <td data-testid="order-callback">
        {o.source !== 'CITY_12345' ? <span className="muted small">不回告</span> : !last ? <span className="muted small">未结束</span> : (
          <>
            <span className={`cb-status cb-${last.status}`}>{END[last.state] || last.state} · {CALLBACK[last.status]}</span>
            <div className="muted small">
              {last.status === 'DELIVERED' && `${dateTime(last.deliveredAt)} 送达`}
              {last.status === 'PENDING' && (last.attempts ? `已试 ${last.attempts} 次,${dateTime(last.nextAttemptAt)} 再试` : '排队发送中')}
              {last.status === 'FAILED' && `已试 ${last.attempts} 次:${last.lastStatusCode ? `HTTP ${last.lastStatusCode}` : last.lastError}`}
            </div>
          </>
        )}
      </td>
      <td className="row-actions">
        {canPlace && <button type="button" className="btn small primary" data-action="place" onClick={onPlace}>定位</button>}
        {canRetry && (
          <button type="button" className="btn small" data-action="retry" disabled={busy} onClick={onRetry}>{busy ? '正在排队…' : last.status === 'FAILED' ? '重新回告' : '立即发送'}</button>
        )}
      </td>
    </tr>
  );
}

function PlaceModal({ order, onClose, onPlaced }) {
  const [text, setText] = useState(doorOf(order.address));
  const [found, setFound] = useState(null);
  const [chosen, setChosen] = useState(null);
  const [note, setNote] = useState('');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState('');
  const seq = useRef(0);

  useEffect(() => {
    const s = text.trim();
    const t = setTimeout(async () => {
      const mine = ++seq.current;
      if (!s) { setFound(null); return; }
      try {
        const d = await gql(BUILDINGS, { s });
        if (mine === seq.current) setFound({ total: d.buildings.totalCount, list: d.buildings.edges.map((e) => e.node) });
      } catch (err) {
        if (mine === seq.current) setError(err.message);
      }
    }, 250);
    return () => clearTimeout(t);
  }, [text]);

  async function place() {
    setWorking(true);
    setError('');
    try {
      await gql(PLACE, { i: { id: order.request.id, buildingId: chosen.id, version: order.request.version, note } });
      onPlaced(chosen);
    } catch (err) {
      setError(err.message);
    } finally {
      setWorking(false);
    }
  }

  return (
    <Modal title={`定位工单 ${order.orderNo}`} onClose={onClose} wide>
      <p>来电地址:<strong>{order.address || '(未提供)'}</strong>{order.matchNote && <span className="muted">({order.matchNote})</span>}</p>
      <label className="field">
        <span className="field-label">查找楼栋</span>
        <input name="place-search" value={text} autoFocus placeholder="楼栋地址,如:胜利路12号" onChange={(e) => { setText(e.target.value); setChosen(null); }} />
      </label>
      {found && <p className="hint">{found.total > found.list.length ? `共 ${found.total} 栋匹配,显示前 ${found.list.length} 栋,请输入更完整的地址` : `共 ${found.total} 栋匹配`}</p>}
      {found && (
        <ul className="orders-buildings" data-testid="place-buildings">
          {found.list.map((b) => (
            <li key={b.id}>
              <label>
                <input type="radio" name="place-building" checked={chosen?.id === b.id} onChange={() => setChosen(b)} />
                <span>{b.address}</span>
                <span className="muted small"> {b.street.name} · {b.community.name} · {b.name}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <label className="field">
        <span className="field-label">说明(可选)</span>
        <input name="place-note" value={note} maxLength={500} placeholder="如:回拨来电人确认了楼号" onChange={(e) => setNote(e.target.value)} />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="modal-actions">
        <button type="button" className="btn" onClick={onClose}>取消</button>
        <button type="button" className="btn primary" data-action="confirm-place" disabled={!chosen || working} onClick={place}>
          {working ? '正在定位…' : '定位到该楼栋'}
        </button>
      </div>
    </Modal>
  );
}
