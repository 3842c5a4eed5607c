"""The privacy tests follow a complaint through a real connector and ingest: the
connector tests' local feed server and ingest command serve them too."""

from tests.connectors.conftest import feed_server, ingest  # noqa: F401
