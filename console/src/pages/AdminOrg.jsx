// 单位与组织: not built yet (a placeholder until its area lands).
export default function AdminOrg() {
  return <p className="muted" data-testid="admin-placeholder">「单位与组织」尚未开放。</p>;
}
