// 扫码反映 — what a resident's phone shows after scanning a building's QR sticker.
// Anonymous: the building comes from the token; photos go as a GraphQL multipart upload.
import { useEffect, useMemo, useRef, useState } from 'react';

import { gql, gqlUpload } from '../api.js';

const BUILDING = `query QrBuilding($t: String!) { qrBuilding(token: $t) { buildingName address communityName streetName } }`;
const SUBMIT = `mutation Submit($i: SubmitRequestInput!) {
  submitRequest(input: $i) { replayed request { trackingCode state createdAt } }
}`;

const MAX_PHOTOS = 9;
const MAX_BYTES = 10 * 1024 * 1024;
const PHONE = /^[0-9+\-\s]{5,20}$/;

function newKey() {
  if (crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export default function Resident({ token }) {
  const [building, setBuilding] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [photos, setPhotos] = useState([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const key = useRef(newKey());
  const fileInput = useRef(null);

  useEffect(() => {
    document.title = 'e呼应 · 扫码反映问题';
    gql(BUILDING, { t: token }, { token: null })
      .then((d) => setBuilding(d.qrBuilding))
      .catch((err) => setLoadError(err.code === 'NOT_FOUND' ? '该二维码无效或已更换,请联系楼长或社区。' : err.message));
  }, [token]);

  const previews = useMemo(() => photos.map((f) => ({ file: f, url: URL.createObjectURL(f) })), [photos]);
  useEffect(() => () => previews.forEach((p) => URL.revokeObjectURL(p.url)), [previews]);

  function addPhotos(files) {
    const ok = [];
    for (const f of files) {
      if (!/^image\/(jpeg|png|webp)$/.test(f.type)) {
        setError(`“${f.name}”不是 JPG/PNG/WebP 图片`);
        continue;
      }
      if (f.size > MAX_BYTES) {
        setError(`“${f.name}”超过 10 MB`);
        continue;
      }
      ok.push(f);
    }
    setPhotos((prev) => [...prev, ...ok].slice(0, MAX_PHOTOS));
    key.current = newKey();
  }

  async function submit(e) {
    e.preventDefault();
    setError('');
    if (phone && !PHONE.test(phone.trim())) {
      setError('联系电话格式不正确');
      return;
    }
    setBusy(true);
    const input = {
      qrToken: token,
      text: text.trim(),
      contactName: name.trim() || null,
      contactPhone: phone.trim() || null,
      idempotencyKey: key.current,
    };
    try {
      let data;
      if (photos.length) {
        const files = {};
        photos.forEach((f, i) => (files[`i.photos.${i}`] = f));
        data = await gqlUpload(SUBMIT, { i: { ...input, photos: photos.map(() => null) } }, files, { token: null });
      } else {
        data = await gql(SUBMIT, { i: input }, { token: null });
      }
      setResult(data.submitRequest.request);
    } catch (err) {
      setError(err.code === 'RATE_LIMITED' ? '提交过于频繁,请稍后再试。' : err.message);
    } finally {
      setBusy(false);
    }
  }

  if (result) {
    return (
      <main className="resident">
        <ResidentHeader building={building} />
        <section className="res-card done" data-testid="qr-done">
          <div className="done-mark" aria-hidden="true">✓</div>
          <h2>已收到您反映的问题</h2>
          <p>请保存受理编号,凭编号查询办理进度并评价:</p>
          <p className="tracking-code" data-testid="tracking-code">{result.trackingCode}</p>
          <a className="btn primary block" href={`/console/track/${encodeURIComponent(result.trackingCode)}`}>查看办理进度</a>
          <button type="button" className="btn block" onClick={() => { setResult(null); setText(''); setPhotos([]); key.current = newKey(); }}>再反映一个问题</button>
        </section>
      </main>
    );
  }

  return (
    <main className="resident">
      <ResidentHeader building={building} />
      {loadError ? (
        <section className="res-card"><p className="error" role="alert">{loadError}</p></section>
      ) : (
        <form className="res-card" onSubmit={submit} aria-label="反映问题">
          <label className="field">
            <span className="field-label">您遇到了什么问题?</span>
            <textarea name="text" rows={6} required maxLength={2000} value={text} onChange={(e) => { setText(e.target.value); key.current = newKey(); }}
              placeholder="请描述问题、具体位置和发生时间,例如:3号楼东侧下水道堵塞,污水漫到路面" />
            <span className="hint">{text.length} / 2000</span>
          </label>
          <div className="field">
            <span className="field-label">现场照片(可选,最多 {MAX_PHOTOS} 张)</span>
            <div className="photo-grid">
              {previews.map((p, i) => (
                <figure key={p.url} className="photo">
                  <img src={p.url} alt={`照片 ${i + 1}`} />
                  <button type="button" aria-label={`删除照片 ${i + 1}`} onClick={() => setPhotos(photos.filter((_, j) => j !== i))}>✕</button>
                </figure>
              ))}
              {photos.length < MAX_PHOTOS && (
                <button type="button" className="photo add" onClick={() => fileInput.current && fileInput.current.click()}>
                  <span aria-hidden="true">＋</span>添加照片
                </button>
              )}
            </div>
            <input ref={fileInput} className="visually-hidden" type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple
              onChange={(e) => { addPhotos([...e.target.files]); e.target.value = ''; }} data-testid="photo-input" />
            <span className="hint">照片中的定位等信息会在上传时自动清除。</span>
          </div>
          <fieldset className="contact">
            <legend>联系方式(可选)</legend>
            <p className="hint">留下联系方式便于工作人员回访;不留也可以匿名反映。您的信息只对处理人员可见。</p>
            <label className="field"><span className="field-label">称呼</span><input name="contactName" value={name} onChange={(e) => setName(e.target.value)} maxLength={32} autoComplete="name" /></label>
            <label className="field"><span className="field-label">电话</span><input name="contactPhone" value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" maxLength={20} autoComplete="tel" /></label>
          </fieldset>
          {error && <p className="error" role="alert">{error}</p>}
          <button className="btn primary block big" type="submit" disabled={busy || !building || !text.trim()}>{busy ? '正在提交…' : '提 交'}</button>
          <p className="hint center">已有受理编号?<a href="/console/track">查询办理进度</a></p>
        </form>
      )}
    </main>
  );
}

function ResidentHeader({ building }) {
  return (
    <header className="res-header">
      <div className="res-brand"><span className="brand-mark small">e呼应</span><span>芝罘区民情二维码</span></div>
      {building ? (
        <div className="res-place" data-testid="qr-building">
          <b>{building.communityName} · {building.buildingName}</b>
          <span>{building.streetName} · {building.address}</span>
        </div>
      ) : (
        <div className="res-place"><span>正在识别楼栋…</span></div>
      )}
    </header>
  );
}
