// 12345工单: not built yet (a placeholder until its area lands).
export default function AdminOrders() {
  return <p className="muted" data-testid="admin-placeholder">「12345工单」尚未开放。</p>;
}
