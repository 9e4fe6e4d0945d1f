"""The agent's side of the turn: the conversation engine (or anything speaking the `Responder`
protocol) turns the caller's words into a streamed reply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

from frontdesk.voice.frames import (
    DTMFFrame,
    Frame,
    InterruptionFrame,
    ReplyEndFrame,
    ReplyStartFrame,
    TextFrame,
    TranscriptionFrame,
)
from frontdesk.voice.stage import Stage
from frontdesk.voice.state import CallState

DTMF_WAIT_SECONDS = 2.0


class Responder(Protocol):
    def reply(self, reply_id: int, text: str, stop: asyncio.Event) -> AsyncIterator[str]:
        """Store what the caller said and stream the agent's answer; stop early when `stop`
        is set (the caller interrupted), keeping what was generated so far."""
        ...

    async def said(self, reply_id: int, text: str, reason: str) -> None:
        """Store a fixed line the agent speaks (greeting, reminder, goodbye)."""

    async def caller_said(self, text: str) -> None:
        """Store what the caller said when it needs no answer from the engine (the "Hello?"
        the greeting answers)."""

    async def heard(self, reply_id: int, text: str, interrupted: bool) -> None:
        """What the caller actually heard of a reply: the transcript keeps only that."""

    def wants_end(self, reply_id: int) -> bool:
        """Whether the reply asked to end the call (the end-call tool)."""
        ...

    def transfer_to(self, reply_id: int) -> str | None:
        """The number the reply asked to transfer the call to (the live-transfer tool)."""
        ...


class ResponderStage(Stage):
    def __init__(self, state: CallState, responder: Responder) -> None:
        super().__init__()
        self.state = state
        self.responder = responder
        self.reply_id = 0
        self._stop: asyncio.Event | None = None
        self._lock = asyncio.Lock()  # one reply at a time, stored in order
        self._digits = ""
        self._dtmf_timer: asyncio.TimerHandle | None = None
        self.first_token_at: dict[int, float] = {}

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, TranscriptionFrame):
            if frame.final:
                self.respond(frame.text)
            else:
                self.push(frame)
        elif isinstance(frame, DTMFFrame):
            self._dtmf(frame.digit)
            self.push(frame)
        else:
            super().handle(frame)

    def interrupt(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _begin(self) -> tuple[int, asyncio.Event]:
        if self.state.reply_active:
            # A new reply (keypad input, a hang-up line) supersedes the one on its way.
            self.push(InterruptionFrame())
        self.interrupt()
        self.reply_id += 1
        self._stop = asyncio.Event()
        self.state.reply_active = True
        self.state.reply_started_at = self.state.clock()
        return self.reply_id, self._stop

    def respond(self, text: str) -> int:
        reply_id, stop = self._begin()
        self.spawn(self._generate(reply_id, text, stop), f"reply-{reply_id}")
        return reply_id

    def note(self, text: str) -> None:
        """Keep the caller's words in the transcript without answering them."""
        self.spawn(self._note(text), "note")

    async def _note(self, text: str) -> None:
        async with self._lock:
            await self.responder.caller_said(text)

    def say(
        self, text: str, reason: str, end_call: bool = False, transfer_to: str | None = None
    ) -> int:
        """Speak a fixed line (greeting, reminder, goodbye, a line before a transfer)."""
        reply_id, stop = self._begin()
        self.spawn(
            self._fixed(reply_id, text, reason, stop, end_call, transfer_to), f"say-{reply_id}"
        )
        return reply_id

    async def _generate(self, reply_id: int, text: str, stop: asyncio.Event) -> None:
        async with self._lock:
            # Even a reply stopped before it began stores the caller's words (the engine
            # generates nothing then), and every reply ends with a ReplyEndFrame.
            self.push(ReplyStartFrame(reply_id, "turn"))
            try:
                async for token in self.responder.reply(reply_id, text, stop):
                    if stop.is_set():
                        continue  # the engine is storing what it has; nothing more is spoken
                    if reply_id not in self.first_token_at:
                        self.first_token_at[reply_id] = self.state.clock()
                    self.push(TextFrame(token))
            finally:
                self.push(
                    ReplyEndFrame(
                        reply_id,
                        end_call=self.responder.wants_end(reply_id),
                        stopped=stop.is_set(),
                        transfer_to=self.responder.transfer_to(reply_id),
                    )
                )

    async def _fixed(
        self,
        reply_id: int,
        text: str,
        reason: str,
        stop: asyncio.Event,
        end_call: bool,
        transfer_to: str | None = None,
    ) -> None:
        async with self._lock:
            self.push(ReplyStartFrame(reply_id, reason))
            try:
                await self.responder.said(reply_id, text, reason)
                if not stop.is_set():
                    self.push(TextFrame(text))
            finally:
                self.push(
                    ReplyEndFrame(
                        reply_id, end_call=end_call, stopped=stop.is_set(), transfer_to=transfer_to
                    )
                )

    def _dtmf(self, digit: str) -> None:
        """Keypad digits are collected until '#' or a short pause, then given to the engine."""
        if self._dtmf_timer is not None:
            self._dtmf_timer.cancel()
            self._dtmf_timer = None
        if digit == "#":
            self._flush_digits()
            return
        self._digits += digit
        loop = asyncio.get_running_loop()
        self._dtmf_timer = loop.call_later(DTMF_WAIT_SECONDS, self._flush_digits)

    def _flush_digits(self) -> None:
        self._dtmf_timer = None
        digits, self._digits = self._digits, ""
        if digits:
            self.respond(f"(The caller pressed {' '.join(digits)} on the keypad.)")

    async def close(self) -> None:
        if self._dtmf_timer is not None:
            self._dtmf_timer.cancel()
        self.interrupt()
        await super().close()
