"""The conversation engine: overhead per turn with an instant scripted model (everything except
the model), turns/s with 50 concurrent conversations, time to first streamed token over HTTP
minus the model's own, and the local model's speed with 1 and 4 concurrent chats.

    .venv/bin/python -m bench.engine [--turns 300] [--kb-chunks 10000] [--engine-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator

import h11
import httpx
import numpy as np

from bench.common import BIN, database, free_port, machine, process, sign_up, table
from frontdesk.llm.base import Message, Request
from frontdesk.llm.local import LocalProvider


async def _setup(http: httpx.AsyncClient, provider: str) -> tuple[dict[str, str], str]:
    headers = await sign_up(http)
    agent = await http.post(
        "/v1/agents",
        headers=headers,
        json={
            "name": "Bench",
            "type": "chat",
            "prompt": "You are {{agent_name}}. Answer in one short sentence.",
            "llm": {"provider": provider, "temperature": 0, "max_tokens": 40},
        },
    )
    return headers, agent.json()["id"]


async def _conversation(http: httpx.AsyncClient, headers: dict[str, str], agent: str) -> str:
    created = await http.post("/v1/conversations", headers=headers, json={"agent_id": agent})
    return str(created.json()["id"])


async def _attach_synthetic_kb(
    http: httpx.AsyncClient, headers: dict[str, str], agent: str, database_url: str, chunks: int
) -> list[str]:
    """A knowledge base of `chunks` synthetic passages, written straight into the database the
    server uses, attached to the agent; questions made of its passages' words (so both halves of
    the hybrid search find something, as a real customer's question would)."""
    from bench.knowledge_search import load_synthetic
    from frontdesk.db.engine import create_engine
    from frontdesk.settings import Settings

    me = (await http.get("/v1/auth/me", headers=headers)).json()
    engine = create_engine(Settings(database_url=database_url))
    try:
        rng = np.random.default_rng(3)
        kb_id, _, words = await load_synthetic(engine, uuid.UUID(me["workspace_id"]), chunks, rng)
    finally:
        await engine.dispose()
    attached = await http.post(
        f"/v1/knowledge-bases/{kb_id}/attach", headers=headers, json={"agent_id": agent}
    )
    attached.raise_for_status()
    return [" ".join(rng.choice(passage, size=5, replace=False)) for passage in words]


async def _turns(
    url: str,
    turns: int,
    concurrency: int,
    kb: tuple[str, int] | None = None,
    distinct: int | None = None,
) -> tuple[list[float], float, list[float]]:
    """`turns` turns over `concurrency` conversations; with `distinct`, only that many different
    questions are asked (in order, then again)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        headers, agent = await _setup(http, "scripted")
        questions = [f"question {n}" for n in range(turns)]
        if kb is not None:
            questions = await _attach_synthetic_kb(http, headers, agent, *kb)
        questions = questions[:distinct] if distinct else questions
        conversations = [await _conversation(http, headers, agent) for _ in range(concurrency)]
        latencies: list[float] = []
        engine_ms: list[float] = []

        async def talk(conversation: str, count: int) -> None:
            for n in range(count):
                started = time.perf_counter()
                response = await http.post(
                    f"/v1/conversations/{conversation}/messages",
                    headers=headers,
                    json={"content": questions[n % len(questions)]},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                engine_ms.append(float(response.json()["reply"]["ai_metadata"]["latency_ms"]))

        started = time.perf_counter()
        per = max(1, turns // concurrency)
        await asyncio.gather(*(talk(c, per) for c in conversations))
        rate = per * concurrency / (time.perf_counter() - started)
        return latencies, rate, engine_ms


def _settle(database_url: str, seconds: float = 60, poll: float = 0.2) -> None:
    """Wait until the server's worker has no due job left (event deliveries of earlier rows)."""
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    deadline = time.time() + seconds
    while time.time() < deadline:
        with sqlite3.connect(path) as conn:
            (due,) = conn.execute(
                "SELECT count(*) FROM jobs WHERE status = 'running' "
                "OR (status = 'queued' AND run_at <= datetime('now'))"
            ).fetchone()
        if not due:
            return
        time.sleep(poll)


