// 时间银行 — a community's time bank: the books (points issued, outstanding, redeemed; they always
// sum to zero), its volunteers' balances, service records and its catalogue of redeemable services
// and items — and the community worker's forms: register a volunteer, record a service and confirm
// it (credits points), redeem a catalogue item for a volunteer (one idempotency key per attempt:
// a double click or a retry never redeems twice), add or withdraw a catalogue item, and reverse a
// journal entry with a reason. Points are kept in tenths by the server; shown here as points.
import { useCallback, useEffect, useRef, useState } from 'react';

import { dateTime, gql, startOfTodayShanghai } from '../api.js';
import { Modal } from '../components.jsx';
import { TBM, TB_ACCOUNT, TB_BOOKS, TB_CATALOGUE, TB_SERVICES, TB_VOLUNTEERS } from '../partnerQueries.js';

const points = (tenths) => (tenths == null ? '—' : (tenths / 10).toLocaleString('zh-CN', { maximumFractionDigits: 1 }));
const hours = (minutes) => `${Math.round(minutes / 6) / 10} 小时`;
const today = () => startOfTodayShanghai().slice(0, 10);

const CODE_ZH = {
  INSUFFICIENT_POINTS: '积分余额不足',
  OUT_OF_STOCK: '库存不足',
  CONFLICT: '数据刚被他人修改,已重新读取,请确认后再提交',
  FORBIDDEN: '无权执行此操作',
  NOT_FOUND: '未找到',
  INVALID_TRANSITION: '当前状态不允许此操作',
  NETWORK: '网络不可用,请稍后重试',
};
const HAN = /[\u4e00-\u9fff]/;
/** The server's message is Chinese; fall back on the code's label if it is not. */
const zhError = (err) => (err.message && HAN.test(err.message) ? err.message : CODE_ZH[err.code] || err.message || '操作失败');

