"""Four-society linkage (四社联动): social organisations, community partnerships, funds and funded
service projects. Plain functions over (session, actor, ...); nothing here knows GraphQL."""
