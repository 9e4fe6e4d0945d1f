from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account

SID = "AC" + "0" * 32


async def test_workspace_settings_round_trip(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    update = {
        "name": "Bikes Ltd",
        "timezone": "Europe/Dublin",
        "business_hours": {"monday": [{"start": "09:00", "end": "17:30"}]},
        "llm": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2},
        "voice": {"tts_provider": "espeak", "speed": 1.1},
        "telephony": {
            "provider": "twilio",
            "twilio_account_sid": SID,
            "twilio_auth_token": "tok-secret-123",
        },
    }
    patched = await client.patch("/v1/workspace", headers=owner.headers, json=update)
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["timezone"] == "Europe/Dublin"
    assert body["business_hours"]["monday"] == [{"start": "09:00", "end": "17:30"}]
    assert body["telephony"] == {
        "provider": "twilio",
        "twilio_account_sid": SID,
        "twilio_auth_token_set": True,
    }
    assert "tok-secret-123" not in patched.text
    stored = await session.scalar(
        select(Workspace.twilio_auth_token_encrypted).where(Workspace.id == owner.workspace.id)
    )
    assert stored
    assert "tok-secret-123" not in stored
    assert (await client.get("/v1/workspace", headers=owner.headers)).json() == body


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {"business_hours": {"monday": [{"start": "9am", "end": "17:00"}]}},
            "business_hours.monday.0.start",
        ),
        (
            {"business_hours": {"monday": [{"start": "18:00", "end": "09:00"}]}},
            "business_hours.monday.0",
        ),
        ({"llm": {"provider": "gpt"}}, "llm.provider"),
        ({"llm": {"temperature": 5}}, "llm.temperature"),
        ({"voice": {"speed": "fast"}}, "voice.speed"),
        ({"llm": ["openai"]}, "llm"),
        ({"telephony": {"provider": "twilio"}}, "telephony"),
    ],
)
async def test_workspace_bad_input(
    client: httpx.AsyncClient, owner: Account, update: dict[str, object], field: str
) -> None:
    response = await client.patch("/v1/workspace", headers=owner.headers, json=update)
    assert response.status_code == 400
    assert field in response.json()["details"], response.json()


