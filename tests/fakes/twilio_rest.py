"""A stand-in for Twilio's REST API (a paid API), speaking its wire format: basic auth with the
account SID and auth token, form-encoded requests under `/2010-04-01/Accounts/{sid}/`, JSON
resources, and errors as `{"code", "message", "more_info", "status"}`.

It places calls the way Twilio does towards Frontdesk: signed status callbacks for the events
asked for (the final one always), and for an answered call the `<Connect><Stream>` of its TwiML
opened with `TwilioCaller`, the callee speaking a script. What each dialed number does is set per
test in `callees` (answer, busy, no-answer, failed). Every request is recorded."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.exceptions import WebSocketException

from frontdesk.telephony import twilio
from tests.fakes.twilio_caller import TwilioCaller
from tests.fixtures.loopback import LoopbackServer

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
ACCOUNT = "/2010-04-01/Accounts/{account}"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
EVENTS = {"initiated", "ringing", "answered", "completed"}
MAX_TWIML = 4000  # characters; Twilio refuses longer inline TwiML (error 32018)
Form = dict[str, list[str]]


class TwilioFailure(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self) -> JSONResponse:
        more_info = f"https://www.twilio.com/docs/errors/{self.code}"
        body = {"code": self.code, "message": self.message, "more_info": more_info}
        return JSONResponse({**body, "status": self.status}, status_code=self.status)


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def checked_twiml(twiml: str) -> str:
    if len(twiml) > MAX_TWIML:
        raise TwilioFailure(32018, "Twiml size exceeded maximum allowed value of 4000")
    try:
        ElementTree.fromstring(twiml)
    except ElementTree.ParseError as exc:
        raise TwilioFailure(12100, f"Document parse failure: {exc}") from None
    return twiml


def stream_in(twiml: str) -> tuple[str, dict[str, str]] | None:
    """The URL and custom parameters of a `<Connect><Stream>`, if the TwiML has one."""
    stream = ElementTree.fromstring(twiml).find("./Connect/Stream")
    if stream is None:
        return None
    parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url", ""), parameters


def dial_in(twiml: str) -> str | None:
    dial = ElementTree.fromstring(twiml).find("./Dial")
    if dial is None:
        return None
    number = dial.find("Number")
    return ((number.text if number is not None else dial.text) or "").strip()


@dataclass
class Callee:
    """What the person at a dialed number does."""

    scenario: Literal["answer", "busy", "no-answer", "failed"] = "answer"
    script: list[bytes] = field(default_factory=list)  # PCM16 8 kHz, one per turn
    hang_up_after: float | None = None  # seconds after answering
    ring_seconds: float | None = None  # the fake's ring_seconds when None
    no_answer_after: float | None = None  # the call's Timeout when None
    reply_within: float = 10.0  # how long the callee waits for the agent's reply
    wait_for_greeting: bool = False  # let the agent speak first


@dataclass
class Recorded:
    method: str
    path: str
    form: Form
    query: dict[str, str]

    def value(self, key: str) -> str | None:
        return self.form[key][0] if self.form.get(key) else None


@dataclass
class Callback:
    url: str
    params: dict[str, str]
    status_code: int | None  # None when the receiver could not be reached


@dataclass
class FakeCall:
    sid: str
    to: str
    from_: str
    twiml: str
    status_callback: str
    events: set[str]
    timeout: float
    time_limit: float
    status: str = "queued"
    created: str = field(default_factory=_now)
    answered_at: float | None = None
    duration: int | None = None
    twiml_version: int = 0
    transferred_to: str | None = None
    stream_url: str | None = None
    stream_error: str | None = None
    caller: TwilioCaller | None = None
    callbacks: list[Callback] = field(default_factory=list)
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)
    stream_end: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ended(self) -> bool:
        return self.status in ("completed", "busy", "no-answer", "failed", "canceled")

    def statuses(self) -> list[str]:
        return [c.params["CallStatus"] for c in self.callbacks]


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None = None
    callbacks: list[Callback] = field(default_factory=list)


# Twilio's Advanced Opt-Out keywords (the whole body, any case).
OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
OPT_IN_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}


@dataclass
class FakeTwilio(LoopbackServer):
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    numbers: list[str] = field(default_factory=lambda: ["+14155550100"])
    page_size: int = 50  # IncomingPhoneNumbers per page when the request gives no PageSize
    callees: dict[str, Callee] = field(default_factory=dict)
    ring_seconds: float = 0.3
    transfer_seconds: float = 0.3  # how long a transferred call lasts before it completes
    stream_base: str | None = None  # e.g. ws://127.0.0.1:PORT: replaces the stream URL's origin
    requests: list[Recorded] = field(default_factory=list)
    calls: dict[str, FakeCall] = field(default_factory=dict)
    messages: list[SentMessage] = field(default_factory=list)
    undeliverable: set[str] = field(default_factory=set)  # texts to these end `undelivered`
    opted_out: set[str] = field(default_factory=set)  # numbers that texted STOP to the account
    transfers: list[tuple[str, str]] = field(default_factory=list)  # (call sid, number)
    errors: list[BaseException] = field(default_factory=list)  # the fake's own failures
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(suffix)]

    def _resource(self, kind: str, sid: str, **fields: object) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/{kind}/{sid}.json"
        common = {"sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01"}
        return {**common, "date_created": _now(), "uri": uri, "price": None, **fields}

    def _call_resource(self, call: FakeCall) -> dict[str, Any]:
        duration = None if call.duration is None else str(call.duration)
        fields: dict[str, object] = {"to": call.to, "from": call.from_, "direction": "outbound-api"}
        fields |= {"status": call.status, "duration": duration, "date_created": call.created}
        return self._resource("Calls", call.sid, **fields)

    # -- the API --------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        async def not_found(request: Request, exc: Exception) -> Response:
            if isinstance(exc, HTTPException) and exc.status_code == 405:
                return TwilioFailure(20004, "Method not allowed", 405).response()
            message = f"The requested resource {request.url.path} was not found"
            return TwilioFailure(20404, message, 404).response()

        routes = [
            Route(f"{ACCOUNT}/Calls.json", self._endpoint(self._create_call), methods=["POST"]),
            Route(
                f"{ACCOUNT}/Calls/{{sid}}.json",
                self._endpoint(self._update_call),
                methods=["GET", "POST"],
            ),
            Route(f"{ACCOUNT}/Messages.json", self._endpoint(self._send_message), methods=["POST"]),
            Route(f"{ACCOUNT}/IncomingPhoneNumbers.json", self._endpoint(self._list_numbers)),
        ]
        return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})

    def _endpoint(
        self, handler: Callable[[Request, Form], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            form: Form = {}
            if request.method == "POST":
                for key, value in (await request.form()).multi_items():
                    form.setdefault(key, []).append(str(value))
            query = dict(request.query_params)
            self.requests.append(Recorded(request.method, request.url.path, form, query))
            try:
                self._authenticate(request)
                return await handler(request, form)
            except TwilioFailure as failure:
                response = failure.response()
                if failure.status == 401:
                    response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
                return response

        return endpoint

    def _authenticate(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            user = password = ""
        ok = (
            scheme.lower() == "basic"
            and hmac.compare_digest(user.encode(), self.account_sid.encode())
            and hmac.compare_digest(password.encode(), self.auth_token.encode())
            and request.path_params.get("account") == self.account_sid
        )
        if not ok:
            raise TwilioFailure(20003, "Authenticate", 401)

    def _number(self, form: Form, key: str, missing: int, invalid: int) -> str:
        value = form[key][0] if form.get(key) else ""
        if not value:
            raise TwilioFailure(missing, f"A '{key}' phone number is required.")
        if not E164.match(value):
            raise TwilioFailure(invalid, f"The '{key}' number {value} is not a valid phone number.")
        return value

    def _call_form(self, form: Form) -> tuple[str, set[str], float, float]:
        twiml = form.get("Twiml", [""])[0]
        if not twiml:
            raise TwilioFailure(21205, "Url parameter is required (this fake runs Twiml only).")
        checked_twiml(twiml)
        events = {e for value in form.get("StatusCallbackEvent", []) for e in value.split()}
        if events - EVENTS:
            raise TwilioFailure(21626, f"Invalid 'StatusCallbackEvent': {sorted(events - EVENTS)}")
        if form.get("StatusCallbackMethod", ["POST"])[0].upper() != "POST":
            raise TwilioFailure(20001, "This fake sends status callbacks with POST only.")
        try:
            timeout = min(int(form.get("Timeout", ["60"])[0]), 600)
            time_limit = int(form.get("TimeLimit", ["14400"])[0])
        except ValueError:
            raise TwilioFailure(20001, "Timeout and TimeLimit must be integers.") from None
        return twiml, events, timeout, time_limit

    async def _create_call(self, request: Request, form: Form) -> Response:
        to = self._number(form, "To", 21201, 21211)
        from_ = self._number(form, "From", 21213, 21212)
        if from_ not in self.numbers:
            raise TwilioFailure(
                21210, f"The source phone number provided, {from_}, is not yet verified."
            )
        twiml, events, timeout, time_limit = self._call_form(form)
        callback = form.get("StatusCallback", [""])[0]
        call = FakeCall(
            "CA" + uuid.uuid4().hex, to, from_, twiml, callback, events, timeout, time_limit
        )
        self.calls[call.sid] = call
        task = asyncio.create_task(self._run_call(call))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return JSONResponse(self._call_resource(call), status_code=201)

    async def _update_call(self, request: Request, form: Form) -> Response:
        call = self.calls.get(request.path_params["sid"])
        if call is None:
            raise TwilioFailure(
                20404, f"The requested resource {request.url.path} was not found", 404
            )
        status, twiml = form.get("Status", [""])[0], form.get("Twiml", [""])[0]
        if status in ("completed", "canceled"):
            # `canceled` only stops a call that has not been answered yet.
            if not call.ended and (status == "completed" or call.answered_at is None):
                call.hung_up.set()
                call.stream_end.set()
        elif status:
            raise TwilioFailure(20001, f"Invalid Status {status}: use completed or canceled.")
        elif twiml:
            if call.ended:
                raise TwilioFailure(21220, "Call is not in-progress. Cannot redirect.")
            # Replacing the TwiML of an answered call ends what it was running (the stream).
            call.twiml, call.twiml_version = checked_twiml(twiml), call.twiml_version + 1
            call.stream_end.set()
        return JSONResponse(self._call_resource(call))

    async def _send_message(self, request: Request, form: Form) -> Response:
        to = self._number(form, "To", 21604, 21211)
        from_ = self._number(form, "From", 21603, 21212)
        if from_ not in self.numbers:
            raise TwilioFailure(
                21606,
                f"The From phone number {from_} is not a valid, SMS-capable inbound "
                "phone number or short code for your account.",
            )
        body = form.get("Body", [""])[0]
        if not body:
            raise TwilioFailure(21602, "Message body is required.")
        if len(body) > 1600:
            raise TwilioFailure(21617, "The concatenated message body exceeds the 1600 limit.")
        if to in self.opted_out:
            raise TwilioFailure(21610, "Attempt to send to unsubscribed recipient")
        callback = form.get("StatusCallback", [None])[0]
        message = SentMessage("SM" + uuid.uuid4().hex, to, from_, body, callback)
        self.messages.append(message)
        if callback:
            task = asyncio.create_task(self._report_text(message))
            self._tasks.add(task)
            task.add_done_callback(self._done)
        fields = {"to": to, "from": from_, "body": body, "direction": "outbound-api"}
        segments = str(math.ceil(len(body) / 160))
        resource = self._resource(
            "Messages", message.sid, **fields, status="queued", num_segments=segments
        )
        return JSONResponse(resource, status_code=201)

    async def _list_numbers(self, request: Request, form: Form) -> Response:
        try:
            size = max(1, min(int(request.query_params.get("PageSize", self.page_size)), 1000))
            page = max(0, int(request.query_params.get("Page", "0")))
        except ValueError:
            raise TwilioFailure(20001, "PageSize and Page must be integers.") from None
        chosen = self.numbers[page * size : (page + 1) * size]
        path = request.url.path

        def page_uri(number: int) -> str:
            before = self.numbers[number * size - 1] if number else None
            token = f"&PageToken=PA{_number_sid(before)}" if before else ""
            return f"{path}?PageSize={size}&Page={number}{token}"

        has_next = (page + 1) * size < len(self.numbers)
        body = {
            "incoming_phone_numbers": [self._number_resource(n) for n in chosen],
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(len(chosen) - 1, 0),
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if has_next else None,
            "previous_page_uri": page_uri(page - 1) if page else None,
        }
        return JSONResponse(body)

    def _number_resource(self, number: str) -> dict[str, Any]:
        capabilities = {"voice": True, "sms": True, "mms": True, "fax": False}
        sid = _number_sid(number)
        return self._resource(
            "IncomingPhoneNumbers", sid, phone_number=number, capabilities=capabilities
        )

    # -- texts ------------------------------------------------------------------------------------

    async def _report_text(self, message: SentMessage) -> None:
        """`sent`, then `delivered` (or `undelivered`, error 30003), like Twilio's callbacks."""
        final = "undelivered" if message.to in self.undeliverable else "delivered"
        for status in ("sent", final):
            await asyncio.sleep(0.05)
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "MessageSid": message.sid,
                "SmsSid": message.sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "To": message.to,
                "From": message.from_,
            }
            if status == "undelivered":
                params["ErrorCode"] = "30003"
            message.callbacks.append(await self._post_signed(str(message.status_callback), params))

    async def text(self, webhook_url: str, from_: str, to: str, body: str) -> Callback:
        """A phone texts one of the account's numbers: Twilio's signed messaging webhook (and
        its Advanced Opt-Out: STOP and START are noted for the account)."""
        word = body.strip().upper()
        if word in OPT_OUT_WORDS:
            self.opted_out.add(from_)
        elif word in OPT_IN_WORDS:
            self.opted_out.discard(from_)
        sid = "SM" + uuid.uuid4().hex
        params = {
            "ToCountry": "US",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": body,
            "To": to,
            "NumSegments": str(max(1, math.ceil(len(body) / 160))),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "ApiVersion": "2010-04-01",
        }
        return await self._post_signed(webhook_url, params)

    async def _post_signed(self, url: str, params: dict[str, str]) -> Callback:
        headers = {"X-Twilio-Signature": twilio.signature(url, params, self.auth_token)}
        try:
            async with httpx.AsyncClient(timeout=15) as http:
                code: int | None = (await http.post(url, data=params, headers=headers)).status_code
        except httpx.HTTPError:
            code = None
        return Callback(url, params, code)

    # -- the call, in the background ------------------------------------------------------------

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            self.errors.append(failure)

    async def _run_call(self, call: FakeCall) -> None:
        callee = self.callees.get(call.to, Callee())
        await self._notify(call, "initiated")
        final = await self._dial(call, callee)
        call.duration = math.ceil(time.monotonic() - call.answered_at) if call.answered_at else 0
        await self._notify(call, final)

    async def _dial(self, call: FakeCall, callee: Callee) -> str:
        """Ring the callee; the call's final status."""
        if callee.scenario in ("busy", "failed"):
            return callee.scenario
        await self._notify(call, "ringing")
        ring = self.ring_seconds if callee.ring_seconds is None else callee.ring_seconds
        answers = callee.scenario == "answer" and ring < call.timeout
        if not answers:
            given_up = callee.no_answer_after
            ring = call.timeout if given_up is None else min(given_up, call.timeout)
        if await _set_within(call.hung_up, ring):
            return "canceled"
        if not answers:
            return "no-answer"
        call.answered_at = time.monotonic()
        await self._notify(call, "in-progress")
        await self._run_twiml(call, callee)
        return "completed"

    async def _run_twiml(self, call: FakeCall, callee: Callee) -> None:
        """Run the call's TwiML until it has nothing left, as updates replace it."""
        while not call.hung_up.is_set():
            call.stream_end.clear()
            version = call.twiml_version
            dialed = dial_in(call.twiml)
            if dialed is not None:
                call.transferred_to = dialed
                self.transfers.append((call.sid, dialed))
                await _set_within(call.hung_up, self.transfer_seconds)
                return
            stream = stream_in(call.twiml)
            if stream is None:
                return  # other verbs are not run by this fake: the call simply ends
            call.stream_url = self._rewrite(stream[0])
            await self._converse(call, callee, call.stream_url, stream[1])
            if call.twiml_version == version:
                return

    def _rewrite(self, url: str) -> str:
        if self.stream_base is None:
            return url
        parts, base = urlsplit(url), urlsplit(self.stream_base)
        return parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()

    async def _converse(
        self, call: FakeCall, callee: Callee, url: str, parameters: dict[str, str]
    ) -> None:
        caller = TwilioCaller(url, parameters, call_sid=call.sid, account_sid=self.account_sid)
        async with contextlib.AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(caller)
            except (OSError, WebSocketException) as exc:
                # Twilio logs error 31920 and runs the next verb; there is none, so it hangs up.
                call.stream_error = repr(exc)
                return
            call.caller = caller
            waiters: list[asyncio.Task[Any]] = [
                asyncio.create_task(caller.wait_closed(within=call.time_limit)),
                asyncio.create_task(call.stream_end.wait()),
            ]
            if callee.script:
                waiters.append(asyncio.create_task(_speak(caller, callee)))
            limit = call.time_limit
            if callee.hang_up_after is not None:
                limit = min(limit, callee.hang_up_after)
            try:
                await asyncio.wait(waiters, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
                await asyncio.gather(*waiters, return_exceptions=True)

    async def _notify(self, call: FakeCall, status: str) -> None:
        """Send the status callback for this status if it was asked for (the final one always)."""
        call.status = status
        event = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}
        wanted = call.events | {"completed"}
        if not call.status_callback or event.get(status, "completed") not in wanted:
            return
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "To": call.to,
            "From": call.from_,
            "Direction": "outbound-api",
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(len(call.callbacks)),
            "Timestamp": _now(),
        }
        if call.ended:
            params["CallDuration"] = str(call.duration or 0)
        url = call.status_callback
        headers = {"X-Twilio-Signature": twilio.signature(url, params, self.auth_token)}
        try:
            async with httpx.AsyncClient(timeout=15) as http:
                code: int | None = (await http.post(url, data=params, headers=headers)).status_code
        except httpx.HTTPError:
            code = None  # Twilio logs error 15003 and carries on with the call
        call.callbacks.append(Callback(url, params, code))


async def _speak(caller: TwilioCaller, callee: Callee) -> None:
    """Each utterance once the agent has finished its turn; done once it answers the last."""
    if callee.wait_for_greeting:
        await caller.wait_for_audio(0.0, within=callee.reply_within)
    for utterance in callee.script:
        await caller.wait_until_quiet(within=callee.reply_within)
        said_at = await caller.say(utterance)
        await caller.wait_for_audio(said_at, within=callee.reply_within)
    await caller.wait_until_quiet(within=callee.reply_within)


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True


def _number_sid(number: str) -> str:
    return "PN" + hashlib.md5(number.encode()).hexdigest()
