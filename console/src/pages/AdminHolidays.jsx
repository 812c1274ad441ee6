// 节假日: not built yet (a placeholder until its area lands).
export default function AdminHolidays() {
  return <p className="muted" data-testid="admin-placeholder">「节假日」尚未开放。</p>;
}
