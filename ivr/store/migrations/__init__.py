"""Alembic migrations of the switch's schema; run them with ``ivr db upgrade`` or
``ivr.store.migrate.upgrade(url)``. New revisions: ``ivr db revision -m "what changed"``."""
