// 节假日 — the holiday table of SPEC §5.5. Working-day deadlines skip weekends and public holidays
// and count make-up working days (调休上班). The chinese-calendar package knows the years up to
// 2026; for later years ADMIN enters the State Council's yearly notice here, day by day or all at
// once, and marks the year entered — until then its deadlines are marked estimated.
import { useCallback, useEffect, useMemo, useState } from 'react';

import { gql } from '../api.js';
import { Modal } from '../components.jsx';

const YEAR = 'holidayYear { year entered packageKnows estimated days { date isWorkday name source } }';
const QUERY = `query($y: Int!) { holidayYear(year: $y) { year entered packageKnows estimated days { date isWorkday name source } } }`;
const M = {
  setHoliday: `mutation($i: HolidayDayInput!) { setHoliday(input: $i) { ${YEAR} } }`,
  removeHoliday: `mutation($i: RemoveHolidayInput!) { removeHoliday(input: $i) { ${YEAR} } }`,
  markHolidayYear: `mutation($i: MarkHolidayYearInput!) { markHolidayYear(input: $i) { ${YEAR} } }`,
  enterHolidayYear: `mutation($i: EnterHolidayYearInput!) { enterHolidayYear(input: $i) { ${YEAR} } }`,
};
const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];
const MAKE_UP = '调休上班';

function thisYear() {
  return Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
}
const pad = (n) => String(n).padStart(2, '0');
const iso = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
/** Monday = 0 … Sunday = 6, for a YYYY-MM-DD date (calendar arithmetic in UTC: no time zone involved). */
const weekday = (s) => (new Date(`${s}T00:00:00Z`).getUTCDay() + 6) % 7;

