// 楼栋二维码 — print a community's or a grid's door stickers (a signed PDF link, 10 minutes), and
// replace one building's code when a sticker was copied, defaced or misused: the old code stops
// working at once (the resident page says so), so the new sticker must be printed and put up.
import { useCallback, useEffect, useRef, useState } from 'react';

import { fullDateTime, gql } from '../api.js';
import { Modal } from '../components.jsx';

const COMMUNITIES = `query QrCommunities($s: String) {
  communities(filter: { search: $s }, first: 20) { edges { node { id name street { name } } } }
}`;
const GRIDS = `query QrGrids($c: ID!) {
  grids(filter: { communityId: $c }, first: 100) { totalCount edges { node { id name buildings(first: 1) { totalCount } } } }
}`;
const BUILDINGS = `query QrBuildings($c: ID!, $s: String) {
  buildings(filter: { communityId: $c, search: $s }, first: 20) {
    totalCount edges { node { id name address qrToken grid { id name } } }
  }
}`;
const SHEET = `query QrSheet($c: ID, $g: ID) {
  qrStickerSheet(communityId: $c, gridId: $g) { title place buildingCount pageCount pdfUrl expiresAt }
}`;
const ROTATE = `mutation RotateQr($i: RotateBuildingQrTokenInput!) {
  rotateBuildingQrToken(input: $i) { qrToken residentUrl retiredAt building { id name address qrToken grid { id name } } }
}`;

const short = (token) => (token ? `${token.slice(0, 6)}…${token.slice(-4)}` : '—');

