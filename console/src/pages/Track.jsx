// 进度查询 — follow a request by its tracking code (anonymous) and rate the outcome.
import { useEffect, useState } from 'react';

import { fullDateTime, gql } from '../api.js';
import { navigate } from '../router.js';
import { RATING, TIER } from '../vocab.js';

const TRACK = `query Track($c: String!) {
  requestByTrackingCode(code: $c) {
    trackingCode title state stateLabel createdAt communityName tier
    assigneeName assigneeTitle assigneePhone deadline resolution resolvedAt elapsedSeconds canRate rating
    progress { at kind label note }
    notifications { channel text status createdAt sentAt }
  }
}`;
const RATE = `mutation Rate($i: RateRequestInput!) { rateRequest(input: $i) { request { state } } }`;

// 通知记录: what was sent to this tracking code's reporter, by SMS or WeChat.
const NOTICE_CHANNEL = { SMS: '短信', WECHAT: '微信' };
const NOTICE_STATUS = { PENDING: '待发送', SENDING: '发送中', SENT: '已发送', FAILED: '发送失败' };

function duration(seconds) {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} 分钟`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} 小时 ${Math.round((seconds % 3600) / 60)} 分钟`;
  return `${Math.floor(seconds / 86400)} 天 ${Math.round((seconds % 86400) / 3600)} 小时`;
}

export default function Track({ code }) {
  const [input, setInput] = useState(code);
  const [req, setReq] = useState(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function load(c, quiet = false) {
    if (!c) return;
    if (!quiet) setBusy(true);
    setError('');
    try {
      const d = await gql(TRACK, { c: c.trim().toUpperCase() }, { token: null });
      setReq(d.requestByTrackingCode);
    } catch (err) {
      setReq(null);
      setError(err.code === 'NOT_FOUND' ? '没有找到这个受理编号,请核对后再试。' : err.message);
    } finally {
      setBusy(false);
    }
  }

  // While a message to the resident is still on its way, look again now and then: the page then
  // shows it sent (or failed) without the resident reloading.
  const waiting = req && req.notifications.some((n) => n.status === 'PENDING' || n.status === 'SENDING');
  useEffect(() => {
    if (!waiting) return undefined;
    const t = setInterval(() => load(req.trackingCode, true), 15_000);
    return () => clearInterval(t);
  }, [waiting, req && req.trackingCode]);

  useEffect(() => {
    document.title = 'e呼应 · 办理进度查询';
    setInput(code);
    if (code) load(code);
    else setReq(null);
  }, [code]);

  return (
    <main className="resident">
      <header className="res-header">
        <div className="res-brand"><span className="brand-mark small">e呼应</span><span>办理进度查询</span></div>
      </header>
      <form className="res-card row gap" onSubmit={(e) => { e.preventDefault(); navigate(`/console/track/${encodeURIComponent(input.trim().toUpperCase())}`); }} aria-label="查询">
        <input className="grow" name="code" value={input} onChange={(e) => setInput(e.target.value)} placeholder="受理编号,如 ZF7K3M9Q2P" required aria-label="受理编号" autoCapitalize="characters" />
        <button className="btn primary" type="submit" disabled={busy}>查询</button>
      </form>
      {error && <section className="res-card"><p className="error" role="alert">{error}</p></section>}
      {req && <TrackResult r={req} onRated={() => load(req.trackingCode)} />}
    </main>
  );
}

function TrackResult({ r, onRated }) {
  return (
    <section className="res-card" data-testid="track-result">
      <div className="track-head">
        <span className="code">{r.trackingCode}</span>
        <span className={`tag state state-${r.state}`}>{r.stateLabel}</span>
      </div>
      <h2 className="track-title">{r.title}</h2>
      <dl className="facts">
        <dt>提交时间</dt><dd>{fullDateTime(r.createdAt)}</dd>
        {r.communityName && (<><dt>所属社区</dt><dd>{r.communityName}</dd></>)}
        {r.tier && (<><dt>办理方式</dt><dd>{TIER[r.tier]}</dd></>)}
        {r.assigneeName && (<><dt>承办人</dt><dd>{r.assigneeName} {r.assigneeTitle} {r.assigneePhone && <a href={`tel:${r.assigneePhone}`}>{r.assigneePhone}</a>}</dd></>)}
        {r.deadline && (<><dt>承诺时限</dt><dd>{fullDateTime(r.deadline)}</dd></>)}
        {r.resolution && (<><dt>办理结果</dt><dd>{r.resolution}</dd></>)}
        <dt>{r.resolvedAt ? '办理用时' : '已用时'}</dt><dd>{duration(r.elapsedSeconds)}</dd>
        {r.rating && (<><dt>您的评价</dt><dd>{RATING[r.rating]}</dd></>)}
      </dl>
      <ol className="timeline" aria-label="办理进度">
        {[...r.progress].reverse().map((p, i) => (
          <li key={`${p.at}-${i}`} className={i === 0 ? 'current' : ''}>
            <span className="tl-label">{p.label}</span>
            <span className="tl-time">{fullDateTime(p.at)}</span>
            {p.note && <span className="tl-note">{p.note}</span>}
          </li>
        ))}
      </ol>
      {r.notifications.length > 0 && <Notices items={r.notifications} />}
      {r.canRate && <Rate code={r.trackingCode} onRated={onRated} />}
    </section>
  );
}

function Notices({ items }) {
  return (
    <section className="notices" aria-label="通知记录">
      <h3>通知记录</h3>
      <ol className="timeline" data-testid="notifications">
        {[...items].reverse().map((n, i) => (
          <li key={`${n.createdAt}-${i}`} data-testid="notification" data-status={n.status} data-channel={n.channel}>
            <span className="tl-label">
              {NOTICE_CHANNEL[n.channel]}
              <span className={`notice-status ns-${n.status}`}>{NOTICE_STATUS[n.status]}</span>
            </span>
            <span className="tl-time">{fullDateTime(n.sentAt || n.createdAt)}</span>
            <span className="tl-note">{n.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Rate({ code, onRated }) {
  const [rating, setRating] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await gql(RATE, { i: { trackingCode: code, rating, comment: comment.trim() || null } }, { token: null });
      onRated();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="rate" onSubmit={submit} aria-label="评价">
      <h3>请评价办理结果</h3>
      <div className="rate-pick" role="radiogroup" aria-label="评价">
        {Object.entries(RATING).map(([k, label]) => (
          <button key={k} type="button" role="radio" aria-checked={rating === k} className={`${rating === k ? 'on' : ''} r-${k}`} onClick={() => setRating(k)}>{label}</button>
        ))}
      </div>
      {rating === 'UNSATISFIED' && <p className="hint">选择“不满意”后,诉求将退回重新办理。</p>}
      <label className="field"><span className="field-label">意见(可选)</span><textarea rows={2} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={500} /></label>
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary block" type="submit" disabled={busy || !rating}>提交评价</button>
    </form>
  );
}
