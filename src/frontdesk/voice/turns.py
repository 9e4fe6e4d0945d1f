"""Turn taking: which utterances are turns, and when the caller's speech interrupts the agent.

While the agent has a reply on its way, the caller's speech interrupts it once it has
`min_words` words (interim transcripts tell), at once when `min_words` is 0, or after
`interrupt_after_ms` of continuous speech. Speech over the agent that never qualifies ("uh-huh")
is a backchannel: it neither interrupts nor becomes a turn.
"""

from __future__ import annotations

import asyncio
from collections import deque

from frontdesk.voice.frames import (
    Frame,
    InterruptionFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from frontdesk.voice.stage import Stage
from frontdesk.voice.state import CallState


def word_count(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


class TurnStage(Stage):
    def __init__(self, state: CallState, min_words: int = 1, interrupt_after_ms: int = 1200):
        super().__init__()
        self.state = state
        self.min_words = min_words
        self.interrupt_after = interrupt_after_ms / 1000
        self._over_agent = False  # the current utterance started while a reply was on its way
        self._timer: asyncio.TimerHandle | None = None
        self._keep: deque[bool] = deque()  # per finished utterance: is it a turn?

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._over_agent = self.state.reply_active
            self.push(frame)
            if self._over_agent:
                if self.min_words == 0:
                    self._interrupt()
                else:
                    loop = asyncio.get_running_loop()
                    self._timer = loop.call_later(self.interrupt_after, self._interrupt)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._cancel_timer()
            self._keep.append(not self._over_agent)  # still over the agent: a backchannel
            self._over_agent = False
            self.push(frame)
        elif isinstance(frame, TranscriptionFrame):
            if not frame.final:
                if self._over_agent and word_count(frame.text) >= self.min_words:
                    self._interrupt()
                self.push(frame)
                return
            keep = self._keep.popleft() if self._keep else True
            if keep and frame.text.strip():
                self.push(frame)
        else:
            super().handle(frame)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _interrupt(self) -> None:
        self._cancel_timer()
        if not self._over_agent:
            return
        self._over_agent = False  # from here on, the utterance is a turn
        if self.state.reply_active:
            self.push(InterruptionFrame())

    async def close(self) -> None:
        self._cancel_timer()
        await super().close()
