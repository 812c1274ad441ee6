from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as _Info

from config import Settings
from db.engine import Database
from resolvers.actor import Actor

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class Context:
    """Built once per HTTP request (and per subscription event for WebSockets), so
    DataLoaders never serve rows cached longer than one operation."""

    db: Database
    settings: Settings
    actor: Actor | None
    loaders: "Loaders"
    client: str = ""
    request: Any = None
    response: Any = None
    connection_params: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


Info = _Info[Context, None]
