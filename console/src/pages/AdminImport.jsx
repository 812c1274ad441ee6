// 台账导入 — choose a register, download its template, upload a filled-in file, read the dry run's
// report (every bad row with its row number, column and reason), then import it with a progress
// bar; below, the history of past imports. The server runs each upload as a job and this page polls
// importJob(id) until it ends (progress is kept by the server that runs the job).
import { useCallback, useEffect, useRef, useState } from 'react';

import { fullDateTime, gql, gqlUpload } from '../api.js';

const REGISTERS = `query ImportRegisters {
  importRegisters { register title sheetName naturalKey templateXlsxUrl templateCsvUrl columns { key header required description } }
}`;
const JOB_FIELDS = `
  id register fileName dryRun status finished message rowsTotal rowsValidated rowsWritten progress
  inserted updated unchanged badRows errorCount credentialCount credentialsUrl startedAt finishedAt
  sheets { register sheet rows inserted updated unchanged badRows examplesSkipped ignoredHeaders }
`;
const START = `mutation ImportRegister($i: ImportRegisterInput!) { importRegister(input: $i) { job { ${JOB_FIELDS} } } }`;
const POLL = `query ImportJob($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`;
const ERRORS = `query ImportErrors($id: ID!, $after: String) {
  importJob(id: $id) { id errors(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { sheet row column value reason } } } }
}`;
const CHANGES = `query ImportChanges($id: ID!) {
  importJob(id: $id) { id changes(first: 20) { totalCount edges { node { sheet row action key changedColumns } } } }
}`;
const HISTORY = `query ImportHistory($after: String) {
  importJobs(first: 20, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id register fileName status message rowsTotal inserted updated unchanged badRows errorCount
      startedAt finishedAt startedBy { displayName username } } } }
}`;

const STATUS = {
  QUEUED: '排队中', READING: '正在读取文件', VALIDATING: '正在逐行检查', WRITING: '正在写入',
  DONE: '已完成', REFUSED: '已拒绝(未写入)', FAILED: '失败(未写入)',
};
const ACTION = { INSERT: '新增', UPDATE: '更新', UNCHANGED: '不变' };
const POLL_MS = 400;

