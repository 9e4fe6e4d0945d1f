"""The JSON protocol through which the embedded model calls tools (it has no tool format).

The tools offered are listed in the system prompt and the model's output is constrained, by a
llama.cpp grammar built from a JSON schema, to one JSON object: `{"reply": "..."}` (text for the
customer, decoded as it streams) or `{"tool": "<name>", "arguments": {...}}` (a call, its
arguments constrained by that tool's parameters schema and, for needed free text, to the words the
customer wrote). Calls and their results are written back into the conversation in the same form.
Which tools are offered is decided in `local_router`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema_rs

from frontdesk.llm.base import Message, Request, ToolCall, ToolSpec

REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"reply": {"type": "string"}},
    "required": ["reply"],
}
ANY_OBJECT: dict[str, Any] = {"type": "object"}

REPLY_FORMAT = 'Answer with one JSON object: {"reply": "..."} with your answer to the customer.'
CHOICE_FORMAT = (
    'Answer with one JSON object. To answer the customer: {{"reply": "..."}}\n'
    'To use a tool: {{"tool": "{example}", "arguments": {{...}}}}\n'
    "Use a tool only when the customer's last message asks for what it does; otherwise reply."
)
CALL_FORMAT = (
    'Use a tool now: answer with one JSON object {{"tool": "{example}", "arguments": {{...}}}}. '
    "Fill the arguments only with what the customer said; leave out optional arguments they "
    "did not give."
)


def _converts(schema: dict[str, Any]) -> bool:
    """Whether llama.cpp's JSON-schema converter turns the schema into a grammar."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        json_schema_to_gbnf(json.dumps(schema))
    except Exception:  # the converter fails with assertions, ValueError, KeyError...
        return False
    return True


@lru_cache(maxsize=256)
def _arguments_schema(parameters: str) -> str:
    schema = json.loads(parameters)
    return parameters if isinstance(schema, dict) and _converts(schema) else json.dumps(ANY_OBJECT)


def arguments_schema(tool: ToolSpec) -> dict[str, Any]:
    """The tool's parameters schema, or any object when the grammar converter cannot handle it
    (the arguments are then only checked after generation)."""
    parameters = json.dumps(tool.parameters or {"type": "object", "properties": {}})
    result: dict[str, Any] = json.loads(_arguments_schema(parameters))
    return result


_REGEX_SPECIAL = set("|.()[]{}*+?")
_TRIM = ",.;:!?()[]{}\"'<>"


def _literal(word: str) -> str:
    """A word as a regular expression for llama.cpp's converter: special characters go in a
    character class (its literals know no `\\.`)."""
    return "".join(
        f"[\\{c}]" if c in "[]" else f"[{c}]" if c in _REGEX_SPECIAL else c for c in word
    )


def words(messages: list[Message], last: int = 3) -> list[str]:
    """The words of the customer's last messages, as written and without the punctuation
    around them."""
    said = [m.content or "" for m in messages if m.role == "user"][-last:]
    found: dict[str, None] = {}
    for text in said:
        for raw in text.split():
            for word in (raw, raw.strip(_TRIM)):
                if word and '"' not in word and "\\" not in word:  # JSON would escape them
                    found[word] = None
    return list(found)


def copied(schema: dict[str, Any], said: list[str]) -> dict[str, Any]:
    """The arguments schema with each needed free-text string (required, or the only argument)
    restricted to words the customer wrote, one or more separated by spaces: the small model
    otherwise garbles what it copies ("anana.example.com") or invents a value ("your_email").
    Optional arguments stay free, as the model fills them with any word it is allowed; an
    invented one is dropped afterwards (see `grounded`)."""
    properties = schema.get("properties")
    if not said or not isinstance(properties, dict):
        return schema
    word = "(" + "|".join(_literal(w) for w in said) + ")"
    span = {"pattern": f"^{word}( {word})*$"}
    needed = set(schema.get("required") or []) | (
        set(properties) if len(properties) == 1 else set()
    )

    def free(p: dict[str, Any]) -> bool:
        return {k: v for k, v in p.items() if k != "description"} == {"type": "string"}

    return {
        **schema,
        "properties": {
            name: {**p, **span} if name in needed and free(p) else p
            for name, p in properties.items()
        },
    }


