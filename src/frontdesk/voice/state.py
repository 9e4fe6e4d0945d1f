"""What the stages of one call share: rates, the clock and who is speaking."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class CallState:
    in_rate: int  # caller audio into the pipeline (8 kHz from a phone, 16 kHz from a browser)
    out_rate: int  # agent audio out of the pipeline
    clock: Callable[[], float] = field(default=time.monotonic)
    user_speaking: bool = False
    # A reply is on its way: being generated, synthesized or played.
    reply_active: bool = False
    reply_started_at: float | None = None
    last_activity_at: float = 0.0  # the last speech of either side, for idle reminders
