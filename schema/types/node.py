from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with an opaque global ID that `node(id:)` can fetch again.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID.")
