"""Every input type of the schema, built by its plan (schema/input_plans.py), equals what
strawberry's own conversion builds — with every field given, with only the required ones, and
with every nullable field an explicit null."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_argument

from schema import schema as SCHEMA

CONVERTER = SCHEMA.schema_converter
INPUTS = sorted(name for name, concrete in CONVERTER.type_map.items()
                if getattr(getattr(concrete, "definition", None), "is_input", False))
# Sample values a client could send, tried in turn until the scalar parses one.
CANDIDATES = ["2026-11-27T06:30:00.123456+08:00", "2026-11-27", "QnVpbGRpbmc6MTk0NTc", "第一行\n第二行", 7, 2.5, True,
              {"k": [1, "二"]}]


def _scalar(t: GraphQLScalarType) -> Any:
    for candidate in CANDIDATES:
        try:
            t.parse_value(candidate)
        except Exception:  # noqa: BLE001,S112 — not this one: try the next
            continue
        return candidate
    return None  # a scalar no JSON value can be (an Upload)


def _value(t: Any, mode: str, depth: int = 0) -> Any:
    if isinstance(t, GraphQLNonNull):
        return _value(t.of_type, mode, depth)
    if isinstance(t, GraphQLList):
        item = _value(t.of_type, mode, depth)
        return [] if item is None else [item, item]
    if isinstance(t, GraphQLEnumType):
        return list(t.values)[-1]
    if isinstance(t, GraphQLScalarType):
        return _scalar(t)
    assert isinstance(t, GraphQLInputObjectType)
    out: dict[str, Any] = {}
    for name, field in t.fields.items():
        required = isinstance(field.type, GraphQLNonNull)
        if not required and (mode == "required" or depth > 2):
            continue
        if not required and mode == "nulls":
            out[name] = None
            continue
        value = _value(field.type, mode, depth + 1)
        if value is not None:
            out[name] = value
    return out


def _plain(x: Any) -> Any:
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)})
    if isinstance(x, list):
        return [_plain(i) for i in x]
    return x


@pytest.mark.parametrize("mode", ["all", "required", "nulls"])
def test_every_input_type_is_built_as_strawberry_builds_it(mode: str) -> None:
    assert len(INPUTS) > 50  # the schema's inputs, not an empty list
    definitions = [CONVERTER.type_map[name].definition for name in INPUTS]
    planned = [d.from_input for d in definitions]
    assert all(planned), "schema/input_plans.py gave every input type a plan"
    compared = 0
    for name, definition in zip(INPUTS, definitions, strict=True):
        graphql_type = SCHEMA._schema.type_map[name]
        raw = _value(graphql_type, mode)
        try:
            value = coerce_input_value(raw, graphql_type)  # as graphql-core hands variables over
        except Exception:  # noqa: BLE001,S112 — a required field no sample fits (an Upload): nothing to compare
            continue
        ours = convert_argument(value, definition.origin, CONVERTER.scalar_registry, SCHEMA.config)
        for d in definitions:
            d.from_input = None
        try:
            theirs = convert_argument(value, definition.origin, CONVERTER.scalar_registry, SCHEMA.config)
        finally:
            for d, plan in zip(definitions, planned, strict=True):
                d.from_input = plan
        assert type(ours) is definition.origin
        assert _plain(ours) == _plain(theirs), name
        compared += 1
    print(f"{mode}: {compared} of {len(INPUTS)} input types compared")
    assert compared >= len(INPUTS) - 5, compared  # all but the few with a required Upload
