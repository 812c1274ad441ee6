"""Administration's additions to the schema. Its columns live on their tables (department.active,
street_section.active); what is here is an index on another area's table, declared beside the
query that needs it rather than in that table's module."""

from __future__ import annotations

from sqlalchemy import Index

from db.models.audit import AuditEntry

# The audit log filtered by who acted, newest first (resolvers/admin/audit_log.py): without it a
# rarely active user's page would scan the whole trail (every sign-in, every personal-data read).
ix_audit_entry_actor_id = Index("ix_audit_entry_actor_id", AuditEntry.__table__.c.actor_user_id, AuditEntry.__table__.c.id)
