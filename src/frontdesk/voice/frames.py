"""Frames: what flows between the stages of a call's pipeline, after pipecat's frame model.

Three kinds. System frames (interruption, end, turn boundaries) are never dropped and are handled
at once. Data frames (audio, text) and control frames (the start and end of a reply) belong to
the reply in flight and are dropped when the caller interrupts, unless marked
`Uninterruptible` (tool results, the end of the call).

Inbound caller audio does not travel as frame objects: a transport hands each 20 ms of PCM to
`Stage.on_audio` directly, so the hot path allocates no Python object per frame.
`InputAudioFrame` exists for tests and for stages fed from files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    SYSTEM = "system"
    DATA = "data"
    CONTROL = "control"


@dataclass(slots=True)
class Frame:
    kind = Kind.DATA


class Uninterruptible:
    """A frame that survives an interruption."""


# -- system frames ------------------------------------------------------------------------------


@dataclass(slots=True)
class SystemFrame(Frame):
    kind = Kind.SYSTEM


@dataclass(slots=True)
class UserStartedSpeakingFrame(SystemFrame):
    at: float  # loop time of the first speech frame


@dataclass(slots=True)
class UserStoppedSpeakingFrame(SystemFrame):
    at: float  # loop time when the silence was long enough
    last_speech_at: float  # loop time of the last speech frame
    audio: bytes = b""  # the utterance, PCM16 at the pipeline's rate


@dataclass(slots=True)
class InterruptionFrame(SystemFrame):
    """The caller talked over the agent: everything in flight for the reply is cancelled."""


@dataclass(slots=True)
class DTMFFrame(SystemFrame):
    digit: str


@dataclass(slots=True)
class MarkFrame(SystemFrame):
    """A transport reports that the audio sent before mark `name` has been played."""

    name: str


@dataclass(slots=True)
class EndFrame(SystemFrame, Uninterruptible):
    reason: str
    detail: str | None = None


# -- data frames --------------------------------------------------------------------------------


@dataclass(slots=True)
class InputAudioFrame(Frame):
    pcm: bytes


@dataclass(slots=True)
class TranscriptionFrame(Frame):
    text: str
    final: bool = True
    stt_ms: float = 0.0
    speech_end_at: float | None = None  # the utterance's last speech frame (loop time)
    turn_end_at: float | None = None  # when the silence after it was long enough
    speech_ms: float = 0.0  # how long the utterance was


@dataclass(slots=True)
class TextFrame(Frame):
    """A piece of the agent's reply as the model streams it."""

    text: str


@dataclass(slots=True)
class SentenceFrame(Frame):
    """A whole sentence of the reply, ready for TTS."""

    text: str


@dataclass(slots=True)
class TTSAudioFrame(Frame):
    pcm: bytes  # PCM16 at the pipeline's output rate
    reply_id: int
    sentence: int  # index of the sentence in the reply


# -- control frames -----------------------------------------------------------------------------


@dataclass(slots=True)
class ControlFrame(Frame):
    kind = Kind.CONTROL


@dataclass(slots=True)
class ReplyStartFrame(ControlFrame):
    """The agent starts a reply (to a turn, a greeting or a reminder)."""

    reply_id: int
    reason: str = "turn"


@dataclass(slots=True)
class ReplyEndFrame(ControlFrame, Uninterruptible):
    """The reply's text is complete. Every reply ends with one, also when it was stopped by an
    interruption (`stopped`); `end_call` asks to hang up once it has been spoken."""

    reply_id: int
    end_call: bool = False
    stopped: bool = False
    transfer_to: str | None = None  # hand the call to this number once the reply is spoken


@dataclass(slots=True)
class TTSSentenceStartFrame(ControlFrame):
    reply_id: int
    sentence: int
    text: str


@dataclass(slots=True)
class TTSSentenceEndFrame(ControlFrame):
    reply_id: int
    sentence: int


@dataclass(slots=True)
class ToolResultFrame(ControlFrame, Uninterruptible):
    record: dict[str, object] = field(default_factory=dict)


def survives_interruption(frame: Frame) -> bool:
    return frame.kind is Kind.SYSTEM or isinstance(frame, Uninterruptible)