def output_schema(
    tools: list[ToolSpec], replies: bool = True, said: list[str] | None = None
) -> dict[str, Any]:
    """One JSON object: a reply (when `replies`) or a call of one of `tools`, its free-text
    arguments made of the words in `said` when given."""
    variants = [REPLY_SCHEMA] if replies else []
    variants += [
        {
            "type": "object",
            "properties": {
                "tool": {"const": t.name},
                "arguments": copied(arguments_schema(t), said or []),
            },
            "required": ["tool", "arguments"],
        }
        for t in tools
    ]
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def offered(request: Request) -> tuple[list[ToolSpec], bool]:
    """The tools the model may call this round, and whether it may reply instead.

    `tool_choice` forces that tool. Otherwise a tool already called since the customer's last
    message is not offered again: the small model would call it in a loop instead of answering.
    """
    if request.tool_choice is not None:
        forced = [t for t in request.tools if t.name == request.tool_choice]
        if not forced:
            raise ValueError(f"tool_choice {request.tool_choice!r} is not one of the tools")
        return forced, False
    called: set[str] = set()
    for message in reversed(request.messages):
        if message.role == "user":
            break
        called.update(c.name for c in message.tool_calls)
    return [t for t in request.tools if t.name not in called], True


def last_customer_message(messages: list[Message]) -> str:
    return next((m.content or "" for m in reversed(messages) if m.role == "user"), "")


def after_tool_results(messages: list[Message]) -> bool:
    """Tools have run since the customer's last message."""
    for message in reversed(messages):
        if message.role == "user":
            return False
        if message.role == "tool":
            return True
    return False


def _signature(tool: ToolSpec) -> str:
    properties = tool.parameters.get("properties") or {}
    if not properties:
        return "no arguments"
    required = set(tool.parameters.get("required") or [])
    parts = []
    for name, schema in properties.items():
        kind = " or ".join(json.dumps(v) for v in schema["enum"]) if "enum" in schema else None
        kind = kind or str(schema.get("type", "value"))
        note = f", {schema['description']}" if schema.get("description") else ""
        parts.append(f"{name} ({kind}{'' if name in required else ', optional'}{note})")
    return "arguments: " + "; ".join(parts)


def system_text(tools: list[ToolSpec], replies: bool = True) -> str:
    """The tool list and the answer format, added to the system prompt."""
    if not tools:
        return REPLY_FORMAT
    lines = [f"- {t.name}: {t.description.strip() or t.name} ({_signature(t)})" for t in tools]
    answer = (CHOICE_FORMAT if replies else CALL_FORMAT).format(example=tools[0].name)
    return "Tools:\n" + "\n".join(lines) + f"\n\n{answer}"


def _call_text(call: ToolCall) -> str:
    return json.dumps({"tool": call.name, "arguments": call.arguments})


def render(
    messages: list[Message], tools: list[ToolSpec], replies: bool = True, plain: bool = False
) -> list[dict[str, str]]:
    """The conversation as chat messages for the model: calls written as the JSON the model
    produces, results as the customer's turn ("Result of <tool>: ..."). With `plain`, replies
    stay text and no answer format is added."""
    names = {c.id: c.name for m in messages for c in m.tool_calls}
    out: list[dict[str, str]] = []
    for m in messages:
        if m.role == "system":
            out.append({"role": "system", "content": (m.content or "").strip()})
        elif m.role == "assistant" and m.tool_calls:
            out.extend({"role": "assistant", "content": _call_text(c)} for c in m.tool_calls)
        elif m.role == "assistant":
            text = m.content or ""
            out.append({"role": "assistant", "content": text if plain else _reply_text(text)})
        elif m.role == "tool":
            name = names.get(m.tool_call_id or "", "the tool")
            out.append({"role": "user", "content": f"Result of {name}: {_result_text(m.content)}"})
        else:
            out.append({"role": "user", "content": m.content or ""})
    if plain:
        return out
    extra = system_text(tools, replies)
    if out and out[0]["role"] == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{extra}".strip()
    else:
        out.insert(0, {"role": "system", "content": extra})
    return out


def _result_text(content: str | None) -> str:
    """A tool result as the engine reports it ({"ok", "result", "error"}) in plain words: the
    small model misreads nested JSON."""
    try:
        told = json.loads(content or "")
    except json.JSONDecodeError:
        return content or ""
    if not isinstance(told, dict) or "ok" not in told:
        return content or ""
    if not told["ok"]:
        return f"failed: {told.get('error') or 'unknown error'}"
    result = told.get("result")
    if not isinstance(result, dict) or not result:
        return "done" if not result else json.dumps(result)
    return "done. " + "; ".join(
        f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in result.items()
    )


def _reply_text(text: str) -> str:
    return json.dumps({"reply": text})


@dataclass
class Parsed:
    reply: str | None = None
    call: ToolCall | None = None
    error: str | None = None  # the output was not a usable reply or call: what was wrong