async def test_workspace_llm_and_voice_are_merge_patches(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """Like an agent's, the workspace's `llm` and `voice` change only the keys given."""
    first = {
        "llm": {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2},
        "voice": {"tts_provider": "espeak", "speed": 1.1},
    }
    assert (await client.patch("/v1/workspace", headers=owner.headers, json=first)).is_success
    second = {"llm": {"temperature": 0.7}, "voice": {"speed": None}}
    patched = await client.patch("/v1/workspace", headers=owner.headers, json=second)
    assert patched.status_code == 200, patched.text
    llm, voice = patched.json()["llm"], patched.json()["voice"]
    assert (llm["provider"], llm["model"], llm["temperature"]) == ("openai", "gpt-4o-mini", 0.7)
    assert (voice["tts_provider"], voice["speed"]) == ("espeak", 1.0)  # null: the default again
    refused = await client.patch(
        "/v1/workspace", headers=owner.headers, json={"llm": {"temperature": -1}}
    )
    assert refused.status_code == 400
    after = (await client.get("/v1/workspace", headers=owner.headers)).json()
    assert after["llm"]["temperature"] == 0.7  # a refused patch changes nothing


async def test_roles_on_workspace(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    for role in (Role.viewer, Role.agent):
        account = await make_account(session, role, workspace=owner.workspace)
        assert (await client.get("/v1/workspace", headers=account.headers)).status_code == 200
        denied = await client.patch("/v1/workspace", headers=account.headers, json={"name": "x"})
        assert denied.status_code == 403
        assert denied.json()["code"] == "AUTH_PERMISSION_DENIED"


async def test_members_and_owner_rules(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    admin = await make_account(session, Role.admin, workspace=owner.workspace)
    members = (await client.get("/v1/members", headers=owner.headers)).json()
    assert members["total"] == 2
    owner_member = next(m for m in members["items"] if m["role"] == "owner")
    demote_last = await client.patch(
        f"/v1/members/{owner_member['id']}", headers=owner.headers, json={"role": "admin"}
    )
    assert demote_last.json()["code"] == "LAST_OWNER"
    remove_last = await client.delete(f"/v1/members/{owner_member['id']}", headers=owner.headers)
    assert remove_last.json()["code"] == "LAST_OWNER"
    admin_touches_owner = await client.patch(
        f"/v1/members/{owner_member['id']}", headers=admin.headers, json={"role": "viewer"}
    )
    assert admin_touches_owner.status_code == 403
    admin_invites_owner = await client.post(
        "/v1/members", headers=admin.headers, json={"email": "o2@example.com", "role": "owner"}
    )
    assert admin_invites_owner.status_code == 403
    invited = await client.post(
        "/v1/members", headers=admin.headers, json={"email": "a2@example.com", "role": "agent"}
    )
    assert invited.status_code == 201
    twice = await client.post(
        "/v1/members", headers=admin.headers, json={"email": "A2@example.com", "role": "agent"}
    )
    assert twice.json()["code"] == "MEMBER_EXISTS"
    member_id = invited.json()["member"]["id"]
    promoted = await client.patch(
        f"/v1/members/{member_id}", headers=admin.headers, json={"role": "viewer"}
    )
    assert promoted.json()["role"] == "viewer"
    assert (
        await client.delete(f"/v1/members/{member_id}", headers=admin.headers)
    ).status_code == 204


async def test_members_of_other_workspace_are_404(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    member_id = owner.membership.id
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"/v1/members/{member_id}",
            headers=stranger.headers,
            json={"role": "viewer"} if method == "PATCH" else None,
        )
        assert response.status_code == 404, method
        assert response.json()["code"] == "MEMBER_NOT_FOUND"


async def test_subaccounts(client: httpx.AsyncClient, owner: Account, stranger: Account) -> None:
    created = await client.post(
        "/v1/subaccounts",
        headers=owner.headers,
        json={"subaccount_name": "Client A", "user_email": "boss@client-a.com", "concurrency": 5},
    )
    assert created.status_code == 201, created.text
    child = created.json()
    child_id = child["subaccount_id"]
    assert child["invite_token"]
    child_key = {"Authorization": f"Bearer {child['api_key']}"}
    me = (await client.get("/v1/auth/me", headers=child_key)).json()
    assert me["workspace_id"] == child_id

    as_parent = {**owner.headers, "Frontdesk-Workspace": child_id}
    workspace = (await client.get("/v1/workspace", headers=as_parent)).json()
    assert workspace["id"] == child_id
    assert workspace["parent_id"] == str(owner.workspace.id)

    up = {**child_key, "Frontdesk-Workspace": str(owner.workspace.id)}
    assert (await client.get("/v1/workspace", headers=up)).status_code == 404
    foreign = {**stranger.headers, "Frontdesk-Workspace": child_id}
    assert (await client.get("/v1/workspace", headers=foreign)).status_code == 404
    junk = {**owner.headers, "Frontdesk-Workspace": "not-a-uuid"}
    assert (await client.get("/v1/workspace", headers=junk)).status_code == 404

    nested = await client.post(
        "/v1/subaccounts", headers=child_key, json={"subaccount_name": "Grandchild"}
    )
    assert nested.json()["code"] == "SUBACCOUNT_NESTING_NOT_ALLOWED"

    number = await client.post(
        "/v1/phone-numbers", headers=owner.headers, json={"phone_number": "+1 415 555 0100"}
    )
    assert number.json()["phone_number"] == "+14155550100"
    moved = await client.put(
        f"/v1/subaccounts/{child_id}",
        headers=owner.headers,
        json={"operation_type": "import", "products": {"phone_numbers": ["+14155550100"]}},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["phone_numbers"] == ["+14155550100"]
    child_numbers = (await client.get("/v1/phone-numbers", headers=child_key)).json()
    assert [n["phone_number"] for n in child_numbers["items"]] == ["+14155550100"]
    missing = await client.put(
        f"/v1/subaccounts/{child_id}",
        headers=owner.headers,
        json={"operation_type": "import", "products": {"phone_numbers": ["+14155550199"]}},
    )
    assert missing.json()["code"] == "PHONE_NUMBER_NOT_FOUND"
    half = await client.put(
        f"/v1/subaccounts/{child_id}", headers=owner.headers, json={"operation_type": "return"}
    )
    assert half.status_code == 400
    returned = await client.put(
        f"/v1/subaccounts/{child_id}",
        headers=owner.headers,
        json={"operation_type": "return", "products": {"phone_numbers": ["+14155550100"]}},
    )
    assert returned.json()["phone_numbers"] == []

    assert (
        await client.get(f"/v1/subaccounts/{child_id}", headers=stranger.headers)
    ).status_code == 404
    listed = (await client.get("/v1/subaccounts", headers=owner.headers)).json()
    assert [s["subaccount_name"] for s in listed["items"]] == ["Client A"]
    deleted = await client.delete(f"/v1/subaccounts/{child_id}", headers=owner.headers)
    assert deleted.status_code == 204
    assert (await client.get("/v1/auth/me", headers=child_key)).status_code == 401


async def test_audit_log(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    await client.patch("/v1/workspace", headers=owner.headers, json={"name": "Audited"})
    await client.post("/v1/api-keys", headers=owner.headers, json={"name": "k"})
    entries = (await client.get("/v1/audit-logs", headers=owner.headers)).json()["items"]
    assert [e["action"] for e in entries[:2]] == ["api_key.create", "workspace.update"]
    assert entries[0]["actor_id"] == str(owner.user.id)
    assert entries[0]["ip"] == "127.0.0.1"
    filtered = (
        await client.get("/v1/audit-logs?action=workspace.update", headers=owner.headers)
    ).json()
    assert filtered["total"] == 1
    assert (await client.get("/v1/audit-logs", headers=stranger.headers)).json()["total"] == 0
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (await client.get("/v1/audit-logs", headers=viewer.headers)).status_code == 403


async def test_phone_numbers(client: httpx.AsyncClient, owner: Account, stranger: Account) -> None:
    bad = await client.post(
        "/v1/phone-numbers", headers=owner.headers, json={"phone_number": "555"}
    )
    assert bad.status_code == 400
    created = (
        await client.post(
            "/v1/phone-numbers", headers=owner.headers, json={"phone_number": "+442071838750"}
        )
    ).json()
    taken = await client.post(
        "/v1/phone-numbers", headers=stranger.headers, json={"phone_number": "+44 20 7183 8750"}
    )
    assert taken.json()["code"] == "PHONE_NUMBER_TAKEN"
    url = f"/v1/phone-numbers/{created['id']}"
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    renamed = await client.patch(url, headers=owner.headers, json={"name": "London"})
    assert renamed.json()["name"] == "London"
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