export default function AdminHolidays() {
  const [year, setYear] = useState(thisYear);
  const [view, setView] = useState(null);
  const [error, setError] = useState('');
  const [toast, setToast] = useState('');
  const [editing, setEditing] = useState(null); // a date string, or '' for a new day
  const [bulk, setBulk] = useState(false);

  const load = useCallback(async () => {
    try {
      setView((await gql(QUERY, { y: year })).holidayYear);
    } catch (err) {
      setView(null);
      setError(err.message);
    }
  }, [year]);
  useEffect(() => { load(); }, [load]);
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(''), 6000);
    return () => clearTimeout(t);
  }, [toast]);

  async function run(name, input, message) {
    const d = await gql(M[name], { i: input });
    setView(d[name].holidayYear);
    setToast(message);
  }
  const days = useMemo(() => new Map((view?.days || []).map((d) => [d.date, d])), [view]);

  return (
    <section className="admin-holidays" data-testid="admin-holidays">
      {error && <div className="error-banner" role="alert">{error} <button type="button" className="btn ghost" onClick={() => setError('')}>知道了</button></div>}
      {toast && <div className="notice" role="status" data-testid="admin-toast">{toast}</div>}
      <div className="admin-toolbar">
        <button type="button" className="btn small" aria-label="上一年" onClick={() => setYear((y) => y - 1)}>◀</button>
        <input type="number" name="year" className="year-input" aria-label="年份" min={2000} max={2100} value={year}
          onChange={(e) => e.target.value && setYear(Number(e.target.value))} />
        <button type="button" className="btn small" aria-label="下一年" onClick={() => setYear((y) => y + 1)}>▶</button>
        {view && (
          <span className="grow" data-testid="year-status" data-entered={String(view.entered)} data-estimated={String(view.estimated)}>
            {view.entered && <span className="tag on">已录入国务院通知</span>}
            {view.packageKnows && <span className="tag">内置日历数据</span>}
            {view.estimated && <span className="tag late">未录入 · 按周末估算,时限标记为“估算”</span>}
          </span>
        )}
        {view && (
          <button type="button" className="btn" data-action="mark-entered"
            onClick={() => run('markHolidayYear', { year, entered: !view.entered }, view.entered ? `${year} 年已改为未录入` : `${year} 年已标记为已录入`)
              .catch((err) => setError(err.message))}>
            {view.entered ? '取消“已录入”' : '标记本年已录入'}
          </button>
        )}
        <button type="button" className="btn" data-action="bulk" onClick={() => setBulk(true)}>整年录入</button>
        <button type="button" className="btn primary" data-action="new-day" onClick={() => setEditing('')}>添加日期</button>
      </div>

      {view && (
        <div className="holiday-layout">
          <div className="holiday-months" data-testid="holiday-calendar">
            {Array.from({ length: 12 }, (_, i) => i + 1).map((m) => <Month key={m} year={view.year} month={m} days={days} onPick={setEditing} />)}
          </div>
          <div className="admin-scroll">
            <table className="data admin-table" data-testid="holiday-list">
              <thead><tr><th>日期</th><th>星期</th><th>类型</th><th>名称</th><th>来源</th><th>操作</th></tr></thead>
              <tbody>
                {view.days.map((d) => (
                  <tr key={d.date} data-testid="holiday" data-date={d.date} data-source={d.source} data-workday={String(d.isWorkday)}>
                    <td className="code">{d.date}</td>
                    <td>周{WEEKDAYS[weekday(d.date)]}</td>
                    <td>{d.isWorkday ? <span className="tag day-work">班</span> : <span className="tag day-off">休</span>}</td>
                    <td>{d.name}</td>
                    <td className="muted">{d.source === 'TABLE' ? '管理员录入' : '内置数据'}</td>
                    <td className="row-actions">
                      <button type="button" className="btn small" data-action="edit" onClick={() => setEditing(d.date)}>修改</button>
                      {d.source === 'TABLE' && (
                        <button type="button" className="btn small danger" data-action="remove"
                          onClick={() => run('removeHoliday', { date: d.date }, `已删除 ${d.date}`).catch((err) => setError(err.message))}>删除</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {view.days.length === 0 && <p className="empty">本年没有节假日或调休记录</p>}
          </div>
        </div>
      )}

      {editing !== null && (
        <Modal title={editing ? `节假日 · ${editing}` : '添加日期'} onClose={() => setEditing(null)}>
          <DayForm year={year} date={editing} current={days.get(editing)} onDone={async (input) => {
            await run('setHoliday', input, `已保存 ${input.date}`);
            setEditing(null);
          }} />
        </Modal>
      )}
      {bulk && (
        <Modal title={`整年录入 · ${year} 年`} onClose={() => setBulk(false)} wide>
          <BulkForm year={year} onDone={async (list) => {
            await run('enterHolidayYear', { year, days: list }, `已录入 ${year} 年通知(${list.length} 天)`);
            setBulk(false);
          }} />
        </Modal>
      )}
    </section>
  );
}

function Month({ year, month, days, onPick }) {
  const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const blank = weekday(iso(year, month, 1));
  return (
    <div className="holiday-month">
      <div className="holiday-month-name">{month} 月</div>
      <div className="holiday-grid">
        {WEEKDAYS.map((w) => <span key={w} className="wd">{w}</span>)}
        {Array.from({ length: blank }, (_, i) => <span key={`b${i}`} />)}
        {Array.from({ length: count }, (_, i) => {
          const date = iso(year, month, i + 1);
          const entry = days.get(date);
          const weekend = weekday(date) >= 5;
          const cls = entry ? (entry.isWorkday ? 'work' : 'off') : weekend ? 'weekend' : '';
          return (
            <button key={date} type="button" className={`day ${cls}`} title={entry ? `${date} ${entry.name}` : date} data-date={date}
              onClick={() => onPick(date)}>{i + 1}</button>
          );
        })}
      </div>
    </div>
  );
}

function useSubmit(onDone) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (...args) => {
    setBusy(true);
    setError('');
    try {
      await onDone(...args);
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function DayForm({ year, date, current, onDone }) {
  const [f, setF] = useState({ date: date || `${year}-01-01`, workday: current ? current.isWorkday : false, name: current && !current.isWorkday ? current.name : '' });
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="holiday-form" onSubmit={(e) => { e.preventDefault(); submit({ date: f.date, isWorkday: f.workday, name: f.workday ? MAKE_UP : f.name.trim() }); }}>
      <label className="field"><span className="field-label">日期</span>
        <input type="date" name="date" value={f.date} min="2000-01-01" max="2100-12-31" required onChange={(e) => setF((x) => ({ ...x, date: e.target.value }))} /></label>
      <div className="field">
        <span className="field-label">类型</span>
        <label className="check"><input type="radio" name="kind" value="off" checked={!f.workday} onChange={() => setF((x) => ({ ...x, workday: false }))} /> 放假(休)</label>
        <label className="check"><input type="radio" name="kind" value="work" checked={f.workday} onChange={() => setF((x) => ({ ...x, workday: true }))} /> 调休上班(班)</label>
      </div>
      {!f.workday && <label className="field"><span className="field-label">节日名称</span>
        <input name="name" value={f.name} onChange={(e) => setF((x) => ({ ...x, name: e.target.value }))} required maxLength={32} placeholder="如 春节" /></label>}
      {current && current.source === 'PACKAGE' && <p className="hint">此日来自内置日历数据;保存后以管理员录入为准。</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || (!f.workday && !f.name.trim())}>保存</button>
    </form>
  );
}

/** Lines like "2027-02-06~2027-02-12 休 春节" or "2027-02-14 班". */
function parseNotice(text, year) {
  const out = [];
  text.split('\n').map((l) => l.trim()).filter(Boolean).forEach((line, n) => {
    const m = line.match(/^(\d{4}-\d{2}-\d{2})(?:\s*[~至-]\s*(\d{4}-\d{2}-\d{2}))?\s+(休|班)\s*(.*)$/);
    if (!m) throw new Error(`第 ${n + 1} 行格式不对:${line}`);
    const [, from, to, kind, name] = m;
    const start = new Date(`${from}T00:00:00Z`);
    const end = new Date(`${to || from}T00:00:00Z`);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) throw new Error(`第 ${n + 1} 行日期不对:${line}`);
    for (let d = start; d <= end; d = new Date(d.getTime() + 86_400_000)) {
      const date = d.toISOString().slice(0, 10);
      if (!date.startsWith(`${year}-`)) throw new Error(`第 ${n + 1} 行不在 ${year} 年:${date}`);
      out.push({ date, isWorkday: kind === '班', name: kind === '班' ? MAKE_UP : name.trim() });
    }
  });
  return out;
}

function BulkForm({ year, onDone }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  const { busy, error, submit } = useSubmit(onDone);
  return (
    <form data-testid="bulk-form" onSubmit={(e) => {
      e.preventDefault();
      try {
        const list = parseNotice(text, year);
        setProblem('');
        submit(list);
      } catch (err) {
        setProblem(err.message);
      }
    }}>
      <p>按国务院办公厅通知逐行录入,每行一段:<span className="code">2027-02-06~2027-02-12 休 春节</span> 或 <span className="code">2027-02-14 班</span>。
        保存后以此替换 {year} 年的全部录入,并将该年标记为已录入。</p>
      <textarea name="notice" rows={10} value={text} onChange={(e) => setText(e.target.value)} className="code" />
      {(problem || error) && <p className="error" role="alert">{problem || error}</p>}
      <button className="btn primary" type="submit" data-action="submit" disabled={busy || !text.trim()}>录入</button>
    </form>
  );
}
