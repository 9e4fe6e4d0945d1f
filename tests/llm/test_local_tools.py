"""Tool calls with the embedded model (the real SmolLM2-135M, temperature 0), and the JSON
protocol around it."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from frontdesk.llm import local_tools
from frontdesk.llm.base import Delta, Message, Request, ToolCall, ToolSpec, complete
from frontdesk.llm.local import LocalProvider

SYSTEM = Message("system", "You are Ava, the assistant of Bolt Bikes. Answer in one sentence.")
SAVE_EMAIL = ToolSpec(
    "save_email",
    "Save the customer's email address when they give it.",
    {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
)
CHECK_ORDER = ToolSpec(
    "check_order",
    "Look up the status of a customer's order by its order number.",
    {
        "type": "object",
        "properties": {"order_number": {"type": "string"}},
        "required": ["order_number"],
    },
)
END_CALL = ToolSpec(
    "end_call",
    "End the conversation or call. Use it when the customer says goodbye or asks to hang up.",
    {"type": "object", "properties": {}},
)


def _request(*said: Message, tools: list[ToolSpec], **fields: object) -> Request:
    return Request([SYSTEM, *said], temperature=0, max_tokens=60, tools=tools, **fields)  # type: ignore[arg-type]


async def test_forced_tool_call_has_arguments_valid_against_the_schema() -> None:
    request = _request(
        Message("user", "Hi, my email is ana@example.com"),
        tools=[SAVE_EMAIL, END_CALL],
        tool_choice="save_email",
    )
    result = await complete(LocalProvider(), request)
    assert [c.name for c in result.tool_calls] == ["save_email"]
    arguments = result.tool_calls[0].arguments
    jsonschema_rs.validate(SAVE_EMAIL.parameters, arguments)
    assert arguments["email"].casefold() == "ana@example.com"
    assert result.text == ""
    assert result.usage.prompt_tokens > 0
    assert result.usage.completion_tokens > 0
    assert result.model == "smollm2-135m-instruct"


async def test_a_message_that_asks_for_a_tool_gets_a_call() -> None:
    request = _request(Message("user", "Where is my order 4512?"), tools=[CHECK_ORDER, END_CALL])
    result = await complete(LocalProvider(), request)
    assert [(c.name, c.arguments) for c in result.tool_calls] == [
        ("check_order", {"order_number": "4512"})
    ]
    assert result.tool_calls[0].id.startswith("call_")


async def test_a_question_with_tools_offered_gets_a_text_reply() -> None:
    request = _request(Message("user", "What are your opening hours?"), tools=[END_CALL])
    result = await complete(LocalProvider(), request)
    assert result.tool_calls == []
    assert result.text.strip()
    assert not result.text.lstrip().startswith("{")


async def test_after_a_tool_result_the_reply_streams_as_text() -> None:
    call = ToolCall("call_1", "check_order", {"order_number": "4512"})
    told = json.dumps({"ok": True, "result": {"status": "shipped"}, "error": None})
    request = _request(
        Message("user", "Where is my order 4512?"),
        Message("assistant", "", tool_calls=[call]),
        Message("tool", told, tool_call_id="call_1"),
        tools=[CHECK_ORDER, END_CALL],
    )
    deltas: list[Delta] = [d async for d in LocalProvider().stream(request)]
    pieces = [d.text for d in deltas if d.text]
    assert len(pieces) > 1, "the reply arrives in pieces while the JSON is generated"
    text = "".join(pieces)
    assert text.strip()
    assert '"reply"' not in text, "the JSON around the reply is not shown"
    assert not any(d.tool_calls for d in deltas), "a tool that ran is not offered again"
    usage = deltas[-1].usage
    assert usage is not None
    assert usage.completion_tokens >= len(pieces)


async def test_a_tool_choice_that_names_no_tool_is_refused() -> None:
    request = _request(Message("user", "Hello"), tools=[END_CALL], tool_choice="nope")
    with pytest.raises(ValueError, match="nope"):
        await complete(LocalProvider(), request)


def test_invented_arguments_are_not_taken() -> None:
    said = [Message("user", "Is the shop open on Sunday?")]
    parsed = local_tools.parse(
        '{"tool": "check_order", "arguments": {"order_number": "1234567890"}}', [CHECK_ORDER], said
    )
    assert parsed.error is not None
    assert "order_number" in parsed.error
    booking = ToolSpec(
        "book",
        "Book an appointment.",
        {"type": "object", "properties": {"start": {"type": "string"}}},
    )
    said = [Message("user", "I'd like to book a repair.")]
    parsed = local_tools.parse(
        '{"tool": "book", "arguments": {"start": "2023-01-01"}}', [booking], said
    )
    assert parsed.error is None
    assert parsed.call is not None
    assert parsed.call.arguments == {}, "an invented optional argument is left out"


def test_a_schema_the_grammar_cannot_express_is_checked_after_generation() -> None:
    tool = ToolSpec(
        "lookup",
        "Look something up.",
        {
            "type": "object",
            "properties": {"code": {"type": "string", "pattern": "[A-Z]{3}"}},  # no ^...$
            "required": ["code"],
        },
    )
    assert local_tools.arguments_schema(tool) == {"type": "object"}
    local_tools.grammar(local_tools.output_schema([tool], replies=True))  # still builds
    said = [Message("user", "the code is abc and ABC")]
    wrong = local_tools.parse('{"tool": "lookup", "arguments": {"code": "abc"}}', [tool], said)
    assert wrong.error is not None
    assert "invalid arguments" in wrong.error
    right = local_tools.parse('{"tool": "lookup", "arguments": {"code": "ABC"}}', [tool], said)
    assert right.error is None


def test_reply_decoder_streams_a_json_string_split_anywhere() -> None:
    output = '{"reply": "Caf\\u00e9 \\"Bolt\\" \\ud83d\\udeb2 opens at 9.\\nSee you!"}'
    expected = json.loads(output)["reply"]
    for size in (1, 2, 3, 7):
        decoder = local_tools.ReplyDecoder()
        pieces = [decoder.feed(output[i : i + size]) for i in range(0, len(output), size)]
        assert "".join(pieces) == expected
        assert decoder.started
    call = local_tools.ReplyDecoder()
    assert call.feed('{"tool": "end_call", "arguments": {}}') == ""
    assert not call.started


def test_tool_turns_are_written_back_for_the_model() -> None:
    call = ToolCall("call_9", "check_order", {"order_number": "7"})
    told = json.dumps({"ok": False, "result": {}, "error": "not found"})
    rendered = local_tools.render(
        [
            SYSTEM,
            Message("user", "Order 7?"),
            Message("assistant", "", tool_calls=[call]),
            Message("tool", told, tool_call_id="call_9"),
        ],
        [CHECK_ORDER],
    )
    assert [m["role"] for m in rendered] == ["system", "user", "assistant", "user"]
    assert "check_order" in rendered[0]["content"]
    assert '{"reply": "..."}' in rendered[0]["content"]
    assert json.loads(rendered[2]["content"]) == {
        "tool": "check_order",
        "arguments": {"order_number": "7"},
    }
    assert rendered[3]["content"] == "Result of check_order: failed: not found"
