"""The scaled shape under a mixed load: two `frontdesk api` and two `frontdesk worker` processes on
one PostgreSQL database and one Redis. Chats, webhooks, live streams, rate limits, idempotent
retries and a campaign on the simulated phone network are spread over both APIs; mid-load one API
and one worker are killed (SIGKILL) and the same invariants hold on the survivors: every message
event reaches the webhook at least once, the live stream of each API carries what the other API
produced, rate limits count across processes, a retried POST creates one resource, and the
campaign completes without ever exceeding its concurrency.

The calls' audio runs in the API process at `FRONTDESK_PUBLIC_URL`; a call held by a process that
died is only ended by the sweep 90 s after its last heartbeat (docs/telephony.md), so the workers
stream calls to the API that survives, and the API that is killed carries the rest of the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.campaigns.test_campaign_e2e import ALWAYS, most_at_once
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.receiver import Receiver
from tests.fixtures.server import RunningServer, free_port, frontdesk_server, frontdesk_worker

pytestmark = pytest.mark.slow
# Tests use Redis database 15 (FRONTDESK_TEST_REDIS_URL), the benchmarks 14 and 0.
REDIS_URL = os.environ.get("FRONTDESK_TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/13")
RATE_LIMIT = 120  # per principal and minute, across every process
CONCURRENCY = 2
NUMBERS = [f"+1415555020{i}" for i in range(6)]
SCENARIOS = [
    {"match": "+1415555020?", "scenario": "hang_up_after", "seconds": 6, "ring_seconds": 0.3}
]
CONVERSATIONS = 6
TURNS = 4  # customer messages per conversation and phase
MESSAGE_EVENTS = ["message.received", "message.sent"]
LIVE = ("initiated", "in_progress")


@dataclass
class Stream:
    """An SSE client of one API: the message ids it received."""

    name: str
    message_ids: set[str] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


@dataclass
class Cluster:
    apis: list[RunningServer]
    workers: list[subprocess.Popen[bytes]]
    http: list[httpx.AsyncClient]
    headers: dict[str, str]  # the owner's token
    receiver: Receiver
    dead: set[int] = field(default_factory=set)

    def client(self, index: int) -> httpx.AsyncClient:
        """API `index`, or the other one once it was killed."""
        return self.http[1 - index % 2 if index % 2 in self.dead else index % 2]

    async def key(self, name: str) -> dict[str, str]:
        """A new API key: its own rate-limit budget."""
        created = await self.http[0].post(
            "/v1/api-keys", headers=self.headers, json={"name": name, "role": "admin"}
        )
        assert created.status_code == 201, created.text
        return {"Authorization": f"Bearer {created.json()['key']}"}


@pytest.fixture
async def cluster(tmp_root: Path) -> AsyncIterator[Cluster]:
    url = await create_database(tmp_root)
    data = tmp_root / f"scale-{time.time_ns()}"
    data.mkdir(parents=True)
    scenarios = data / "scenarios.json"
    scenarios.write_text(json.dumps(SCENARIOS))
    receiver = Receiver().start()
    ports = [free_port(), free_port()]
    env = {
        "FRONTDESK_REDIS_URL": REDIS_URL,
        "FRONTDESK_RATE_LIMIT": f"{RATE_LIMIT}/minute",
        "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
        "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{ports[1]}",  # the API that survives
        "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
        "FRONTDESK_WORKER_POLL_SECONDS": "0.2",
        "FRONTDESK_JOB_LEASE_SECONDS": "5",
        "FRONTDESK_SCHEDULER_INTERVAL_SECONDS": "2",
    }
    try:
        with ExitStack() as stack:
            # The workers and the first API start together: they migrate the fresh database at
            # the same moment.
            workers = [stack.enter_context(frontdesk_worker(data, url, env)) for _ in range(2)]
            apis = [
                stack.enter_context(frontdesk_server(data, url, env, command="api", port=port))
                for port in ports
            ]
            async with contextlib.AsyncExitStack() as clients:
                http = [
                    await clients.enter_async_context(httpx.AsyncClient(base_url=a.url, timeout=60))
                    for a in apis
                ]
                account = {"email": "scale@example.com", "password": "a-long-password"}
                await http[0].post(
                    "/v1/auth/register", json={**account, "first_name": "S", "last_name": "C"}
                )
                login = await http[1].post("/v1/auth/login", json=account)
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
                yield Cluster(apis, workers, http, headers, receiver)
            log = "".join(p.read_text() for p in data.glob("*.log"))
            assert "Traceback" not in log, log[-6000:]
    finally:
        receiver.stop()
        await drop_database(url)


async def _listen(http: httpx.AsyncClient, headers: dict[str, str], stream: Stream) -> None:
    """Collect the ids of message events from `GET /v1/events/stream` until it ends."""
    with contextlib.suppress(httpx.HTTPError):
        async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("event: ready"):
                    stream.ready.set()
                elif line.startswith("data: "):
                    envelope = json.loads(line[6:])
                    if envelope.get("event") in MESSAGE_EVENTS:
                        stream.message_ids.add(envelope["data"]["message"]["id"])


async def _chat(
    cluster: Cluster, headers: dict[str, str], agent_id: str, first: int, turns: int
) -> dict[str, int]:
    """A conversation whose requests alternate between the APIs (or go to the survivor);
    returns the id of each customer message and reply it got back, with the API it used."""
    origin: dict[str, int] = {}
    conversation_id = None
    for turn in range(-1, turns):
        index = first + turn + 1
        for attempt in range(2):
            http = cluster.client(index + attempt)
            used = cluster.http.index(http)
            try:
                if conversation_id is None:
                    created = await http.post(
                        "/v1/conversations", headers=headers, json={"agent_id": agent_id}
                    )
                    assert created.status_code == 201, created.text
                    conversation_id = created.json()["id"]
                else:
                    posted = await http.post(
                        f"/v1/conversations/{conversation_id}/messages",
                        headers=headers,
                        json={"content": f"Question {turn} from {first}"},
                    )
                    assert posted.status_code == 200, posted.text
                    exchange = posted.json()
                    assert exchange["reply"] is not None
                    origin[exchange["message"]["id"]] = used
                    origin[exchange["reply"]["id"]] = used
                break
            except httpx.TransportError:
                # Only the API the test killed may fail; the request is made again elsewhere.
                if used not in cluster.dead or attempt:
                    raise
    return origin


async def _chats(
    cluster: Cluster, keys: list[dict[str, str]], agent_id: str, turns: int
) -> dict[str, int]:
    results = await asyncio.gather(
        *(_chat(cluster, keys[n], agent_id, n, turns) for n in range(CONVERSATIONS))
    )
    return {message: api for result in results for message, api in result.items()}


async def _hammer(
    cluster: Cluster, headers: dict[str, str], count: int, apis: list[int]
) -> Counter[int]:
    """`count` authenticated requests spread over `apis`; the status codes seen."""
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> int:
        async with gate:
            response = await cluster.http[apis[n % len(apis)]].get("/v1/auth/me", headers=headers)
            return response.status_code

    return Counter(await asyncio.gather(*(one(n) for n in range(count))))


async def _watch_calls(
    http: httpx.AsyncClient, headers: dict[str, str], campaign_id: str, peaks: list[int]
) -> None:
    """Poll the campaign's calls; record how many were live at each look."""
    while True:
        page = await http.get(f"/v1/calls?campaign_id={campaign_id}&limit=100", headers=headers)
        assert page.status_code == 200, page.text
        peaks.append(sum(c["status"] in LIVE for c in page.json()["items"]))
        await asyncio.sleep(0.75)  # 80 looks a minute: within the key's rate limit


