from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account
from tests.fixtures.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


async def _create(
    client: httpx.AsyncClient, account: Account, body: dict[str, Any]
) -> httpx.Response:
    return await client.post("/v1/actions", headers=account.headers, json=body)


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ({"name": "x", "type": "teleport"}, "type"),
        ({"name": "bad name", "type": "end_call"}, "name"),
        ({"name": "x", "type": "custom_http", "config": {}}, "url"),
        ({"name": "x", "type": "custom_http", "config": {"url": "ftp://a.b"}}, "url"),
        ({"name": "x", "type": "live_transfer", "config": {}}, "phone_number"),
        (
            {"name": "x", "type": "extract_info", "config": {"identifier": "c", "kind": "choice"}},
            "choices",
        ),
        (
            {
                "name": "x",
                "type": "custom_http",
                "config": {"url": "http://a.b", "failure_timeout": 600},
            },
            "failure_timeout",
        ),
    ],
)
async def test_config_checked_against_type(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any], hint: str
) -> None:
    response = await _create(client, owner, body)
    assert response.status_code == 400
    assert hint in str(response.json())


async def test_crud_run_and_isolation(
    client: httpx.AsyncClient, owner: Account, stranger: Account, receiver: Receiver
) -> None:
    created = await _create(
        client,
        owner,
        {
            "name": "lookup",
            "type": "custom_http",
            "config": {
                "url": receiver.url,
                "body": '{"order": "{{order_id}}"}',
                "variables": [{"key": "order_id"}],
            },
        },
    )
    assert created.status_code == 201, created.text
    action = created.json()
    assert (await _create(client, owner, {"name": "lookup", "type": "end_call"})).json()[
        "code"
    ] == "ACTION_NAME_TAKEN"
    run = await client.post(
        f"/v1/actions/{action['id']}/run",
        headers=owner.headers,
        json={"variables": [{"key": "order_id", "value": "A-17"}]},
    )
    assert run.json()["ok"] is True
    assert run.json()["result"]["status_code"] == 200
    assert receiver.received[-1].body == b'{"order": "A-17"}'
    missing = await client.post(f"/v1/actions/{action['id']}/run", headers=owner.headers, json={})
    assert missing.json()["ok"] is False
    assert missing.json()["result"] == {"missing_variables": ["order_id"]}
    receiver.status = 500
    failing = await client.post(
        f"/v1/actions/{action['id']}/run",
        headers=owner.headers,
        json={"variables": [{"key": "order_id", "value": "1"}]},
    )
    assert failing.json()["error"] == "HTTP 500"
    url = f"/v1/actions/{action['id']}"
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(
            method,
            url,
            headers=stranger.headers,
            json={"name": "y", "type": "end_call"} if method == "PUT" else None,
        )
        assert response.status_code == 404, method
    replaced = await client.put(
        url, headers=owner.headers, json={"name": "bye", "type": "end_call"}
    )
    assert replaced.json()["type"] == "end_call"
    transfer = await _create(
        client,
        owner,
        {"name": "transfer", "type": "live_transfer", "config": {"phone_number": "+14155550100"}},
    )
    dry_run = await client.post(
        f"/v1/actions/{transfer.json()['id']}/run", headers=owner.headers, json={}
    )
    assert dry_run.json()["ok"] is True
    assert dry_run.json()["result"]["transfer_to"] == "+14155550100"  # nothing was transferred
    assert (await client.delete(url, headers=owner.headers)).status_code == 204


def test_an_extract_info_tool_requires_its_value() -> None:
    """The schema the model sees says the value is required (a call without it fails and is
    reported back to the model)."""
    from frontdesk.actions.models import Action
    from frontdesk.actions.service import tool_parameters

    action = Action(
        name="save_email",
        type="extract_info",
        config={"identifier": "email", "kind": "text", "condition": "The customer's email"},
    )
    schema = tool_parameters(action)
    assert schema["required"] == ["email"]
    assert schema["properties"]["email"] == {
        "type": "string",
        "description": "The customer's email",
    }