class _RawStream:
    """A minimal HTTP/1.1 client for the first-token rows: the request leaves in one write and
    the response's bytes are parsed (h11) as they arrive, so the figure is the server's rather
    than a client library's. One kept-alive connection."""

    def __init__(self, url: str) -> None:
        parsed = httpx.URL(url)
        self.host, self.port = parsed.host, parsed.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def lines(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> AsyncIterator[tuple[float, str]]:
        """POST `body` to `path`; each line of the response with when it arrived."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        conn = h11.Connection(h11.CLIENT)
        fields = [
            ("Host", f"{self.host}:{self.port}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            *headers.items(),
        ]
        self.writer.write(
            conn.send(h11.Request(method="POST", target=path, headers=fields))
            + conn.send(h11.Data(data=body))
            + conn.send(h11.EndOfMessage())
        )
        pending = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await self.reader.read(65536))
                continue
            if isinstance(event, h11.Data):
                now = time.perf_counter()
                pending += bytes(event.data)
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    yield now, line.decode()
            elif isinstance(event, h11.EndOfMessage):
                return

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def _first_token(
    url: str, samples: int, settled: str | None = None, client: str = "raw"
) -> tuple[list[float], list[float], list[float]]:
    """Wall time to the first `token` event over HTTP, the turn's `first_token_ms` (the engine's
    work and the model's) and `model_first_token_ms` (the model's own). With `settled` (the
    database), each message waits until the previous turn's events are delivered, as a customer
    reads the reply before answering; without, messages follow each other at once. `client` is
    `raw` (`_RawStream`) or `httpx`."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        headers, agent = await _setup(http, "local")
        conversation = await _conversation(http, headers, agent)
        path = f"/v1/conversations/{conversation}/messages"
        sse = {**headers, "Accept": "text/event-stream"}
        raw = _RawStream(url)

        async def lines(content: str) -> AsyncIterator[tuple[float, str]]:
            if client == "raw":
                async for item in raw.lines(path, sse, json.dumps({"content": content}).encode()):
                    yield item
                return
            async with http.stream("POST", path, headers=sse, json={"content": content}) as got:
                async for line in got.aiter_lines():
                    yield time.perf_counter(), line

        wall: list[float] = []
        engine: list[float] = []
        model: list[float] = []
        try:
            for n in range(samples + 1):
                if settled is not None:
                    _settle(settled, poll=0.01)
                started = time.perf_counter()
                first = None
                async for at, line in lines(f"Do you sell bikes? ({n})"):
                    if first is None and line.startswith("event: token"):
                        first = (at - started) * 1000
                    if line.startswith("data: ") and '"reply"' in line:
                        reply = json.loads(line[6:])["reply"]
                        if n and first is not None:  # the first turn loads the model
                            wall.append(first)
                            engine.append(float(reply["ai_metadata"]["first_token_ms"]))
                            model.append(float(reply["ai_metadata"]["model_first_token_ms"]))
        finally:
            await raw.close()
        return wall, engine, model


async def _local_speed(concurrent: int) -> tuple[float, float]:
    """Tokens/s of each chat and first-token ms, with `concurrent` chats at once."""
    provider = LocalProvider()
    request = Request(
        [
            Message("system", "You are a shop assistant. Answer in two sentences."),
            Message("user", "What do you sell and when are you open?"),
        ],
        temperature=0,
        max_tokens=64,
    )
    async for _ in provider.stream(request):  # load the model
        pass

    async def one() -> tuple[float, float]:
        started = time.perf_counter()
        first = None
        tokens = 0
        async for delta in provider.stream(request):
            if delta.text:
                tokens += 1
                if first is None:
                    first = time.perf_counter() - started
        total = time.perf_counter() - started
        return tokens / max(total - (first or 0), 1e-6), (first or 0) * 1000

    results = await asyncio.gather(*(one() for _ in range(concurrent)))
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _row(what: str, values: list[float]) -> list[str]:
    return [what, f"{statistics.median(values):.1f}", f"{_p99(values):.1f}"]


