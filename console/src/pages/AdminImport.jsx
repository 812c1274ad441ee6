// 台账导入: not built yet (a placeholder until its area lands).
export default function AdminImport() {
  return <p className="muted" data-testid="admin-placeholder">「台账导入」尚未开放。</p>;
}