function useDebouncedValue(value, ms = 250) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export default function AdminQr() {
  const [query, setQuery] = useState('');
  const [communities, setCommunities] = useState(null);
  const [community, setCommunity] = useState(null);
  const [grids, setGrids] = useState(null);
  const [sheet, setSheet] = useState(null); // the last generated sheet link
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const search = useDebouncedValue(query.trim());

  useEffect(() => {
    let live = true;
    gql(COMMUNITIES, { s: search || null })
      .then((d) => live && setCommunities(d.communities.edges.map((e) => e.node)))
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [search]);

  useEffect(() => {
    setGrids(null);
    setSheet(null);
    if (!community) return undefined;
    let live = true;
    gql(GRIDS, { c: community.id })
      .then((d) => live && setGrids(d.grids.edges.map((e) => ({ ...e.node, count: e.node.buildings.totalCount }))))
      .catch((err) => live && setError(err.message));
    return () => { live = false; };
  }, [community]);

  const download = useCallback(async (vars, key) => {
    setBusy(key);
    setError('');
    try {
      const d = await gql(SHEET, vars);
      setSheet(d.qrStickerSheet);
      // The link is signed and short-lived: fetch it now; the server answers with an attachment.
      window.location.assign(d.qrStickerSheet.pdfUrl);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy('');
    }
  }, []);

  return (
    <div className="qr-admin" data-testid="admin-qr">
      <section className="panel" aria-label="选择社区">
        <div className="panel-head"><h2>楼栋二维码 <span className="muted">打印门贴 · 更换二维码</span></h2></div>
        <div className="qr-pick">
          <label className="field">
            <span className="field-label">社区</span>
            <input name="community-search" value={query} placeholder="输入社区名称,如:福泰" onChange={(e) => setQuery(e.target.value)} />
          </label>
          <ul className="chips qr-communities" data-testid="qr-communities">
            {(communities || []).map((c) => (
              <li key={c.id}>
                <button type="button" className={`btn small ${community && community.id === c.id ? 'primary' : ''}`} data-community={c.name}
                  onClick={() => setCommunity(c)}>{c.name}<span className="muted small"> · {c.street.name}</span></button>
              </li>
            ))}
            {communities && communities.length === 0 && <li className="muted">没有匹配的社区</li>}
          </ul>
        </div>
      </section>
      {error && <p className="error" role="alert" data-testid="qr-error">{error}</p>}
      {community && (
        <div className="qr-grid">
          <section className="panel" aria-label="打印二维码">
            <div className="panel-head">
              <h2>打印门贴 <span className="muted">{community.name}</span></h2>
              <button type="button" className="btn primary" data-action="sheet-community" disabled={!!busy}
                onClick={() => download({ c: community.id, g: null }, 'community')}>{busy === 'community' ? '正在生成…' : '下载全社区二维码'}</button>
            </div>
            <p className="hint qr-note">A4 纸,每页 12 张门贴(60 × 68 毫米,二维码 42 毫米),每张下方印有楼栋名称和地址,沿虚线裁剪后贴在楼栋门口。</p>
            {sheet && (
              <p className="notice" data-testid="qr-sheet" role="status">
                已生成「{sheet.title}」二维码:{sheet.buildingCount} 栋,{sheet.pageCount} 页。若未开始下载,
                <a href={sheet.pdfUrl} data-testid="qr-sheet-link">点此下载 PDF</a>(链接 {fullDateTime(sheet.expiresAt)} 前有效)。
              </p>
            )}
            {grids === null && <p className="muted qr-note">正在读取网格…</p>}
            {grids && (
              <table className="data" data-testid="qr-grids">
                <thead><tr><th>网格</th><th className="num">楼栋</th><th /></tr></thead>
                <tbody>
                  {grids.map((g) => (
                    <tr key={g.id} data-grid={g.name}>
                      <td>{g.name}</td>
                      <td className="num">{g.count}</td>
                      <td className="row-actions">
                        <button type="button" className="btn small" data-action="sheet-grid" disabled={!!busy}
                          onClick={() => download({ c: null, g: g.id }, g.id)}>{busy === g.id ? '正在生成…' : '下载本网格'}</button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <RotatePanel community={community} onSheet={download} busy={busy} />
        </div>
      )}
    </div>
  );
}

function RotatePanel({ community, onSheet, busy }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState(null);
  const [confirm, setConfirm] = useState(null); // the building awaiting confirmation
  const [done, setDone] = useState(null); // the last rotation
  const [working, setWorking] = useState(false);
  const [error, setError] = useState('');
  const search = useDebouncedValue(text.trim());
  const seq = useRef(0);

  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const d = await gql(BUILDINGS, { c: community.id, s: search || null });
      if (mine === seq.current) setFound({ total: d.buildings.totalCount, list: d.buildings.edges.map((e) => e.node) });
    } catch (err) {
      if (mine === seq.current) setError(err.message);
    }
  }, [community, search]);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    setDone(null);
    setText('');
  }, [community]);

  async function rotate() {
    const b = confirm;
    setWorking(true);
    setError('');
    try {
      const d = await gql(ROTATE, { i: { buildingId: b.id } });
      setDone(d.rotateBuildingQrToken);
      setConfirm(null);
      await load();
    } catch (err) {
      setError(err.message);
      setConfirm(null);
    } finally {
      setWorking(false);
    }
  }

  return (
    <section className="panel" aria-label="更换楼栋二维码">
      <div className="panel-head"><h2>更换楼栋二维码 <span className="muted">{found ? `共 ${found.total} 栋匹配` : ''}</span></h2></div>
      <div className="qr-note">
        <label className="field">
          <span className="field-label">查找楼栋</span>
          <input name="building-search" value={text} placeholder="楼栋名称或地址,如:3号楼、胜利路12号" onChange={(e) => setText(e.target.value)} />
        </label>
      </div>
      {error && <p className="error qr-note" role="alert">{error}</p>}
      {done && (
        <div className="notice qr-note" data-testid="qr-rotated" role="status">
          <p>已更换「{done.building.address}」的二维码,旧二维码已于 {fullDateTime(done.retiredAt)} 停用。</p>
          <p>新二维码:<span className="code" data-testid="qr-new-token">{done.qrToken}</span></p>
          <p className="small muted">居民页面:{done.residentUrl}</p>
          <button type="button" className="btn small primary" data-action="sheet-after-rotate" disabled={!!busy}
            onClick={() => onSheet({ c: null, g: done.building.grid.id }, done.building.grid.id)}>打印「{done.building.grid.name}」的新门贴</button>
        </div>
      )}
      {found && found.list.length === 0 && <p className="empty">没有匹配的楼栋。</p>}
      {found && found.list.length > 0 && (
        <table className="data" data-testid="qr-buildings">
          <thead><tr><th>楼栋</th><th>地址</th><th>网格</th><th>当前二维码</th><th /></tr></thead>
          <tbody>
            {found.list.map((b) => (
              <tr key={b.id} data-building={b.address} data-building-id={b.id}>
                <td>{b.name}</td>
                <td>{b.address}</td>
                <td className="muted small">{b.grid.name}</td>
                <td className="code small" data-testid="qr-token">{short(b.qrToken)}</td>
                <td className="row-actions">
                  <button type="button" className="btn small danger" data-action="rotate" onClick={() => setConfirm(b)}>更换二维码</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm && (
        <Modal title="确认更换二维码" onClose={() => !working && setConfirm(null)}>
          <div data-testid="qr-confirm">
            <p>将为 <b>{confirm.address}</b>({confirm.name},{confirm.grid.name})生成新的二维码。</p>
            <p className="error">更换后旧二维码立即停用:扫描旧码的居民会看到“此二维码已停用,请扫描楼栋门口的新二维码”。请随即打印新门贴并张贴到楼栋门口。</p>
            <div className="row gap">
              <button type="button" className="btn danger" data-action="confirm-rotate" disabled={working} onClick={rotate}>{working ? '正在更换…' : '确认更换'}</button>
              <button type="button" className="btn ghost" disabled={working} onClick={() => setConfirm(null)}>取消</button>
            </div>
          </div>
        </Modal>
      )}
    </section>
  );
}
