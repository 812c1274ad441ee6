"""Who is asking: a signed-in user with a role and scopes, or an anonymous resident."""

from __future__ import annotations

from dataclasses import dataclass, field

from resolvers.roles import Role, ScopeKind


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    role: Role
    token_version: int = 0
    scopes: dict[ScopeKind, frozenset[int]] = field(default_factory=dict)
    client: str = ""

    def ids(self, kind: ScopeKind) -> frozenset[int]:
        return self.scopes.get(kind, frozenset())

    @property
    def district_wide(self) -> bool:
        return self.role in {
            Role.ADMIN,
            Role.CENTER_DISPATCHER,
            Role.DISTRICT_LEADER,
            Role.EVALUATOR,
        }
