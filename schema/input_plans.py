"""Input objects built from a plan made once per input type.

Strawberry's `convert_argument` builds an input object by resolving every field's type and
GraphQL name again on every call: a sixth of a submission's time in the executor
(`submitRequest` has eleven fields). Strawberry lets a type definition build its own value
(`StrawberryObjectDefinition.from_input`); ours is the same conversion with those lookups made
once: a leaf (scalar or enum, graphql-core has parsed it already) is taken as it is, anything
else — nested inputs, lists — goes through strawberry's own conversion (`InputContext.convert`).
tests/test_input_plans.py builds every input type of the schema both ways and compares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

Plan = tuple[dict[str, None], list[tuple[str, str, Any, bool]]]


def install(schema: Any) -> int:
    """Give every input type of `schema` that builds its value the default way a planned builder;
    how many were given one."""
    given = 0
    for concrete in schema.schema_converter.type_map.values():
        definition = getattr(concrete, "definition", None)
        if (isinstance(definition, StrawberryObjectDefinition) and definition.is_input and definition.from_input is None
                # strawberry checks Maybe fields' nulls only for types without from_input
                and not any(isinstance(f.type, StrawberryMaybe) for f in definition.fields)):
            definition.from_input = _builder(definition)
            given += 1
    return given


def _builder(definition: StrawberryObjectDefinition) -> Callable[[type, Mapping[str, Any], InputContext], Any]:
    plan: Plan | None = None

    def from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        nonlocal plan
        if plan is None:
            plan = _plan(definition, context)
        kwargs, fields = plan
        kwargs = dict(kwargs)
        for graphql_name, python_name, type_, leaf in fields:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if leaf or item is None else context.convert(item, type_, graphql_name)
        return cls(**kwargs)

    return from_input


def _plan(definition: StrawberryObjectDefinition, context: InputContext) -> Plan:
    # As convert_argument: a field without a default is None unless given (graphql-core has
    # checked that the required ones are).
    absent = {f.python_name: None for f in definition.fields if f.default_value is MISSING and f.default_factory is MISSING}
    fields = []
    for f in definition.fields:
        type_ = f.resolve_type(type_definition=definition)
        fields.append((context.config.name_converter.from_field(f), f.python_name, type_, _leaf(type_, context.scalar_registry)))
    return absent, fields


def _leaf(type_: Any, scalar_registry: Mapping[object, Any]) -> bool:
    """A value graphql-core hands over ready: a scalar (not a relay GlobalID, which strawberry
    parses) or an enum member, optional or not."""
    while isinstance(type_, StrawberryOptional):
        if isinstance(type_, StrawberryMaybe):  # wrapped in Some(): strawberry's own conversion
            return False
        type_ = type_.of_type
    if type_ is GlobalID or has_object_definition(type_):
        return False
    return is_scalar(type_, scalar_registry) or isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_)
