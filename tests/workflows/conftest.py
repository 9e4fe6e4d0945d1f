from __future__ import annotations

from tests.jobs.conftest import clock, worker

__all__ = ["clock", "worker"]
