from __future__ import annotations

from collections.abc import Iterator

import pytest

from frontdesk.llm.anthropic_provider import AnthropicProvider
from frontdesk.llm.base import LLMUnavailable, Message, Request, ToolCall, ToolSpec, complete
from tests.fakes.anthropic_server import FakeAnthropic


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


def _provider(fake: FakeAnthropic) -> AnthropicProvider:
    return AnthropicProvider(fake.base_url, "sk-ant-test", "claude-haiku-4-5")


async def test_streams_text_and_usage(fake: FakeAnthropic) -> None:
    pieces = []
    async for delta in _provider(fake).stream(
        Request([Message("system", "Be brief."), Message("user", "hi")])
    ):
        if delta.text:
            pieces.append(delta.text)
        if delta.usage is not None:
            assert (delta.usage.prompt_tokens, delta.usage.completion_tokens) == (21, 9)
    assert "".join(pieces).strip() == "Hello from Claude"
    sent = fake.requests[0]
    assert sent["system"] == "Be brief."
    assert sent["messages"] == [{"role": "user", "content": "hi"}]
    assert sent["stream"] is True


async def test_tool_use_and_results(fake: FakeAnthropic) -> None:
    fake.text = ""
    fake.tool = {"name": "check_stock", "input": {"model": "X1", "qty": 2}}
    tool = ToolSpec("check_stock", "Check stock", {"type": "object", "properties": {}})
    result = await complete(_provider(fake), Request([Message("user", "stock?")], tools=[tool]))
    assert result.tool_calls == [ToolCall("toolu_1", "check_stock", {"model": "X1", "qty": 2})]
    assert fake.requests[0]["tools"][0]["input_schema"] == {"type": "object", "properties": {}}
    assert "tool_choice" not in fake.requests[0]
    follow_up = [
        Message("user", "stock?"),
        Message("assistant", "", tool_calls=result.tool_calls),
        Message("tool", '{"ok": true}', tool_call_id="toolu_1"),
    ]
    fake.tool = None
    fake.text = "In stock."
    await complete(_provider(fake), Request(follow_up, tools=[tool]))
    sent = fake.requests[1]["messages"]
    assert sent[1]["content"][0] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "check_stock",
        "input": {"model": "X1", "qty": 2},
    }
    assert sent[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"ok": true}'}],
    }
    fake.tool = {"name": "check_stock", "input": {"model": "X1", "qty": 1}}
    await complete(_provider(fake), Request(follow_up, tools=[tool], tool_choice="check_stock"))
    assert fake.requests[2]["tool_choice"] == {"type": "tool", "name": "check_stock"}


async def test_errors_are_503(fake: FakeAnthropic) -> None:
    fake.status = 529
    with pytest.raises(LLMUnavailable) as caught:
        await complete(_provider(fake), Request([Message("user", "hi")]))
    assert caught.value.details == {"status_code": 529}
    down = AnthropicProvider("http://127.0.0.1:9", "k", "m")
    with pytest.raises(LLMUnavailable):
        await complete(down, Request([Message("user", "hi")]))
