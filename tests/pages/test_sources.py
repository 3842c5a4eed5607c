"""The sources page on the real app, through Flask's test client: its refresh
shows each source's quarantine size, all of it, not only the last day's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from access.roles import Role
from store import versions
from store.schema import quarantine
from tests.web import test_access
from tests.web.test_access import _body, _server_callbacks, client_as

wall = test_access.wall  # the same app fixture, made again for this module


def test_the_sources_page_shows_how_big_each_quarantine_is(wall):
    from web import runtime

    now = datetime.now(UTC)
    with runtime.engine().begin() as conn:
        before = conn.execute(
            quarantine.select().where(quarantine.c.source == "demo")
        ).all()
        conn.execute(
            quarantine.insert(),
            [
                {"source": "demo", "reason": "bad", "excerpt": "", "received_at": at}
                for at in [now] * 2 + [now - timedelta(days=5)] * 1001
            ],
        )
        versions.bump_data_version(conn)
    kept = len(before) + 1003
    entry = _server_callbacks(wall)["pages.sources.refresh"]
    body = _body(entry, {"source-refresh": 1, "nav": "?lang=en"})
    answer = client_as(wall, Role.ADMIN).post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    text = json.dumps(answer.get_json(), ensure_ascii=False)
    assert f"{kept:,} kept" in text
