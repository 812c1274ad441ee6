// 楼栋二维码: not built yet (a placeholder until its area lands).
export default function AdminQr() {
  return <p className="muted" data-testid="admin-placeholder">「楼栋二维码」尚未开放。</p>;
}
