"""Twilio's REST API as Frontdesk's telephony provider, against a fake of Twilio that speaks its
wire format and places calls as Twilio does: signed status callbacks and, once answered, the Media
Stream of the call's TwiML opened to a local WebSocket."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from frontdesk.telephony import twilio, twilio_rest
from frontdesk.telephony.provider import OutboundCall, TelephonyError
from frontdesk.telephony.twilio_rest import TwilioProvider, dial_twiml
from frontdesk.voice import audio
from tests.fakes.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, Callee, FakeTwilio, dial_in, stream_in
from tests.fixtures.loopback import LoopbackServer

OURS = "+14155550100"
CALLEE = "+14155550123"
PUBLIC_MEDIA_URL = "wss://voice.example.test/telephony/twilio/media"
PARAMETERS = {"call_id": "0b7c1f52", "token": "a.b&c<d"}
SILENCE = b"\xff" * 160


@dataclass
class Site(LoopbackServer):
    """Where Frontdesk would be: a status callback receiver and a Media Streams endpoint that
    records what Twilio sends, and, when told, answers the caller once they stop talking or hangs
    up at once."""

    callbacks: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    streams: list[list[dict[str, Any]]] = field(default_factory=list)
    reply: bytes = b""  # μ-law sent back after the caller's speech
    close_after_start: bool = False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def statuses(self) -> list[str]:
        return [params["CallStatus"] for _, params, _ in self.callbacks]

    def _app(self) -> Starlette:
        async def status(request: Request) -> Response:
            form = {k: str(v) for k, v in (await request.form()).items()}
            signature = request.headers.get("x-twilio-signature", "")
            self.callbacks.append((str(request.url), form, signature))
            return Response("<Response/>", media_type="application/xml")

        async def media(ws: WebSocket) -> None:
            await ws.accept()
            received: list[dict[str, Any]] = []
            self.streams.append(received)
            with contextlib.suppress(WebSocketDisconnect):
                await self._listen(ws, received)

        return Starlette(
            routes=[
                Route("/status", status, methods=["POST"]),
                WebSocketRoute("/telephony/twilio/media", media),
            ]
        )

    async def _listen(self, ws: WebSocket, received: list[dict[str, Any]]) -> None:
        heard_speech = False
        while True:
            event = json.loads(await ws.receive_text())
            received.append(event)
            if event["event"] == "start" and self.close_after_start:
                await ws.close()
                return
            if event["event"] != "media" or not self.reply:
                continue
            if base64.b64decode(event["media"]["payload"]) != SILENCE:
                heard_speech = True
            elif heard_speech:
                heard_speech = False
                await asyncio.sleep(0.2)  # the agent's end-of-turn pause
                for start in range(0, len(self.reply), 160):
                    payload = base64.b64encode(self.reply[start : start + 160]).decode()
                    await ws.send_json({"event": "media", "media": {"payload": payload}})


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio(numbers=[OURS, "+14155550101", "+14155550102"], ring_seconds=0.1)
    server.start()
    yield server
    server.stop()
    assert server.errors == []


@pytest.fixture
def site(fake: FakeTwilio) -> Iterator[Site]:
    server = Site().start()
    fake.stream_base = f"ws://127.0.0.1:{server.port}"
    yield server
    server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def provider(fake: FakeTwilio, http: httpx.AsyncClient) -> TwilioProvider:
    return TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, http, fake.base_url, allow_private=True)


def outbound(site: Site | None = None, to: str = CALLEE) -> OutboundCall:
    status_url = site.url("/status?call=0b7c1f52") if site else "https://voice.example.test/s"
    return OutboundCall(to, OURS, PUBLIC_MEDIA_URL, PARAMETERS, status_url, timeout_seconds=25)


def check_signatures(site: Site) -> None:
    for url, params, signature in site.callbacks:
        assert url.endswith("/status?call=0b7c1f52")
        assert twilio.valid_signature(url, params, AUTH_TOKEN, signature), params
        assert not twilio.valid_signature(url, params, "another-token", signature)


def events(site: Site, index: int = 0) -> list[str]:
    return [message["event"] for message in site.streams[index]]


async def test_place_call_sends_the_call_form(fake: FakeTwilio, provider: TwilioProvider) -> None:
    fake.callees[CALLEE] = Callee(scenario="busy")  # nothing to stream to in this test
    sid = await provider.place_call(outbound())
    assert sid.startswith("CA")
    assert len(sid) == 34
    (request,) = fake.requests_to("/Calls.json")
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    assert request.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert request.value("To") == CALLEE
    assert request.value("From") == OURS
    assert request.value("Timeout") == "25"
    assert request.value("StatusCallback") == "https://voice.example.test/s"
    assert request.value("StatusCallbackMethod") == "POST"
    assert stream_in(request.value("Twiml") or "") == (PUBLIC_MEDIA_URL, PARAMETERS)


async def test_an_answered_call_streams_and_reports_signed_statuses(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    sid = await provider.place_call(outbound(site))
    await eventually(lambda: bool(site.streams) and "media" in events(site))
    connected, start = site.streams[0][:2]
    assert connected["event"] == "connected"
    assert start["start"]["customParameters"] == PARAMETERS
    assert start["start"]["callSid"] == sid
    assert start["start"]["accountSid"] == ACCOUNT_SID
    assert site.statuses() == ["initiated", "ringing", "in-progress"]

    await provider.hang_up(sid)
    await eventually(lambda: site.statuses()[-1:] == ["completed"])
    assert fake.requests_to(f"/Calls/{sid}.json")[0].form == {"Status": ["completed"]}
    assert events(site)[-1] == "stop"
    check_signatures(site)
    params = [p for _, p, _ in site.callbacks]
    assert [p["SequenceNumber"] for p in params] == ["0", "1", "2", "3"]
    assert all(p["CallSid"] == sid and p["AccountSid"] == ACCOUNT_SID for p in params)
    assert all(p["To"] == CALLEE and p["From"] == OURS for p in params)
    assert all(p["Direction"] == "outbound-api" for p in params)
    assert all(parsedate_to_datetime(p["Timestamp"]) for p in params)
    assert "CallDuration" not in params[2]
    assert int(params[3]["CallDuration"]) >= 1


@pytest.mark.parametrize(
    ("scenario", "statuses"),
    [
        ("busy", ["initiated", "busy"]),
        ("no-answer", ["initiated", "ringing", "no-answer"]),
        ("failed", ["initiated", "failed"]),
    ],
)
async def test_a_call_that_is_not_answered_reports_its_final_status(
    fake: FakeTwilio, site: Site, provider: TwilioProvider, scenario: Any, statuses: list[str]
) -> None:
    fake.callees[CALLEE] = Callee(scenario=scenario, no_answer_after=0.2)
    await provider.place_call(outbound(site))
    await eventually(lambda: site.statuses()[-1:] == statuses[-1:])
    await asyncio.sleep(0.1)
    assert site.statuses() == statuses
    assert site.callbacks[-1][1]["CallDuration"] == "0"
    check_signatures(site)
    assert site.streams == []


async def test_only_the_events_asked_for_are_reported(fake: FakeTwilio, site: Site) -> None:
    async with httpx.AsyncClient(auth=(ACCOUNT_SID, AUTH_TOKEN)) as raw:
        created = await raw.post(
            f"{fake.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
            data={
                "To": CALLEE,
                "From": OURS,
                "Twiml": "<Response><Hangup/></Response>",
                "StatusCallback": site.url("/status?call=0b7c1f52"),
            },
        )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "queued"
    assert created.json()["direction"] == "outbound-api"
    await eventually(lambda: site.statuses() == ["completed"])
    check_signatures(site)


async def test_the_callee_speaks_its_script_and_hangs_up(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    site.reply = audio.pcm16_to_ulaw(audio.tone(0.3, freq=300))
    fake.callees[CALLEE] = Callee(script=[audio.tone(0.4)], reply_within=5)
    await provider.place_call(outbound(site))
    await eventually(lambda: site.statuses()[-1:] == ["completed"])
    media = [m for m in site.streams[0] if m["event"] == "media"]
    spoken = [m for m in media if base64.b64decode(m["media"]["payload"]) != SILENCE]
    assert len(spoken) == 20  # 0.4 s in 20 ms frames
    assert events(site)[-1] == "stop"


async def test_the_call_completes_when_frontdesk_closes_the_stream(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    site.close_after_start = True
    sid = await provider.place_call(outbound(site))
    await eventually(lambda: site.statuses()[-1:] == ["completed"])
    assert fake.calls[sid].status == "completed"
    assert "CallDuration" in site.callbacks[-1][1]


async def test_the_callee_hangs_up_after_a_while(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    fake.callees[CALLEE] = Callee(hang_up_after=0.3)
    await provider.place_call(outbound(site))
    await eventually(lambda: site.statuses()[-1:] == ["completed"], within=5)
    assert events(site)[:2] == ["connected", "start"]
    assert events(site)[-1] == "stop"


async def test_hanging_up_while_it_rings_cancels_the_call(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    fake.callees[CALLEE] = Callee(ring_seconds=5)
    sid = await provider.place_call(outbound(site))
    await eventually(lambda: site.statuses() == ["initiated", "ringing"])
    await provider.hang_up(sid)
    await eventually(lambda: site.statuses()[-1:] == ["canceled"], within=2)
    assert site.streams == []


async def test_transfer_dials_the_number_and_ends_the_stream(
    fake: FakeTwilio, site: Site, provider: TwilioProvider
) -> None:
    fake.transfer_seconds = 1.0
    sid = await provider.place_call(outbound(site))
    await eventually(lambda: bool(site.streams) and "start" in events(site))
    await provider.transfer(sid, "+14155550199")
    (update,) = fake.requests_to(f"/Calls/{sid}.json")
    assert "<Dial>+14155550199</Dial>" in (update.value("Twiml") or "")
    await eventually(lambda: fake.transfers == [(sid, "+14155550199")])
    await eventually(lambda: events(site)[-1] == "stop")
    assert site.statuses()[-1] == "in-progress"  # the transferred call goes on a while
    await eventually(lambda: site.statuses()[-1:] == ["completed"])


def test_the_dial_twiml_escapes_the_target() -> None:
    target = "sip:alice@example.com?x=1&y=<2>"
    assert dial_in(dial_twiml(target)) == target


async def test_hang_up_of_an_unknown_call_names_twilios_error(provider: TwilioProvider) -> None:
    with pytest.raises(TelephonyError) as caught:
        await provider.hang_up("CA" + "f" * 32)
    assert "20404" in caught.value.message


async def test_send_sms(fake: FakeTwilio, provider: TwilioProvider) -> None:
    sent = await provider.send_sms(CALLEE, OURS, "Your appointment is at 3 pm.")
    sid = sent.sid
    assert sent.status == "sent"  # Twilio queued it
    assert sid.startswith("SM")
    assert len(sid) == 34
    (message,) = fake.messages
    assert (message.sid, message.to, message.from_, message.body) == (
        sid,
        CALLEE,
        OURS,
        "Your appointment is at 3 pm.",
    )


async def test_send_sms_from_a_number_not_on_the_account(provider: TwilioProvider) -> None:
    with pytest.raises(TelephonyError) as caught:
        await provider.send_sms(CALLEE, "+14155550999", "Hi")
    assert "21606" in caught.value.message


async def test_numbers_follow_the_pages(fake: FakeTwilio, provider: TwilioProvider) -> None:
    fake.page_size = 2
    assert await provider.numbers() == [OURS, "+14155550101", "+14155550102"]
    pages = fake.requests_to("/IncomingPhoneNumbers.json")
    assert [(r.method, r.query.get("Page")) for r in pages] == [("GET", None), ("GET", "1")]


async def test_refused_credentials(fake: FakeTwilio, http: httpx.AsyncClient) -> None:
    wrong = TwilioProvider(ACCOUNT_SID, "not-the-token", http, fake.base_url, allow_private=True)
    with pytest.raises(TelephonyError) as caught:
        await wrong.numbers()
    assert "credentials" in caught.value.message
    assert "not-the-token" not in str(caught.value)
    assert "not-the-token" not in json.dumps(caught.value.details)


async def test_twilio_400_names_the_code_and_message(provider: TwilioProvider) -> None:
    with pytest.raises(TelephonyError) as caught:
        await provider.place_call(outbound(to="12345"))
    assert "21211" in caught.value.message
    assert "The 'To' number 12345 is not a valid phone number." in caught.value.message
    assert caught.value.details["twilio_code"] == 21211


async def test_a_private_base_url_is_refused(fake: FakeTwilio, http: httpx.AsyncClient) -> None:
    guarded = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, http, fake.base_url, allow_private=False)
    with pytest.raises(TelephonyError) as caught:
        await guarded.send_sms(CALLEE, OURS, "Hi")
    assert "private" in caught.value.message
    assert fake.requests == []


async def test_unreachable_twilio(http: httpx.AsyncClient) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    down = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, http, f"http://127.0.0.1:{port}", True)
    with pytest.raises(TelephonyError) as caught:
        await down.numbers()
    assert "Could not reach Twilio" in caught.value.message


async def test_a_silent_twilio_times_out(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_rest, "TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections, never answers
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        slow = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, http, base_url, allow_private=True)
        with pytest.raises(TelephonyError) as caught:
            await slow.numbers()
    assert "did not answer" in caught.value.message
