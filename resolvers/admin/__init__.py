"""Administration (ADMIN only): staff accounts, the taxonomy with its routing table and default
deadlines, the holiday table, and the units that handle requests. Every change is audited.

One module per idea: `accounts` (logins, roles, scopes, revocation), `credentials` (username
and password rules), `taxonomy`, `holidays`, `units`, `audit_log`; `common` has the ADMIN check,
the audit writer and input checks they share.
"""
