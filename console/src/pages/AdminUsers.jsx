// 账号与权限: not built yet (a placeholder until its area lands).
export default function AdminUsers() {
  return <p className="muted" data-testid="admin-placeholder">「账号与权限」尚未开放。</p>;
}