def _first_token_rows(base: str, samples: int, url: str) -> list[list[str]]:
    rows = []
    _settle(url)
    wall, engine, model = asyncio.run(_first_token(base, samples, url))
    gap = [w - m for w, m in zip(wall, model, strict=True)]
    rows.append(
        _row(
            "first token over HTTP minus the model's own first token, local model "
            "(each message once the previous turn's events are delivered)",
            gap,
        )
    )
    before = [e - m for e, m in zip(engine, model, strict=True)]
    rows.append(_row("of which the engine's work before asking the model", before))
    rows.append(_row("first token over HTTP, local model", wall))
    wall, _, model = asyncio.run(_first_token(base, samples))
    gap = [w - m for w, m in zip(wall, model, strict=True)]
    rows.append(
        _row(
            "the same, each message right after the previous reply (its event "
            "deliveries running meanwhile)",
            gap,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--ttft-samples", type=int, default=10)
    parser.add_argument("--kb-chunks", type=int, default=10_000)
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="only the engine-time rows, without and with the knowledge base",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, database("sqlite") as url:
        port = free_port()
        env = {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_DATA_DIR": tmp,
            "FRONTDESK_RATE_LIMIT": "100000000/hour",
            "FRONTDESK_AUTH_RATE_LIMIT": "100000/minute",  # every phase signs up anew
            "FRONTDESK_LOG_LEVEL": "warning",
            "FRONTDESK_ENV": "production",
        }
        base = f"http://127.0.0.1:{port}"
        with process([str(BIN / "frontdesk"), "serve", "--port", str(port)], env, f"{base}/health"):
            single, _, engine_single = asyncio.run(_turns(base, args.turns, 1))
            rows.append(
                _row("engine time per turn, instant model (ai_metadata.latency_ms)", engine_single)
            )
            rows.append(_row("HTTP turn (POST message, reply stored), 1 conversation", single))
            _, _, engine_kb = asyncio.run(_turns(base, args.turns, 1, (url, args.kb_chunks)))
            rows.append(
                _row(
                    f"engine time per turn with a {args.kb_chunks:,}-chunk knowledge base "
                    "(query embedded by the local model, hybrid search, passages in the prompt)",
                    engine_kb,
                )
            )
            # The same questions twice: the second time the process remembers their embeddings
            # (and the words' counts and candidates), as for a customer's frequent questions.
            _, _, again = asyncio.run(
                _turns(base, 2 * args.turns, 1, (url, args.kb_chunks), distinct=args.turns)
            )
            rows.append(
                _row(
                    "the same questions again (embeddings, word counts, candidates remembered)",
                    again[args.turns :],
                )
            )
            if args.engine_only:
                print(table(["what", "median ms", "p99 ms"], rows))
                return
            rows += _first_token_rows(base, args.ttft_samples, url)
            # Last: it leaves the worker a backlog of event deliveries.
            many, rate, _ = asyncio.run(_turns(base, args.turns, 50))
            rows.append(_row(f"HTTP turn, 50 concurrent conversations ({rate:.0f} turns/s)", many))
    for concurrent in (1, 4):
        speed, first = asyncio.run(_local_speed(concurrent))
        rows.append(
            [
                f"local model, {concurrent} concurrent chat(s), {speed:.0f} tokens/s each: "
                "first token",
                f"{first:.0f}",
                "",
            ]
        )
    print(f"machine: {machine()}; SQLite, embedded `frontdesk serve`")
    print(table(["what", "median ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
