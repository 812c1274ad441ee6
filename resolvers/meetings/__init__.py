"""Sunshine-17 deliberation (阳光17议): meetings, agenda proposals, outcomes that settle requests,
follow-up of agreed actions, statistics. Plain functions over (session, actor, ...); no GraphQL."""
