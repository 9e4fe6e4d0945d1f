"""Property-based fuzzing of the whole HTTP API: schemathesis reads `/openapi.json` from a real
`frontdesk serve` and sends generated requests, valid and invalid, to every operation.

What must hold for any input: no 5xx, and every 4xx carries the error envelope
`{"error": str, "code": str, "details": object}`. The one 5xx allowed is a documented 503 of a
dependency that is down (an embeddings endpoint a knowledge base names that does not answer),
in the envelope and with its code.

The run is bounded and derandomized so that it fits in CI: `FRONTDESK_FUZZ_EXAMPLES` (8) examples
per operation in the fuzzing phase, about a minute per database. `FRONTDESK_FUZZ_EXAMPLES=30
FRONTDESK_FUZZ_COVERAGE=1` makes a deep run: schemathesis's coverage phase adds every boundary and
type violation of every parameter, about ten thousand requests, 3 to 5 minutes per database.
A failure prints the request as a curl command and the server's log of the error.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.schemas import BaseSchema

from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, frontdesk_server

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("FRONTDESK_FUZZ_EXAMPLES", "8"))
FUZZ_COVERAGE = os.environ.get("FRONTDESK_FUZZ_COVERAGE", "") not in ("", "0")
SEED = 20_240_601
PASSWORD = "a-long-password"
# 503 with one of these codes is a dependency being down, as the API documents it.
DEPENDENCY_DOWN = {"EMBEDDINGS_UNAVAILABLE", "LLM_UNAVAILABLE"}


@dataclass
class Target:
    """The running server, the owner's token and the resources the fuzzer's ids point at."""

    server: RunningServer
    token: str
    # path parameter name -> id of a resource that exists
    ids: dict[str, str]
    # id that must survive the run -> a spare of the same kind that PATCH, PUT and DELETE act on
    spares: dict[str, str] = field(default_factory=dict)
    visitor_token: str = ""
    public_conversation_id: str = ""


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def seed(api: httpx.AsyncClient, server: RunningServer) -> Target:
    """An owner, and a resource of each kind that the routes with ids act on."""
    account = {"email": "fuzz@example.com", "password": PASSWORD}
    _created(
        await api.post("/v1/auth/register", json={**account, "first_name": "F", "last_name": "Z"})
    )
    login = await api.post("/v1/auth/login", json=account)
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"

    async def create(path: str, body: dict[str, Any]) -> str:
        return str(_created(await api.post(path, json=body))["id"])

    def agent(name: str, type_: str) -> dict[str, Any]:
        return {"name": name, "type": type_, "llm": {"provider": "scripted"}}

    agent_id = await create("/v1/agents", agent("Fuzz helper", "widget"))
    contact_id = await create(
        "/v1/contacts", {"name": "Ada Lovelace", "phone_number": "+14155550101"}
    )
    kb_id = await create("/v1/knowledge-bases", {"name": "Fuzz facts"})
    conversation_id = await create(
        "/v1/conversations", {"agent_id": agent_id, "contact_id": contact_id}
    )
    spares = {
        agent_id: await create("/v1/agents", agent("Spare", "chat")),
        contact_id: await create("/v1/contacts", {"name": "Spare", "phone_number": "+14155550102"}),
        kb_id: await create("/v1/knowledge-bases", {"name": "Spare facts"}),
    }
    public = _created(
        await api.post(
            "/v1/public/conversations", json={"agent_id": agent_id, "visitor": {"name": "V"}}
        )
    )
    return Target(
        server=server,
        token=token,
        ids={
            "agent_id": agent_id,
            "contact_id": contact_id,
            "kb_id": kb_id,
            "conversation_id": conversation_id,
        },
        spares=spares,
        visitor_token=str(public["visitor_token"]),
        public_conversation_id=str(public["conversation_id"]),
    )


@pytest.fixture(scope="module")
async def fuzz_target(tmp_root: Path) -> AsyncIterator[Target]:
    url = await create_database(tmp_root)
    try:
        with frontdesk_server(
            tmp_root / "fuzz-server",
            url,
            # The widget's per-IP and per-agent limits have their own tests.
            {
                "FRONTDESK_PUBLIC_RATE_LIMIT": "100000/minute",
                "FRONTDESK_PUBLIC_AGENT_RATE_LIMIT": "100000/minute",
            },
        ) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as api:
                target = await seed(api, server)
            yield target
    finally:
        await drop_database(url)


def fuzz_config(target: Target) -> schemathesis.Config:
    # Path ids name the seeded resources most of the time; generated ones (unknown: 404, or
    # malformed: 400) the rest.
    dictionaries = {name: {"values": [value]} for name, value in target.ids.items()}
    parameters = {f"path.{name}": {"dictionary": name, "probability": 0.75} for name in target.ids}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {target.token}"},
            "dictionaries": dictionaries,
            "parameters": parameters,
            "generation": {"mode": "all", "deterministic": True},
            "phases": {
                "examples": {"enabled": True},
                "fuzzing": {"enabled": True},
                "coverage": {"enabled": FUZZ_COVERAGE},
                "stateful": {"enabled": False},
            },
            "request-timeout": 20,
            "operations": [
                {
                    # The widget's routes take the visitor token of their one conversation.
                    "include-path-regex": "^/v1/public/conversations/",
                    "headers": {"Authorization": f"Bearer {target.visitor_token}"},
                    "parameters": {"conversation_id": target.public_conversation_id},
                },
                {
                    # Server-Sent Events do not end: read for a moment, then judge the status.
                    "include-path-regex": "/(stream|events)$",
                    "request-timeout": 1,
                    "max-stream-events": 1,
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def api_schema(fuzz_target: Target) -> BaseSchema:
    return schemathesis.openapi.from_url(
        f"{fuzz_target.server.url}/openapi.json", config=fuzz_config(fuzz_target)
    )


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _code(response: Response) -> object:
    body = _json(response)
    return body.get("code") if isinstance(body, dict) else None


def _dependency_down(response: Response) -> bool:
    return response.status_code == 503 and _code(response) in DEPENDENCY_DOWN


def _constraint_violation(response: Response) -> bool:
    # The generic 409 that the database's IntegrityError becomes; services raise their own codes.
    return response.status_code == 409 and _code(response) == "CONFLICT"


def error_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error is `{"error": str, "code": str, "details": object}`."""
    if response.status_code < 400:
        return None
    body = _json(response)
    where = f"{response.status_code} {response.text[:300]}"
    assert isinstance(body, dict), f"not a JSON object: {where}"
    assert set(body) == {"error", "code", "details"}, f"not the error envelope: {where}"
    assert isinstance(body["error"], str), f"`error` is not a message: {where}"
    assert body["error"], f"`error` is empty: {where}"
    assert isinstance(body["code"], str), f"`code` is not a code: {where}"
    assert body["code"], f"`code` is empty: {where}"
    assert isinstance(body["details"], dict), f"`details` is not an object: {where}"
    return None


