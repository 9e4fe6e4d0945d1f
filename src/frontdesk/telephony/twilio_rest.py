"""Twilio's REST API as a `TelephonyProvider`: outbound calls whose audio comes back as a Media
Stream, hang-ups, transfers, texts and the account's numbers.

Requests are form-encoded with HTTP basic auth (account SID, auth token) under
`/2010-04-01/Accounts/{AccountSid}/`; Twilio answers JSON, and errors as
`{"code", "message", "more_info", "status"}`. Every URL passes the SSRF guard first, since the
base URL is configurable.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx

from frontdesk.kit import ssrf
from frontdesk.telephony.provider import OutboundCall, SentText, TelephonyError
from frontdesk.telephony.twilio import TEXT_STATUSES, stream_twiml

API_VERSION = "2010-04-01"
TIMEOUT_SECONDS = 10.0
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
MAX_PAGES = 200  # a runaway pagination loop stops here rather than spinning forever


def dial_twiml(to: str) -> str:
    """Replace a live call's TwiML with a dial to `to` (its Media Stream ends)."""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Dial>{escape(to)}</Dial></Response>'


class TwilioProvider:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        http: httpx.AsyncClient,
        base_url: str = "https://api.twilio.com",
        allow_private: bool = False,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._allow_private = allow_private

    async def place_call(self, call: OutboundCall) -> str:
        form: dict[str, str | list[str]] = {
            "To": call.to,
            "From": call.from_,
            "Twiml": stream_twiml(call.stream_url, call.parameters),
            "Timeout": str(call.timeout_seconds),
        }
        if call.status_url:
            form |= {
                "StatusCallback": call.status_url,
                "StatusCallbackMethod": "POST",
                "StatusCallbackEvent": STATUS_EVENTS,
            }
        created = await self._request("POST", self._url("Calls.json"), form)
        return self._sid(created, "call")

    async def hang_up(self, provider_call_id: str) -> None:
        await self._request("POST", self._call_url(provider_call_id), {"Status": "completed"})

    async def transfer(self, provider_call_id: str, to: str) -> None:
        await self._request("POST", self._call_url(provider_call_id), {"Twiml": dial_twiml(to)})

    async def send_sms(self, to: str, from_: str, body: str, status_url: str = "") -> SentText:
        form: dict[str, str | list[str]] = {"To": to, "From": from_, "Body": body}
        if status_url:
            form["StatusCallback"] = status_url
        created = await self._request("POST", self._url("Messages.json"), form)
        status = TEXT_STATUSES.get(str(created.get("status")), "sent")
        return SentText(self._sid(created, "message"), status)

    async def numbers(self) -> list[str]:
        found: list[str] = []
        url: str | None = self._url("IncomingPhoneNumbers.json")
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            page = await self._request("GET", url)
            found += [str(n["phone_number"]) for n in page.get("incoming_phone_numbers", [])]
            next_page = page.get("next_page_uri")
            # Twilio gives a path; joining it to our base keeps every page on the same host.
            url = f"{self._base_url}/{str(next_page).lstrip('/')}" if next_page else None
        raise TelephonyError(f"Twilio listed more than {MAX_PAGES} pages of phone numbers")

    # -- plumbing -------------------------------------------------------------------------------

    def _url(self, resource: str) -> str:
        account = quote(self._account_sid, safe="")
        return f"{self._base_url}/{API_VERSION}/Accounts/{account}/{resource}"

    def _call_url(self, provider_call_id: str) -> str:
        return self._url(f"Calls/{quote(provider_call_id, safe='')}.json")

    def _sid(self, resource: dict[str, Any], kind: str) -> str:
        sid = resource.get("sid")
        if not isinstance(sid, str) or not sid:
            raise TelephonyError(f"Twilio accepted the {kind} but its answer had no sid")
        return sid

    def _redact(self, text: str) -> str:
        return text.replace(self._auth_token, "[auth token]") if self._auth_token else text

    async def _request(
        self, method: str, url: str, form: dict[str, str | list[str]] | None = None
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                await ssrf.check_url(url, self._allow_private)
                response = await self._http.request(
                    method,
                    url,
                    data=form,
                    auth=(self._account_sid, self._auth_token),
                    headers={"Accept": "application/json"},
                    timeout=TIMEOUT_SECONDS,
                    follow_redirects=False,
                )
        except ssrf.UnsafeURL as exc:
            raise TelephonyError(
                f"Frontdesk will not call Twilio's API at {self._base_url}: {exc}"
            ) from None
        except (TimeoutError, httpx.TimeoutException):
            raise TelephonyError(
                f"Twilio did not answer within {TIMEOUT_SECONDS:g} seconds; try again later"
            ) from None
        except httpx.HTTPError as exc:
            reason = self._redact(str(exc)) or type(exc).__name__
            raise TelephonyError(f"Could not reach Twilio at {self._base_url}: {reason}") from None
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 401:
            raise TelephonyError(
                f"Twilio refused the credentials for account {self._account_sid}: check the "
                "workspace's Twilio account SID and auth token",
                details={"twilio_code": _field(body, "code"), "http_status": 401},
            )
        if response.status_code >= 400:
            code, message = _field(body, "code"), _field(body, "message")
            more = _field(body, "more_info")
            text = f"Twilio error {code}: {message}" if code else f"Twilio error: {message}"
            if message is None:
                text = f"Twilio answered HTTP {response.status_code} without an error description"
            if more:
                text += f" (see {more})"
            raise TelephonyError(
                self._redact(text),
                details={"twilio_code": code, "http_status": response.status_code},
            )
        if not isinstance(body, dict):
            raise TelephonyError(f"Twilio answered HTTP {response.status_code} without JSON")
        return body


def _field(body: object, key: str) -> Any:
    return body.get(key) if isinstance(body, dict) else None