def parse(output: str, tools: list[ToolSpec], messages: list[Message]) -> Parsed:
    """Read the model's JSON; a call's arguments are checked against what the customer said
    (see `grounded`) and the tool's schema."""
    try:
        value = json.loads(output, strict=False)  # strict=False: raw control characters
    except json.JSONDecodeError:
        return Parsed(error="the answer was not complete JSON (cut off?)")
    if not isinstance(value, dict):
        return Parsed(error="the answer was not a JSON object")
    if isinstance(value.get("reply"), str):
        return Parsed(reply=value["reply"])
    by_name = {t.name: t for t in tools}
    tool = by_name.get(str(value.get("tool")))
    if tool is None:
        return Parsed(error=f"there is no tool named {value.get('tool')!r}")
    arguments = value.get("arguments")
    if not isinstance(arguments, dict):
        return Parsed(error="the arguments must be a JSON object")
    arguments, problem = grounded(tool, arguments, messages)
    call = ToolCall(f"call_{uuid.uuid4().hex[:12]}", tool.name, arguments)
    return Parsed(call=call, error=problem or invalid_arguments(tool, arguments))


def grounded(
    tool: ToolSpec, arguments: dict[str, Any], messages: list[Message]
) -> tuple[dict[str, Any], str | None]:
    """Text arguments must come from what the customer wrote: the small model fills a schema
    with invented values ("2023-01-01", "1234567890") rather than leave it empty. An invented
    optional argument is dropped; an invented required one makes the call invalid."""
    said = " ".join(m.content or "" for m in messages if m.role == "user").casefold()
    required = set(tool.parameters.get("required") or [])
    properties = tool.parameters.get("properties") or {}
    kept: dict[str, Any] = {}
    for name, value in arguments.items():
        free_text = isinstance(value, str) and "enum" not in properties.get(name, {})
        if not free_text or (value.strip() and value.strip().casefold() in said):
            kept[name] = value
        elif name in required:
            return arguments, f"{name} is missing: ask the customer for it"
    return kept, None


def invalid_arguments(tool: ToolSpec, arguments: dict[str, Any]) -> str | None:
    if not tool.parameters:
        return None
    try:
        jsonschema_rs.validate(tool.parameters, arguments)
    except jsonschema_rs.ValidationError as exc:
        where = "/".join(str(p) for p in exc.instance_path)
        return f"invalid arguments{' at ' + where if where else ''}: {exc.message}"
    except ValueError as exc:  # the schema itself is not valid JSON Schema
        return f"the tool's schema cannot be checked: {exc}"
    return None


class ReplyDecoder:
    """Decodes the text of `{"reply": "..."}` while the JSON is still arriving, so a reply
    streams as the model writes it."""

    def __init__(self) -> None:
        self.raw = ""
        self.sent = 0  # characters of the decoded reply already returned
        self.done = False

    @property
    def started(self) -> bool:
        """The output is a reply (its string has begun)."""
        return _reply_start(self.raw) is not None

    def feed(self, piece: str) -> str:
        self.raw += piece
        if self.done:
            return ""
        start = _reply_start(self.raw)
        if start is None:
            return ""
        body, self.done = _string_prefix(self.raw[start:])
        try:
            text: str = json.loads(f'"{body}"', strict=False)
        except json.JSONDecodeError:
            return ""
        new = text[self.sent :]
        self.sent = len(text)
        return new


def _reply_start(raw: str) -> int | None:
    """Where the reply string's characters begin, once `{"reply": "` has been written."""
    stripped = raw.lstrip()
    if not stripped.startswith("{"):
        return None
    rest = stripped[1:].lstrip()
    key = '"reply"'
    if not rest.startswith(key):
        return None
    rest = rest[len(key) :].lstrip()
    if not rest.startswith(":"):
        return None
    rest = rest[1:].lstrip()
    if not rest.startswith('"'):
        return None
    return len(raw) - len(rest) + 1


def _string_prefix(body: str) -> tuple[str, bool]:
    """The longest part of a JSON string's body that decodes on its own (no half escape or
    half surrogate pair), and whether the string has ended."""
    i = 0
    safe = 0
    while i < len(body):
        char = body[i]
        if char == '"':
            return body[:i], True
        if char != "\\":
            i += 1
            safe = i
            continue
        if i + 1 >= len(body):
            break
        if body[i + 1] != "u":
            i += 2
            safe = i
            continue
        if i + 6 > len(body):
            break
        code = int(body[i + 2 : i + 6], 16) if _is_hex(body[i + 2 : i + 6]) else 0
        if 0xD800 <= code <= 0xDBFF and i + 12 > len(body):
            break  # the low half of the pair has not arrived
        i += 12 if 0xD800 <= code <= 0xDBFF else 6
        safe = i
    return body[:safe], False


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


@lru_cache(maxsize=64)
def _grammar_text(schema: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(schema))


def grammar(schema: dict[str, Any]) -> Any:
    """A llama.cpp grammar for the schema (every part of it converts: see `arguments_schema`)."""
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(_grammar_text(json.dumps(schema)), verbose=False)
