// 分类与时限: not built yet (a placeholder until its area lands).
export default function AdminTaxonomy() {
  return <p className="muted" data-testid="admin-placeholder">「分类与时限」尚未开放。</p>;
}