export default function AdminImport() {
  const [registers, setRegisters] = useState(null);
  const [kind, setKind] = useState('BUILDINGS');
  const [file, setFile] = useState(null);
  const [job, setJob] = useState(null); // the job being watched
  const [checked, setChecked] = useState(null); // {kind, file} of the last clean dry run
  const [error, setError] = useState('');
  const [historyKey, setHistoryKey] = useState(0);
  const fileInput = useRef(null);

  useEffect(() => {
    gql(REGISTERS).then((d) => setRegisters(d.importRegisters)).catch((err) => setError(err.message));
  }, []);

  const register = (registers || []).find((r) => r.register === kind);

  const download = useCallback(async (fmt) => {
    setError('');
    try {
      // The links are signed for ten minutes: ask for fresh ones right before following one.
      const d = await gql(REGISTERS);
      setRegisters(d.importRegisters);
      const fresh = d.importRegisters.find((r) => r.register === kind);
      window.location.assign(fmt === 'csv' ? fresh.templateCsvUrl : fresh.templateXlsxUrl);
    } catch (err) {
      setError(err.message);
    }
  }, [kind]);

  const start = useCallback(async (dryRun) => {
    if (!file) return;
    setError('');
    setJob(null);
    try {
      const d = await gqlUpload(START, { i: { register: kind, file: null, dryRun, wait: false } }, { 'i.file': file });
      setJob(d.importRegister.job);
    } catch (err) {
      setError(err.message);
    }
  }, [file, kind]);

  // Poll the job until it ends.
  useEffect(() => {
    if (!job || job.finished) return undefined;
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const d = await gql(POLL, { id: job.id });
        if (live && d.importJob) setJob(d.importJob);
      } catch (err) {
        if (live) setError(err.message);
      }
    }, POLL_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [job]);

  useEffect(() => {
    if (!job || !job.finished) return;
    if (job.dryRun) setChecked(job.errorCount === 0 && job.rowsTotal > 0 ? { kind, file } : null);
    else setHistoryKey((k) => k + 1);
  }, [job && job.id, job && job.finished]); // eslint-disable-line react-hooks/exhaustive-deps

  const chooseFile = (f) => {
    setFile(f || null);
    setChecked(null);
    setJob(null);
  };
  const running = !!job && !job.finished;
  const cleanCheck = checked && checked.kind === kind && checked.file === file;

  return (
    <div className="import-admin" data-testid="admin-import">
      <section className="panel" aria-label="台账导入">
        <div className="panel-head">
          <h2>台账导入 <span className="muted">Excel(.xlsx)或 CSV · 先预检,全部通过后导入</span></h2>
        </div>
        <div className="import-form">
          <label className="field">
            <span className="field-label">台账类型</span>
            <select name="register" data-testid="import-register" value={kind} disabled={running}
              onChange={(e) => { setKind(e.target.value); setChecked(null); setJob(null); }}>
              {(registers || []).map((r) => <option key={r.register} value={r.register}>{r.title}</option>)}
            </select>
          </label>
          <div className="field">
            <span className="field-label">模板</span>
            <div className="row gap">
              <button type="button" className="btn small" data-action="template-xlsx" onClick={() => download('xlsx')}>下载 Excel 模板</button>
              {register && register.templateCsvUrl && (
                <button type="button" className="btn small ghost" data-action="template-csv" onClick={() => download('csv')}>CSV 模板</button>
              )}
            </div>
          </div>
          <label className="field">
            <span className="field-label">文件</span>
            <input ref={fileInput} type="file" name="file" data-testid="import-file" accept=".xlsx,.csv,text/csv" disabled={running}
              onClick={(e) => { e.target.value = ''; }} onChange={(e) => chooseFile(e.target.files && e.target.files[0])} />
          </label>
          <div className="row gap import-actions">
            <button type="button" className="btn" data-action="dry-run" disabled={!file || running} onClick={() => start(true)}>预检(不写入)</button>
            <button type="button" className="btn primary" data-action="import" disabled={!file || running || !cleanCheck}
              title={cleanCheck ? '' : '请先预检,全部通过后才能导入'} onClick={() => start(false)}>导入</button>
          </div>
        </div>
        {register && <RegisterHelp register={register} />}
      </section>

      {error && <p className="error" role="alert" data-testid="import-error">{error}</p>}
      {job && <JobView job={job} />}
      <History refreshKey={historyKey} />
    </div>
  );
}

function RegisterHelp({ register }) {
  if (register.register === 'DISTRICT') {
    return (
      <p className="hint import-note">
        整套台账:一个 Excel 文件,每种台账一个工作表(街道、社区、网格、责任田、楼栋、居民、工作人员),按此顺序导入,
        后面的表可以引用前面表中新增的记录。
      </p>
    );
  }
  return (
    <div className="import-note">
      <p className="hint">
        匹配依据:<b>{register.naturalKey}</b>。已存在的记录只更新有变化的列,同一文件重复导入不会产生重复数据;可选列留空表示不修改。
      </p>
      <ul className="chips import-columns" data-testid="import-columns">
        {register.columns.map((c) => (
          <li key={c.key} className={`tag ${c.required ? 'required' : ''}`} title={c.description}>{c.header}{c.required ? ' *' : ''}</li>
        ))}
      </ul>
    </div>
  );
}

