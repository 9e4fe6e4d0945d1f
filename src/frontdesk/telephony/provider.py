"""What Frontdesk needs of a phone network: place a call whose audio comes back as a Media
Stream, hang up, transfer, send a text, list the account's numbers.

`simulated` (the embedded default) is a phone network inside Frontdesk; `twilio` is Twilio's REST
API. Both report a call's progress through `frontdesk.calls.progress.report` (Twilio through its
status callbacks) and connect answered calls to `/telephony/twilio/media`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from frontdesk.errors import AppError


class TelephonyError(AppError):
    status = 502
    code = "TELEPHONY_ERROR"


@dataclass(frozen=True)
class OutboundCall:
    """What placing a call needs: who to call, from which number, where the audio goes (a Media
    Streams WebSocket, with parameters for the `start` message) and where statuses go."""

    to: str
    from_: str
    stream_url: str
    parameters: dict[str, str] = field(default_factory=dict)
    status_url: str = ""
    timeout_seconds: int = 30  # ring this long before giving up (no answer)


@dataclass(frozen=True)
class SentText:
    """A text the network took: its id there, and its status (`sent`, or already `delivered`
    or `undelivered` on a network that knows at once)."""

    sid: str
    status: str = "sent"


class TelephonyProvider(Protocol):
    name: str

    async def place_call(self, call: OutboundCall) -> str:
        """Start dialing; returns the provider's id for the call."""
        ...

    async def hang_up(self, provider_call_id: str) -> None: ...

    async def transfer(self, provider_call_id: str, to: str) -> None:
        """Hand the live call to another number (its media stream ends)."""

    async def send_sms(self, to: str, from_: str, body: str, status_url: str = "") -> SentText:
        """Hand a text to the network; what becomes of it later goes to `status_url`."""
        ...

    async def numbers(self) -> list[str]:
        """The account's phone numbers (E.164)."""
        ...