async def _until(what: str, check: Any, within: float, every: float = 0.25) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(every)


def _webhook_message_ids(receiver: Receiver) -> tuple[set[str], int]:
    """Message ids delivered to the receiver, and how many deliveries came more than once."""
    ids = {json.loads(r.body)["data"]["message"]["id"] for r in receiver.received}
    deliveries = Counter(r.headers["x-frontdesk-delivery"] for r in receiver.received)
    return ids, sum(n - 1 for n in deliveries.values())


async def _stored_message_ids(cluster: Cluster) -> set[str]:
    """Every customer message and reply stored in the chats (greetings emit no message event)."""
    http, ids = cluster.client(1), set()
    page = await http.get("/v1/conversations?channel=api&limit=100", headers=cluster.headers)
    for conversation in page.json()["items"]:
        messages = await http.get(
            f"/v1/conversations/{conversation['id']}/messages?limit=100", headers=cluster.headers
        )
        items = messages.json()["items"]
        ids |= {m["id"] for m in items[1:]}  # the first is the greeting
    return ids


async def test_two_apis_two_workers_survive_losing_one_of_each(cluster: Cluster) -> None:
    owner, http = cluster.headers, cluster.http
    chat_agent = await http[0].post(
        "/v1/agents",
        headers=owner,
        json={
            "name": "Ada",
            "type": "chat",
            "greeting_message": "Hi!",
            "llm": {"provider": "scripted"},
        },
    )
    assert chat_agent.status_code == 201, chat_agent.text
    caller = await http[1].post(
        "/v1/agents",
        headers=owner,
        json={
            "name": "Sam",
            "type": "outbound",
            "greeting_message": "Hi, this is Sam from Bright Smile Dental.",
            "llm": {"provider": "scripted", "script": [{"match": ".*", "reply": "Sure."}]},
            "patience_level": "low",
            "is_recording": False,
        },
    )
    assert caller.status_code == 201, caller.text
    webhook = await http[0].post(
        "/v1/webhooks", headers=owner, json={"url": cluster.receiver.url, "events": MESSAGE_EVENTS}
    )
    assert webhook.status_code == 201, webhook.text
    cluster.receiver.secret = webhook.json()["secret"]
    chat_keys = [await cluster.key(f"chat-{n}") for n in range(CONVERSATIONS)]
    watcher, stream_key, limited, limited_again = [
        await cluster.key(name) for name in ("watcher", "stream", "limited", "limited-again")
    ]

    # Live streams on both APIs.
    streams = [Stream("api-1"), Stream("api-2")]
    for client, stream in zip(http, streams, strict=True):
        stream.task = asyncio.create_task(_listen(client, stream_key, stream))
    async with asyncio.timeout(30):
        await asyncio.gather(*(s.ready.wait() for s in streams))

    # Idempotency: a retry on the other API replays the first answer; racing ones create one.
    body = {"name": "Ida Empotent", "email": "ida@example.com"}
    retry = {**owner, "Idempotency-Key": uuid.uuid4().hex}
    first = await http[0].post("/v1/contacts", headers=retry, json=body)
    again = await http[1].post("/v1/contacts", headers=retry, json=body)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    race = {**owner, "Idempotency-Key": uuid.uuid4().hex}
    body = {"name": "Rae Singh", "email": "rae@example.com"}
    raced = await asyncio.gather(*(h.post("/v1/contacts", headers=race, json=body) for h in http))
    made = {r.json()["id"] for r in raced if r.status_code == 201}
    assert len(made) == 1, [r.text for r in raced]
    assert all(r.status_code in (201, 409) for r in raced), [r.text for r in raced]
    contacts = await http[1].get("/v1/contacts", headers=owner)
    assert contacts.json()["total"] == 2, contacts.text

    # Rate limits are global: one key's requests spread over both APIs share one budget.
    codes = await _hammer(cluster, limited, RATE_LIMIT + 20, [0, 1])
    assert codes == {200: RATE_LIMIT, 429: 20}, codes

    # A campaign whose calls run through both workers, watched throughout.
    created = await http[0].post(
        "/v1/campaigns",
        headers=owner,
        json={
            "name": "Reminders",
            "agent_id": caller.json()["id"],
            "phone_numbers": NUMBERS,
            "calling_hours": ALWAYS,
            "max_concurrent_calls": CONCURRENCY,
        },
    )
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    launched = await http[1].post(f"/v1/campaigns/{campaign_id}/launch", headers=owner)
    assert launched.status_code == 200, launched.text
    peaks: list[int] = []
    watching = asyncio.create_task(_watch_calls(http[1], watcher, campaign_id, peaks))

    # Phase 1: chats over both APIs; each live stream gets what the other API produced.
    before = await _chats(cluster, chat_keys, chat_agent.json()["id"], TURNS)
    assert set(before.values()) == {0, 1}

    async def streamed() -> bool:
        return all(set(before) <= s.message_ids for s in streams)

    await _until("the live streams to carry phase 1", streamed, 60)

    # Phase 2: the same load; one API and one worker are killed while it runs, with calls live.
    async def both_lines_busy() -> bool:
        return bool(peaks) and peaks[-1] == CONCURRENCY

    await _until("the campaign to fill its lines", both_lines_busy, 90, every=0.1)
    codes = await _hammer(cluster, limited_again, RATE_LIMIT - 50, [0, 1])
    assert codes == {200: RATE_LIMIT - 50}, codes
    load = asyncio.create_task(_chats(cluster, chat_keys, chat_agent.json()["id"], TURNS))
    await asyncio.sleep(1)
    for process in (cluster.apis[0].process, cluster.workers[0]):
        process.kill()
        process.wait(10)
    cluster.dead.add(0)
    # The count made on the dead API still holds on the survivor.
    codes = await _hammer(cluster, limited_again, 60, [1])
    assert codes == {200: 50, 429: 10}, codes
    after = await load

    # The campaign completes, never over its limit, also while a worker lay dead.
    async def completed() -> bool:
        stats = await http[1].get(f"/v1/campaigns/{campaign_id}/stats", headers=owner)
        return bool(stats.json()["status"] == "completed")

    await _until("the campaign to complete", completed, 120, every=1)
    watching.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watching
    assert max(peaks) <= CONCURRENCY, peaks
    calls = (
        await http[1].get(f"/v1/calls?campaign_id={campaign_id}&limit=100", headers=owner)
    ).json()["items"]
    assert most_at_once(calls) <= CONCURRENCY
    recipients = (
        await http[1].get(f"/v1/campaigns/{campaign_id}/recipients?limit=100", headers=owner)
    ).json()["items"]
    assert len(recipients) == len(NUMBERS)
    assert not [r for r in recipients if r["status"] in ("pending", "calling")], recipients

    # Every message event, including those of requests cut off by the kill, reaches the
    # webhook at least once and the surviving live stream.
    stored = await _stored_message_ids(cluster)
    assert set(before) | set(after) <= stored

    async def delivered() -> bool:
        return stored <= _webhook_message_ids(cluster.receiver)[0]

    await _until("every message event to reach the webhook", delivered, 90, every=0.5)

    async def streamed_all() -> bool:
        return stored <= streams[1].message_ids

    await _until("the surviving live stream to carry every message", streamed_all, 30)
    assert all(r.signature_ok for r in cluster.receiver.received)
    _, duplicates = _webhook_message_ids(cluster.receiver)
    print(  # noqa: T201 (the test's figures, shown with -s)
        f"\n{len(stored)} message events, {len(cluster.receiver.received)} webhook requests, "
        f"{duplicates} duplicates; calls {dict(Counter(c['status'] for c in calls))}, "
        f"at most {max(peaks)} live at a look; recipients "
        f"{dict(Counter(r['status'] for r in recipients))}"
    )
    for stream in streams:
        assert stream.task is not None
        stream.task.cancel()
