from __future__ import annotations

import json

import pytest

from frontdesk.llm.base import LLMUnavailable, Message, Request, ToolSpec, complete
from frontdesk.llm.local import LocalProvider
from frontdesk.llm.openai_compat import OpenAICompatibleProvider
from frontdesk.llm.scripted import ScriptedProvider
from tests.fakes.openai_server import FakeOpenAI

QUESTION = [
    Message("system", "You are a shop assistant. Answer in one short sentence."),
    Message("user", "What do you sell?"),
]


async def test_openai_provider_streams_from_llama_cpp_server(llama_server: str) -> None:
    provider = OpenAICompatibleProvider(llama_server, None, "smollm2")
    pieces = []
    usage = None
    async for delta in provider.stream(Request(QUESTION, temperature=0, max_tokens=30)):
        if delta.text:
            pieces.append(delta.text)
        if delta.usage is not None:
            usage = delta.usage
    assert len(pieces) > 1, "the reply arrives in pieces"
    assert "".join(pieces).strip()
    assert usage is not None
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens == len(pieces)
    assert usage.estimated, "llama.cpp's server streams no usage; it is counted"


async def test_openai_provider_reports_unreachable_server() -> None:
    provider = OpenAICompatibleProvider("http://127.0.0.1:9/v1", None, "x")
    with pytest.raises(LLMUnavailable) as caught:
        await complete(provider, Request(QUESTION))
    assert caught.value.status == 503
    assert caught.value.code == "LLM_UNAVAILABLE"


async def test_openai_provider_times_out(llama_server: str) -> None:
    provider = OpenAICompatibleProvider(llama_server, None, "smollm2")
    with pytest.raises(LLMUnavailable) as caught:
        await complete(provider, Request(QUESTION, max_tokens=200, timeout=0.001))
    assert "timed out" in caught.value.message or "unreachable" in caught.value.message


async def test_openai_provider_server_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.status = 500
    provider = OpenAICompatibleProvider(fake_openai.base_url, "sk-test", "gpt-4o-mini")
    with pytest.raises(LLMUnavailable) as caught:
        await complete(provider, Request(QUESTION))
    assert caught.value.details == {"status_code": 500}


async def test_openai_provider_parses_streamed_tool_calls(fake_openai: FakeOpenAI) -> None:
    fake_openai.text = ""
    fake_openai.tool_calls = [{"name": "check_stock", "arguments": {"model": "X1", "qty": 2}}]
    provider = OpenAICompatibleProvider(fake_openai.base_url, "sk-test", "gpt-4o-mini")
    tool = ToolSpec("check_stock", "Check stock", {"type": "object", "properties": {}})
    result = await complete(provider, Request(QUESTION, tools=[tool]))
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("call_0", "check_stock", {"model": "X1", "qty": 2})
    ]
    assert result.usage.total == 18
    assert not result.usage.estimated
    sent = fake_openai.requests[0]
    assert sent["tools"][0]["function"]["name"] == "check_stock"
    assert sent["stream"] is True
    assert "tool_choice" not in sent
    await complete(provider, Request(QUESTION, tools=[tool], tool_choice="check_stock"))
    forced = fake_openai.requests[1]["tool_choice"]
    assert forced == {"type": "function", "function": {"name": "check_stock"}}


async def test_local_model_replies_and_counts_tokens() -> None:
    result = await complete(LocalProvider(), Request(QUESTION, temperature=0, max_tokens=30))
    assert result.text.strip()
    assert result.model == "smollm2-135m-instruct"
    assert result.usage.prompt_tokens > 0
    assert result.usage.completion_tokens > 0


async def test_local_model_follows_a_json_schema() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    result = await complete(
        LocalProvider(),
        Request(
            [Message("user", "Extract the name: 'Hi, I am Maria Lopez'")],
            temperature=0,
            max_tokens=40,
            json_schema=schema,
        ),
    )
    assert "name" in json.loads(result.text)


async def test_scripted_provider_rules() -> None:
    provider = ScriptedProvider([{"match": "price", "reply": "It costs 10 euros."}])
    answer = await complete(provider, Request([Message("user", "What's the PRICE?")]))
    assert answer.text == "It costs 10 euros."
    echo = await complete(provider, Request([Message("user", "hello")]))
    assert echo.text == "You said: hello"
