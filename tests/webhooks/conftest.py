from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.receiver import Receiver
from tests.jobs.conftest import clock, worker

__all__ = ["clock", "worker"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
