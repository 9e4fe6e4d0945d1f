"""Twilio's side of phone calls: request signatures, TwiML, and call statuses.

Twilio signs every webhook with `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the
account's auth token, over the full URL it requested followed by each POST parameter's name and
value, sorted by name. The URL is the one under `FRONTDESK_PUBLIC_URL` (what Twilio was given).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from xml.sax.saxutils import quoteattr

from frontdesk.kit.crypto import constant_time_equals

# Twilio's CallStatus values and the call statuses of the API.
STATUSES = {
    "queued": "queued",
    "initiated": "initiated",
    "ringing": "initiated",
    "in-progress": "in_progress",
    "completed": "completed",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "failed",
}

# Twilio's MessageStatus values and the statuses of a text here: `sent` once the network has it.
TEXT_STATUSES = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "receiving": "received",
    "received": "received",
}


def signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_signature(url: str, params: Mapping[str, str], auth_token: str, given: str) -> bool:
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header may carry.
    return constant_time_equals(signature(url, params, auth_token), given or "")


def stream_twiml(websocket_url: str, parameters: Mapping[str, str]) -> str:
    """Answer a call by connecting its audio both ways to our Media Streams WebSocket."""
    params = "".join(
        f"<Parameter name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in parameters.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={quoteattr(websocket_url)}>{params}</Stream></Connect>"
        "</Response>"
    )


def say_and_hang_up(text: str) -> str:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Say>{escape(text)}</Say><Hangup/></Response>"
    )


def empty_twiml() -> str:
    """Nothing to do now (a text's answer goes out through the REST API)."""
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def reject_twiml() -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>'