def no_constraint_violation(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Bad input is refused before the database: no request made one at a time should reach a
    constraint (NOT NULL, a foreign key) that only the database enforces."""
    assert not _constraint_violation(response), "a database constraint refused the request"
    return None


def _server_log(target: Target, limit: int) -> str:
    """The last records of the server's log (warnings and errors), tracebacks cut to their end."""
    records = []
    for line in target.server.log.read_text(errors="replace").splitlines()[-200:]:
        try:
            record = json.loads(line)
        except ValueError:
            records.append(line)
            continue
        if isinstance(record, dict) and "exception" in record:
            record["exception"] = str(record["exception"])[-3000:]
        records.append(json.dumps(record, indent=1) if isinstance(record, dict) else line)
    return "\n".join(records[-limit:]) or "(the server logged nothing)"


def _with_server_log(target: Target) -> CheckFunction:
    def server_log(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        raise AssertionError(f"the server's log:\n{_server_log(target, 1)}")

    return server_log


def _spare_for_writes(case: Case, target: Target) -> None:
    """A PATCH, PUT or DELETE of a seeded resource acts on its spare, so the seeded one stays as
    it was for the rest of the run (an agent patched to the local model would answer the widget
    with real inference, for minutes)."""
    if case.method.upper() not in ("PATCH", "PUT", "DELETE") or not case.path_parameters:
        return
    for name, value in case.path_parameters.items():
        if (
            isinstance(value, str)
            and value in target.spares
            and case.operation.path.endswith(f"{{{name}}}")
        ):
            case.path_parameters[name] = target.spares[value]


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy schema reads `item._nodeid`, which pytest 9.2 no longer has."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_fuzz(case: Case, fuzz_target: Target) -> None:
    _spare_for_writes(case, fuzz_target)
    try:
        response = case.call()
    except requests.Timeout as exc:
        log = _server_log(fuzz_target, 10)
        raise AssertionError(f"no answer in time; the server's log:\n{log}") from exc
    checks: list[CheckFunction] = [error_envelope, no_constraint_violation]
    if not _dependency_down(response):
        checks.append(not_a_server_error)
    if (response.status_code >= 500 and not _dependency_down(response)) or _constraint_violation(
        response
    ):
        checks.append(_with_server_log(fuzz_target))
    case.validate_response(response, checks=checks)
