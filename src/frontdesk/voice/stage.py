"""Stages and the pipeline that chains them.

A stage handles the frames it knows and passes the rest on. Frames travel by direct calls, not
through a queue per stage: pushing a frame runs the next stage at once, so a call's pipeline
costs no task and no queue per stage. Work that takes time (transcribing, generating, synthesizing)
runs in a task the stage owns; on an `InterruptionFrame` each stage cancels what it has in flight
and passes the interruption on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable
from typing import Any

import structlog

from frontdesk.voice.frames import Frame, InputAudioFrame, InterruptionFrame

log = structlog.get_logger("frontdesk.voice")


class Stage:
    def __init__(self) -> None:
        self.next: Stage | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def push(self, frame: Frame) -> None:
        if self.next is not None:
            self.next.handle(frame)

    def handle(self, frame: Frame) -> None:
        """Handle one frame; the default passes it on."""
        if isinstance(frame, InputAudioFrame):
            self.on_audio(frame.pcm)
        else:
            if isinstance(frame, InterruptionFrame):
                self.interrupt()
            self.push(frame)

    def on_audio(self, pcm: bytes) -> None:
        """20 ms of caller audio (PCM16 at the pipeline's input rate)."""
        if self.next is not None:
            self.next.on_audio(pcm)

    def interrupt(self) -> None:
        """Cancel what this stage has in flight for the current reply."""

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("voice_stage_failed", stage=type(self).__name__, error=repr(task.exception()))

    async def settle(self, seconds: float) -> None:
        """Wait (a bounded time) for the tasks in flight to finish by themselves."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class Collector(Stage):
    """The end of a pipeline in tests: keeps every frame that reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []
        self.audio: list[bytes] = []

    def handle(self, frame: Frame) -> None:
        self.frames.append(frame)

    def on_audio(self, pcm: bytes) -> None:
        self.audio.append(pcm)

    def types(self) -> list[str]:
        return [type(f).__name__ for f in self.frames]


class Pipeline:
    def __init__(self, stages: Iterable[Stage]) -> None:
        self.stages = list(stages)
        for stage, after in zip(self.stages, self.stages[1:], strict=False):
            stage.next = after

    def feed(self, frame: Frame) -> None:
        self.stages[0].handle(frame)

    def audio(self, pcm: bytes) -> None:
        self.stages[0].on_audio(pcm)

    async def close(self) -> None:
        for stage in self.stages:
            await stage.close()
