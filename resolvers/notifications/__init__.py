"""Notifications to residents (issue #8): an outbox written with each request change, sent by a
background worker through pluggable senders, shown back to the resident on the tracking page.

Importing the package registers the outbox writer as a request-event hook."""

from resolvers.notifications import outbox as _outbox  # noqa: F401 — registers the hook
