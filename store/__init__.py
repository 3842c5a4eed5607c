"""The store: SQLAlchemy 2 Core tables and the writes the ingest makes.

SQLite (WAL) is the embedded default, PostgreSQL the production choice; the same
code and the same tests run on both.
"""

from store.engine import connect
from store.schema import metadata

__all__ = ["connect", "metadata"]