/** A fresh idempotency key (8–80 characters). */
function newKey() {
  if (globalThis.crypto?.randomUUID) return `redeem-${crypto.randomUUID()}`;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `redeem-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function ErrorLine({ error }) {
  if (!error) return null;
  return <p className="error" role="alert" data-testid="form-error" data-code={error.code || ''}>{error.text}</p>;
}

export default function CommunityTimeBank({ communityId, onStatus }) {
  const [books, setBooks] = useState(null);
  const [volunteers, setVolunteers] = useState(null);
  const [catalogue, setCatalogue] = useState(null);
  const [services, setServices] = useState(null);
  const [error, setError] = useState('');
  const [toast, setToast] = useState(null);
  const [dialog, setDialog] = useState(null); // { kind: 'register'|'service'|'redeem'|'ledger'|'item', volunteer? }
  const [busy, setBusy] = useState(false);
  const [retiring, setRetiring] = useState(null); // the catalogue item whose withdrawal awaits confirmation

  useEffect(() => onStatus(null), [onStatus]);

  const load = useCallback(async () => {
    try {
      const [b, v, c, s] = await Promise.all([
        gql(TB_BOOKS, { communityId }), gql(TB_VOLUNTEERS, { communityId }), gql(TB_CATALOGUE, { communityId }), gql(TB_SERVICES, { communityId }),
      ]);
      setBooks(b.timeBankBooks);
      setVolunteers({ total: v.volunteers.totalCount, list: v.volunteers.edges.map((e) => e.node) });
      setCatalogue(c.catalogue);
      setServices(s.serviceRecords.edges.map((e) => e.node));
    } catch (err) {
      setError(zhError(err));
    }
  }, [communityId]);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  /** Run one mutation from a panel button (confirm, reject, withdraw), then re-read. */
  async function step(doc, input, message) {
    setBusy(true);
    setError('');
    try {
      const data = Object.values(await gql(doc, { i: input }))[0];
      setToast(typeof message === 'function' ? message(data) : message);
      return data;
    } catch (err) {
      setError(zhError(err));
      return null;
    } finally {
      await load();
      setBusy(false);
    }
  }

  const list = volunteers?.list || [];
  const active = list.filter((v) => v.active);
  const pending = (services || []).filter((s) => s.state === 'RECORDED');
  const close = () => setDialog(null);

  return (
    <>
      {error && <div className="error-banner" role="alert" data-testid="timebank-error">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      <section className="kpis small four" aria-label="时间银行账簿" data-testid="timebank-books">
        <div className="kpi" data-testid="books-issued"><span className="kpi-label">累计发放积分</span><span className="kpi-value">{books ? points(books.issued) : '—'}</span></div>
        <div className="kpi amber" data-testid="books-outstanding"><span className="kpi-label">志愿者持有</span><span className="kpi-value">{books ? points(books.outstanding) : '—'}</span></div>
        <div className="kpi" data-testid="books-redeemed"><span className="kpi-label">已兑换</span><span className="kpi-value">{books ? points(books.redeemed) : '—'}</span></div>
        <div className={`kpi ${books && !books.balanced ? 'red' : 'muted'}`} data-testid="books-balanced">
          <span className="kpi-label">复式记账校验</span>
          <span className="kpi-note">{books ? `${books.entries} 笔分录、${books.accounts} 个账户,借贷合计 ${points(books.total)}${books.balanced ? ',账平' : ',账不平!'}` : '—'}</span>
        </div>
      </section>
      <main className="queue community-grid">
        <div className="stack">
          <section className="panel" aria-label="志愿者积分">
            <div className="panel-head">
              <h2>志愿者积分 <span className="muted">{volunteers ? `${volunteers.total} 人` : ''}</span></h2>
              <div className="row gap">
                <button type="button" className="btn" data-action="record-service" disabled={!active.length} onClick={() => setDialog({ kind: 'service' })}>记录服务</button>
                <button type="button" className="btn primary" data-action="register-volunteer" onClick={() => setDialog({ kind: 'register' })}>登记志愿者</button>
              </div>
            </div>
            {!volunteers && !error && <p className="muted">正在加载…</p>}
            {volunteers && list.length === 0 && <p className="empty">本社区尚无登记的志愿者。</p>}
            {list.length > 0 && (
              <table className="data" data-testid="timebank-accounts">
                <thead><tr><th>志愿者</th><th>特长</th><th>账户</th><th className="num">积分余额</th><th>操作</th></tr></thead>
                <tbody>
                  {list.map((v) => (
                    <tr key={v.id} className={v.active ? '' : 'muted'} data-testid="timebank-account" data-name={v.name} data-volunteer-id={v.id}>
                      <td>{v.name}{!v.active && <span className="tag late">已停用</span>}</td>
                      <td className="muted small">{v.skills || '—'}</td><td className="code">{v.account?.code || '—'}</td>
                      <td className="num" data-testid="balance">{v.account ? v.account.balancePoints : '—'}</td>
                      <td className="row-actions">
                        {v.active && <button type="button" className="btn small" data-action="service-for" onClick={() => setDialog({ kind: 'service', volunteer: v })}>记服务</button>}
                        {v.active && v.account && <button type="button" className="btn small" data-action="redeem-for" onClick={() => setDialog({ kind: 'redeem', volunteer: v })}>兑换</button>}
                        {v.account && <button type="button" className="btn small ghost" data-action="ledger" onClick={() => setDialog({ kind: 'ledger', volunteer: v })}>明细</button>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="panel" aria-label="服务记录">
            <div className="panel-head"><h2>服务记录 <span className="muted">{services ? `待确认 ${pending.length} 条` : ''}</span></h2></div>
            {services && services.length === 0 && <p className="empty">尚无服务记录。</p>}
            <ul className="plain-list service-records" data-testid="service-records">
              {(services || []).map((s) => (
                <li key={s.id} data-testid="service-record" data-state={s.state} data-description={s.description} data-service-id={s.id}>
                  <div><b>{s.description}</b> <span className={`tag service-${s.state}`} data-testid="service-state">{s.stateLabel}</span></div>
                  <div className="muted small">{s.servedOn} · {hours(s.minutes)} · {s.participants.map((p) => p.name).join('、') || '—'}</div>
                  {s.state === 'RECORDED' && (
                    <div className="row gap">
                      <button type="button" className="btn small primary" data-action="confirm-service" disabled={busy}
                        onClick={() => step(TBM.confirmService, { id: s.id, version: s.version }, (d) => `已确认服务“${s.description}”,积分已记入:${
                          d.service.participants.map((p) => `${p.name} 余额 ${p.account ? p.account.balancePoints : '—'} 积分`).join(';')}`)}>确认并记积分</button>
                      <button type="button" className="btn small danger" data-action="reject-service" disabled={busy}
                        onClick={() => step(TBM.rejectService, { id: s.id, version: s.version }, `已驳回服务“${s.description}”`)}>驳回</button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </section>
        </div>
        <section className="panel" aria-label="兑换目录">
          <div className="panel-head">
            <h2>兑换目录 <span className="muted">{catalogue ? `${catalogue.length} 项` : ''}</span></h2>
            <button type="button" className="btn" data-action="add-item" onClick={() => setDialog({ kind: 'item' })}>添加项目</button>
          </div>
          {catalogue && catalogue.length === 0 && <p className="empty">尚无可兑换的服务或物品。</p>}
          {catalogue && catalogue.length > 0 && (
            <table className="data" data-testid="catalogue">
              <thead><tr><th>名称</th><th>类型</th><th className="num">所需积分</th><th className="num">库存</th><th /></tr></thead>
              <tbody>
                {catalogue.map((c) => (
                  <tr key={c.id} data-testid="catalogue-item" data-name={c.name} data-item-id={c.id}>
                    <td>{c.name}<div className="muted small">{c.description}</div></td>
                    <td>{c.kind === 'SERVICE' ? '服务' : '物品'}</td>
                    <td className="num">{c.pricePoints}</td>
                    <td className="num" data-testid="stock">{c.stock == null ? '不限' : c.stock}</td>
                    <td>
                      {retiring !== c.id && <button type="button" className="btn small ghost" data-action="retire-item" disabled={busy} title="下架后不再可兑换" onClick={() => setRetiring(c.id)}>下架</button>}
                      {retiring === c.id && (
                        <span className="row gap">
                          <button type="button" className="btn small danger" data-action="confirm-retire" disabled={busy}
                            onClick={async () => { await step(TBM.updateCatalogueItem, { id: c.id, version: c.version, active: false }, `已下架:${c.name}`); setRetiring(null); }}>确认下架</button>
                          <button type="button" className="btn small ghost" onClick={() => setRetiring(null)}>取消</button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
      {toast && <div className="toast" role="status" data-testid="toast">{toast}</div>}
      {dialog?.kind === 'register' && (
        <Modal title="登记志愿者" onClose={close}>
          <RegisterVolunteerForm communityId={communityId} onDone={(v) => { close(); setToast(`已登记志愿者 ${v.name},积分账户 ${v.account?.code || ''}`); load(); }} />
        </Modal>
      )}
      {dialog?.kind === 'service' && (
        <Modal title="记录志愿服务" onClose={close}>
          <RecordServiceForm communityId={communityId} volunteers={active} preselected={dialog.volunteer}
            onDone={(s) => { close(); setToast(`已记录服务“${s.description}”,确认后记入积分`); load(); }} />
        </Modal>
      )}
      {dialog?.kind === 'redeem' && (
        <Modal title={`积分兑换 · ${dialog.volunteer.name}`} onClose={close}>
          <RedeemForm volunteer={dialog.volunteer} catalogue={catalogue || []} onChanged={load} />
        </Modal>
      )}
      {dialog?.kind === 'item' && (
        <Modal title="添加兑换项目" onClose={close}>
          <CatalogueItemForm communityId={communityId} onDone={(item) => { close(); setToast(`已添加兑换项目:${item.name}`); load(); }} />
        </Modal>
      )}
      {dialog?.kind === 'ledger' && (
        <Modal title={`积分明细 · ${dialog.volunteer.name}`} onClose={close} wide>
          <AccountLedger accountId={dialog.volunteer.account.id} onChanged={load} />
        </Modal>
      )}
    </>
  );
}

// ------------------------------------------------------------------------------------- forms

function useForm(initial) {
  const [f, setF] = useState(initial);
  const set = (k) => (e) => setF((old) => ({ ...old, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value }));
  return [f, set, setF];
}

/** Submit once at a time (a second click while the first is in flight does nothing). */
function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const inFlight = useRef(false);
  const run = useCallback(async (fn) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError({ code: err.code, text: zhError(err) });
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

function RegisterVolunteerForm({ communityId, onDone }) {
  const [f, set] = useForm({ name: '', phone: '', skills: '' });
  const { busy, error, run } = useSubmit();
  return (
    <form aria-label="登记志愿者" data-testid="register-volunteer-form" onSubmit={(e) => {
      e.preventDefault();
      run(async () => {
        const d = await gql(TBM.registerVolunteer, { i: { communityId, name: f.name.trim(), phone: f.phone.trim() || null, skills: f.skills.trim() || null } });
        onDone(d.registerVolunteer.volunteer);
      });
    }}>
      <ErrorLine error={error} />
      <label className="field"><span className="field-label">姓名</span><input name="name" value={f.name} onChange={set('name')} required maxLength={64} /></label>
      <label className="field"><span className="field-label">手机号(可选)</span><input name="phone" type="tel" value={f.phone} onChange={set('phone')} maxLength={20} /></label>
      <label className="field"><span className="field-label">特长 / 可提供的服务(可选)</span><input name="skills" value={f.skills} onChange={set('skills')} maxLength={200} placeholder="如:理发、家电维修" /></label>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.name.trim()}>登记</button>
      <p className="hint">登记后自动开设积分账户;服务经社区确认后记入积分。</p>
    </form>
  );
}

function RecordServiceForm({ communityId, volunteers, preselected, onDone }) {
  const [f, set] = useForm({ description: '', servedOn: today(), hours: '2' });
  const [picked, setPicked] = useState(() => new Set(preselected ? [preselected.id] : []));
  const { busy, error, setError, run } = useSubmit();
  const minutes = Math.round(Number(f.hours) * 60);
  const toggle = (id) => setPicked((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  return (
    <form aria-label="记录志愿服务" data-testid="record-service-form" onSubmit={(e) => {
      e.preventDefault();
      if (!picked.size) {
        setError({ code: 'BAD_USER_INPUT', text: '请至少选择一名志愿者' });
        return;
      }
      if (!(minutes >= 1 && minutes <= 1440)) {
        setError({ code: 'BAD_USER_INPUT', text: '服务时长须在 1 分钟到 24 小时之间' });
        return;
      }
      run(async () => {
        const d = await gql(TBM.recordService, { i: { communityId, description: f.description.trim(), servedOn: f.servedOn, minutes, volunteerIds: [...picked] } });
        onDone(d.recordService.service);
      });
    }}>
      <ErrorLine error={error} />
      <label className="field"><span className="field-label">服务内容</span><input name="description" value={f.description} onChange={set('description')} required maxLength={200} placeholder="如:为独居老人上门理发" /></label>
      <div className="row gap">
        <label className="field"><span className="field-label">服务日期</span><input name="servedOn" type="date" value={f.servedOn} max={today()} onChange={set('servedOn')} required /></label>
        <label className="field"><span className="field-label">时长(小时)</span><input name="hours" type="number" min="0.1" max="24" step="0.1" value={f.hours} onChange={set('hours')} required /></label>
      </div>
      <fieldset className="field pick-list">
        <legend className="field-label">参与服务的志愿者</legend>
        {volunteers.length === 0 && <p className="muted">本社区尚无在册志愿者。</p>}
        {volunteers.map((v) => (
          <label key={v.id} className="check"><input type="checkbox" name="volunteer" value={v.id} data-name={v.name} checked={picked.has(v.id)} onChange={() => toggle(v.id)} /> {v.name} <span className="muted small">{v.skills}</span></label>
        ))}
      </fieldset>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.description.trim()}>记录服务</button>
      <p className="hint">记录后在“服务记录”中确认,确认时按本社区积分标准记入每位志愿者的账户。</p>
    </form>
  );
}

function RedeemForm({ volunteer, catalogue, onChanged }) {
  const offered = catalogue.filter((c) => c.active);
  const [itemId, setItemId] = useState(offered[0]?.id || '');
  const [quantity, setQuantity] = useState('1');
  const [balance, setBalance] = useState(volunteer.account.balance);
  const [done, setDone] = useState(null); // the last redemption made with the current key
  const key = useRef(newKey());
  const { busy, error, setError, run } = useSubmit();
  const item = offered.find((c) => c.id === itemId);
  const qty = Number(quantity);
  const cost = item && qty > 0 ? item.price * qty : null;

  /** A new attempt: a new key (only when the user changes what to redeem, or asks to redeem again). */
  const fresh = () => {
    key.current = newKey();
    setDone(null);
    setError(null);
  };

  function submit(e) {
    e.preventDefault();
    if (!item || !(qty >= 1 && qty <= 99) || done) return;
    const attempt = key.current;
    run(async () => {
      try {
        const d = await gql(TBM.redeem, { i: { itemId: item.id, quantity: qty, idempotencyKey: attempt, accountId: volunteer.account.id } });
        setBalance(d.redeem.account.balance);
        setDone({ ...d.redeem.redemption, balancePoints: d.redeem.account.balancePoints });
        onChanged();
      } catch (err) {
        if (err.code === 'INSUFFICIENT_POINTS') {
          throw Object.assign(new Error(`积分余额不足:${volunteer.name} 现有 ${points(balance)} 积分,兑换“${item.name}”× ${qty} 需要 ${points(cost)} 积分`), { code: err.code });
        }
        if (err.code === 'OUT_OF_STOCK') {
          throw Object.assign(new Error(`库存不足:“${item.name}”${err.message.includes('剩余') ? err.message.replace(/^库存不足[::]?/, '') : ''},无法兑换 ${qty} 份`), { code: err.code });
        }
        throw err;
      }
    });
  }

  return (
    <form aria-label="积分兑换" data-testid="redeem-form" onSubmit={submit}>
      <p>积分余额:<b data-testid="redeem-balance">{points(balance)}</b> 积分 <span className="muted small">(账户 {volunteer.account.code})</span></p>
      <ErrorLine error={error} />
      {done && (
        <p className="notice" role="status" data-testid="redeem-done" data-redemption-id={done.id}>
          已兑换“{done.item.name}”× {done.quantity},扣除 {points(done.amount)} 积分,余额 {done.balancePoints} 积分。
        </p>
      )}
      <label className="field"><span className="field-label">兑换项目</span>
        <select name="item" value={itemId} onChange={(e) => { setItemId(e.target.value); fresh(); }}>
          {offered.map((c) => <option key={c.id} value={c.id}>{c.name} · {c.pricePoints} 积分{c.stock == null ? '' : ` · 库存 ${c.stock}`}</option>)}
        </select>
      </label>
      <label className="field"><span className="field-label">数量</span>
        <input name="quantity" type="number" min="1" max="99" step="1" value={quantity} onChange={(e) => { setQuantity(e.target.value); fresh(); }} required /></label>
      <p className="hint">需要 {cost == null ? '—' : points(cost)} 积分。</p>
      <div className="row gap">
        <button className="btn primary" type="submit" data-action="submit" disabled={busy || !item || Boolean(done)}>{done ? '已兑换' : busy ? '正在兑换…' : '确认兑换'}</button>
        {done && <button className="btn" type="button" data-action="again" onClick={fresh}>再兑换一次</button>}
      </div>
    </form>
  );
}

function CatalogueItemForm({ communityId, onDone }) {
  const [f, set] = useForm({ name: '', kind: 'SERVICE', price: '1', stock: '', description: '' });
  const { busy, error, setError, run } = useSubmit();
  return (
    <form aria-label="添加兑换项目" data-testid="catalogue-item-form" onSubmit={(e) => {
      e.preventDefault();
      const price = Math.round(Number(f.price) * 10);
      if (!(price >= 1 && price <= 100000)) {
        setError({ code: 'BAD_USER_INPUT', text: '兑换价格须在 0.1 到 10000 积分之间' });
        return;
      }
      const stock = f.stock.trim() === '' ? null : Number(f.stock);
      if (stock !== null && !(Number.isInteger(stock) && stock >= 0)) {
        setError({ code: 'BAD_USER_INPUT', text: '库存须为不小于 0 的整数(留空为不限)' });
        return;
      }
      run(async () => {
        const d = await gql(TBM.addCatalogueItem, { i: { communityId, name: f.name.trim(), kind: f.kind, price, stock, description: f.description.trim() || null } });
        onDone(d.addCatalogueItem.item);
      });
    }}>
      <ErrorLine error={error} />
      <label className="field"><span className="field-label">名称</span><input name="name" value={f.name} onChange={set('name')} required maxLength={64} /></label>
      <label className="field"><span className="field-label">类型</span>
        <select name="kind" value={f.kind} onChange={set('kind')}><option value="SERVICE">服务</option><option value="ITEM">物品</option></select></label>
      <div className="row gap">
        <label className="field"><span className="field-label">所需积分</span><input name="price" type="number" min="0.1" step="0.1" value={f.price} onChange={set('price')} required /></label>
        <label className="field"><span className="field-label">库存(留空为不限)</span><input name="stock" type="number" min="0" step="1" value={f.stock} onChange={set('stock')} /></label>
      </div>
      <label className="field"><span className="field-label">说明(可选)</span><input name="description" value={f.description} onChange={set('description')} maxLength={400} /></label>
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !f.name.trim()}>添加</button>
    </form>
  );
}

/** A volunteer's account lines; an entry not yet reversed can be reversed (冲正) with a reason. */
function AccountLedger({ accountId, onChanged }) {
  const [account, setAccount] = useState(null);
  const [reversing, setReversing] = useState(null); // entry id
  const [reason, setReason] = useState('');
  const [loadError, setLoadError] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, setError, run } = useSubmit();

  const load = useCallback(() => gql(TB_ACCOUNT, { id: accountId }).then((d) => setAccount(d.timeBankAccount || false)).catch((e) => setLoadError(zhError(e))), [accountId]);
  useEffect(() => {
    load();
  }, [load]);

  if (loadError) return <p className="error" role="alert">{loadError}</p>;
  if (account === null) return <p className="muted">正在加载…</p>;
  if (account === false) return <p className="empty">该账户不存在。</p>;
  const lines = account.lines.edges.map((e) => e.node);

  return (
    <div data-testid="account-ledger">
      <p>账户 <span className="code">{account.code}</span>,余额 <b data-testid="ledger-balance">{account.balancePoints}</b> 积分</p>
      {note && <p className="notice" role="status">{note}</p>}
      <ErrorLine error={error} />
      {lines.length === 0 && <p className="empty">尚无记账。</p>}
      <table className="data">
        <thead><tr><th>时间</th><th>类型</th><th>摘要</th><th className="num">积分</th><th /></tr></thead>
        <tbody>
          {lines.map((l) => {
            const e = l.entry;
            const reversible = e.kind !== 'REVERSAL' && !e.reversedBy;
            return (
              <tr key={`${e.id}-${l.createdAt}`} data-testid="ledger-line" data-kind={e.kind} data-entry-id={e.id} data-reversed={e.reversedBy ? 'yes' : 'no'}>
                <td className="small">{dateTime(l.createdAt)}</td>
                <td>{e.kindLabel}{e.reversedBy && <span className="tag">已冲正</span>}</td>
                <td className="small">{e.memo}</td>
                <td className="num">{l.amount > 0 ? `+${l.amountPoints}` : l.amountPoints}</td>
                <td>
                  {reversible && reversing !== e.id && <button type="button" className="btn small danger" data-action="reverse" onClick={() => { setReversing(e.id); setReason(''); setError(null); }}>冲正</button>}
                  {reversing === e.id && (
                    <form className="inline-form" aria-label="冲正" onSubmit={(ev) => {
                      ev.preventDefault();
                      if (!reason.trim()) return;
                      run(async () => {
                        await gql(TBM.reverseEntry, { i: { entryId: e.id, reason: reason.trim() } });
                        setReversing(null);
                        setNote(`已冲正:${e.memo}`);
                        await load();
                        onChanged();
                      });
                    }}>
                      <input name="reason" value={reason} onChange={(ev) => setReason(ev.target.value)} placeholder="冲正原因" required maxLength={400} />
                      <button type="submit" className="btn small danger" data-action="submit" disabled={busy || !reason.trim()}>确认冲正</button>
                      <button type="button" className="btn small ghost" onClick={() => setReversing(null)}>取消</button>
                    </form>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">分录不可修改;冲正会生成一笔反向分录(兑换冲正后库存退回;已被使用的服务积分不能冲正)。</p>
    </div>
  );
}