function JobView({ job }) {
  const pct = Math.round((job.progress || 0) * 100);
  const phase = job.finished ? (job.message || STATUS[job.status]) : STATUS[job.status];
  return (
    <section className="panel" aria-label={job.dryRun ? '预检结果' : '导入结果'} data-testid="import-job" data-status={job.status}
      data-dry-run={job.dryRun ? '1' : '0'}>
      <div className="panel-head">
        <h2>{job.dryRun ? '预检' : '导入'} <span className="muted">{job.fileName}</span></h2>
        <span className={`tag import-status-${job.status}`} data-testid="import-status">{STATUS[job.status]}</span>
      </div>
      <div className="import-note">
        <div className="import-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}
          data-testid="import-progress" data-finished={job.finished ? '1' : '0'}>
          <span style={{ width: `${pct}%` }} />
        </div>
        <p className="small">
          {phase} · 已检查 {job.rowsValidated}/{job.rowsTotal} 行{!job.dryRun && ` · 已写入 ${job.rowsWritten}/${job.rowsTotal} 行`} · {pct}%
        </p>
      </div>
      {job.finished && (
        <>
          <div className="import-note">
            <p className={job.errorCount ? 'error' : 'notice'} data-testid="import-summary" role="status">
              {job.dryRun ? '预检' : '导入'}:共 {job.rowsTotal} 行,{job.dryRun ? '将' : '已'}新增 {job.inserted}、更新 {job.updated}、
              不变 {job.unchanged}{job.errorCount ? `;${job.badRows} 行有问题(${job.errorCount} 处)` : ''}。
              {job.dryRun && !job.errorCount && job.rowsTotal > 0 && ' 可以点「导入」写入。'}
              {job.dryRun && job.errorCount > 0 && ' 请按下表修改文件后重新预检。'}
              {!job.dryRun && job.status === 'REFUSED' && ' 整个文件未写入任何数据。'}
            </p>
            {job.credentialsUrl && (
              <p className="notice" data-testid="import-credentials">
                新建了 {job.credentialCount} 个工作人员账号,每个账号有各自的随机初始密码。
                <a href={job.credentialsUrl} data-testid="import-credentials-link">下载初始密码表</a>(只能下载一次,30 分钟内有效),请妥善分发。
              </p>
            )}
          </div>
          {job.sheets.length > 0 && (
            <div className="import-note"><table className="data" data-testid="import-sheets">
              <thead><tr><th>工作表</th><th className="num">行数</th><th className="num">新增</th><th className="num">更新</th>
                <th className="num">不变</th><th className="num">问题行</th><th>备注</th></tr></thead>
              <tbody>
                {job.sheets.map((s) => (
                  <tr key={s.sheet} data-sheet={s.sheet}>
                    <td>{s.sheet}</td><td className="num">{s.rows}</td><td className="num">{s.inserted}</td><td className="num">{s.updated}</td>
                    <td className="num">{s.unchanged}</td><td className="num">{s.badRows}</td>
                    <td className="muted small">
                      {s.examplesSkipped > 0 && '示例行已跳过 '}
                      {s.ignoredHeaders.length > 0 && `忽略的列:${s.ignoredHeaders.join('、')}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          )}
          {job.errorCount > 0 && <ErrorTable jobId={job.id} />}
          {job.errorCount === 0 && job.dryRun && <ChangesPreview jobId={job.id} />}
        </>
      )}
    </section>
  );
}

function ErrorTable({ jobId }) {
  const [rows, setRows] = useState([]);
  const [page, setPage] = useState({ total: 0, next: null });
  const [error, setError] = useState('');

  const load = useCallback(async (after) => {
    try {
      const d = await gql(ERRORS, { id: jobId, after });
      const c = d.importJob.errors;
      setRows((old) => [...(after ? old : []), ...c.edges.map((e) => e.node)]);
      setPage({ total: c.totalCount, next: c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null });
    } catch (err) {
      setError(err.message);
    }
  }, [jobId]);

  useEffect(() => { load(null); }, [load]);

  return (
    <div className="import-errors">
      <h3>问题行 <span className="muted">共 {page.total} 处</span></h3>
      {error && <p className="error">{error}</p>}
      <table className="data" data-testid="import-errors">
        <thead><tr><th>工作表</th><th className="num">行号</th><th>列</th><th>内容</th><th>原因</th></tr></thead>
        <tbody>
          {rows.map((e, i) => (
            <tr key={`${e.sheet}-${e.row}-${e.column}-${i}`} data-row={e.row} data-column={e.column}>
              <td className="muted small">{e.sheet}</td>
              <td className="num">{e.row || '—'}</td>
              <td>{e.column || '整行'}</td>
              <td className="small import-value">{e.value}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.next && <button type="button" className="btn small" onClick={() => load(page.next)}>显示更多</button>}
    </div>
  );
}

function ChangesPreview({ jobId }) {
  const [changes, setChanges] = useState(null);
  useEffect(() => {
    gql(CHANGES, { id: jobId }).then((d) => setChanges(d.importJob && d.importJob.changes)).catch(() => setChanges(null));
  }, [jobId]);
  if (!changes || changes.totalCount === 0) return null;
  return (
    <div className="import-errors">
      <h3>逐行预览 <span className="muted">前 {changes.edges.length} 行,共 {changes.totalCount} 行</span></h3>
      <table className="data" data-testid="import-changes">
        <thead><tr><th className="num">行号</th><th>操作</th><th>记录</th><th>变更的列</th></tr></thead>
        <tbody>
          {changes.edges.map(({ node: c }) => (
            <tr key={`${c.sheet}-${c.row}`} data-row={c.row} data-action={c.action}>
              <td className="num">{c.row}</td><td>{ACTION[c.action]}</td><td className="small">{c.key}</td>
              <td className="small muted">{c.changedColumns.join('、')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function History({ refreshKey }) {
  const [items, setItems] = useState(null);
  const [page, setPage] = useState({ total: 0, next: null });
  const [open, setOpen] = useState(null);
  const [error, setError] = useState('');

  const load = useCallback(async (after) => {
    try {
      const d = await gql(HISTORY, { after });
      const c = d.importJobs;
      setItems((old) => [...(after && old ? old : []), ...c.edges.map((e) => e.node)]);
      setPage({ total: c.totalCount, next: c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null });
    } catch (err) {
      setError(err.message);
    }
  }, []);

  useEffect(() => { load(null); }, [load, refreshKey]);

  return (
    <section className="panel" aria-label="导入记录">
      <div className="panel-head"><h2>导入记录 <span className="muted">共 {page.total} 次(预检不记录)</span></h2></div>
      {error && <p className="error import-note">{error}</p>}
      {items && items.length === 0 && <p className="empty">还没有导入记录。</p>}
      {items && items.length > 0 && (
        <table className="data" data-testid="import-history">
          <thead><tr><th>时间</th><th>台账</th><th>文件</th><th>结果</th><th className="num">行数</th><th className="num">新增</th>
            <th className="num">更新</th><th className="num">不变</th><th className="num">问题行</th><th>操作人</th><th /></tr></thead>
          <tbody>
            {items.map((j) => (
              <tr key={j.id} data-job={j.id} data-status={j.status}>
                <td className="small">{fullDateTime(j.finishedAt || j.startedAt)}</td>
                <td>{REGISTER_TITLES[j.register] || j.register}</td>
                <td className="small">{j.fileName}</td>
                <td><span className={`tag import-status-${j.status}`}>{STATUS[j.status]}</span></td>
                <td className="num">{j.rowsTotal}</td><td className="num">{j.inserted}</td><td className="num">{j.updated}</td>
                <td className="num">{j.unchanged}</td><td className="num">{j.badRows}</td>
                <td className="small">{j.startedBy ? (j.startedBy.displayName || j.startedBy.username) : '—'}</td>
                <td>{j.errorCount > 0 && (
                  <button type="button" className="btn small ghost" onClick={() => setOpen(open === j.id ? null : j.id)}>
                    {open === j.id ? '收起' : '查看问题'}
                  </button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <ErrorTable key={open} jobId={open} />}
      {page.next && <button type="button" className="btn small import-note" onClick={() => load(page.next)}>更早的记录</button>}
    </section>
  );
}

const REGISTER_TITLES = {
  DISTRICT: '整套台账', STREETS: '街道', COMMUNITIES: '社区', GRIDS: '网格', FIELDS: '责任田', BUILDINGS: '楼栋', RESIDENTS: '居民',
  STAFF: '工作人员',
};
