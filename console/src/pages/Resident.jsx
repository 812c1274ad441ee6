// 扫码反映 — what a resident's phone shows after scanning a building's QR sticker.
// Anonymous: the building comes from the token; photos go as a GraphQL multipart upload.
// A token replaced by a new sticker (rotated) answers QR_RETIRED: the page says so plainly and
// sends the resident to the new code at the door, rather than calling the code "invalid".
import { useEffect, useMemo, useRef, useState } from 'react';

import { gql, gqlUpload } from '../api.js';

const BUILDING = `query QrBuilding($t: String!) { qrBuilding(token: $t) { buildingName address communityName streetName } }`;
const SUBMIT = `mutation Submit($i: SubmitRequestInput!) {
  submitRequest(input: $i) { replayed request { trackingCode state createdAt } }
}`;

const RETIRED = '此二维码已停用,请扫描楼栋门口的新二维码';
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
  const [retired, setRetired] = useState(false);
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
      .catch((err) => {
        if (err.code === 'QR_RETIRED') setRetired(true);
        else setLoadError(err.code === 'NOT_FOUND' ? '该二维码无效,请联系楼长或社区。' : err.message);
      });
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
      if (err.code === 'QR_RETIRED') setRetired(true); // replaced while this page was open
      else setError(err.code === 'RATE_LIMITED' ? '提交过于频繁,请稍后再试。' : err.message);
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

  if (retired) {
    return (
      <main className="resident">
        <ResidentHeader building={null} status="二维码已停用" />
        <section className="res-card retired" data-testid="qr-retired" role="alert">
          <div className="retired-mark" aria-hidden="true">⟳</div>
          <h2>{RETIRED}</h2>
          <p className="hint">该楼栋已更换新的民情二维码,旧码不再受理。请到楼栋门口扫描新贴的二维码反映问题;已提交的问题可凭受理编号查询。</p>
          <a className="btn block" href="/console/track">查询办理进度</a>
        </section>
      </main>
    );
  }

  return (
    <main className="resident">
      <ResidentHeader building={building} status={loadError ? '无法识别楼栋' : ''} />
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

function ResidentHeader({ building, status = '' }) {
  return (
    <header className="res-header">
      <div className="res-brand"><span className="brand-mark small">e呼应</span><span>芝罘区民情二维码</span></div>
      {building ? (
        <div className="res-place" data-testid="qr-building">
          <b>{building.communityName} · {building.buildingName}</b>
          <span>{building.streetName} · {building.address}</span>
        </div>
      ) : (
        <div className="res-place"><span>{status || '正在识别楼栋…'}</span></div>
      )}
    </header>
  );
}
