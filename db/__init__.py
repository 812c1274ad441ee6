"""Persistence: typed SQLAlchemy models, engine and sessions, migrations, demo seeding."""
