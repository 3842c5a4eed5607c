"""nginx in front of the wall for a test (see ``bench.front``): a machine
without nginx skips the test, or fails it in CI, where `make test` installs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.front import nginx_binary, nginx_front
from tests.conftest import in_ci


@contextmanager
def front(folder: Path, port: int, instances: tuple[int, int]) -> Iterator[Path]:
    """nginx on ``port`` in front of ``instances``; yields its access log."""
    if nginx_binary() is None:
        reason = "nginx is not installed: run `make test`, which installs it"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    with nginx_front(folder, port, instances) as log:
        yield log
