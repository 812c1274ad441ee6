from pathlib import Path

from schema import schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    committed = SDL.read_text(encoding="utf-8")
    current = schema.as_str() + "\n"
    assert committed == current, "schema.graphql is stale: run `make schema` and commit it"


def test_every_object_type_and_field_is_described() -> None:
    # Front-end teams read the SDL as documentation: types carry descriptions.
    from graphql import GraphQLObjectType

    gql = schema._schema
    undocumented = [
        name for name, t in gql.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__") and not t.description
    ]
    assert undocumented == []
