"""Tool calls with the embedded model (SmolLM2-135M on llama.cpp): a fixed set of conversations
at temperature 0 where a tool is clearly wanted or clearly not, through `LocalProvider` exactly as
the engine calls it, in three ways: the router picks the tool (the default), the model alone
chooses between a reply and any tool, and `tool_choice` names the wanted tool. Prints, per case
and per way: the tool called (or a reply), whether that was right, whether the arguments fit the
tool's schema and hold the values the customer gave, and the time per request.

    .venv/bin/python -m bench.local_tools [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import machine, table
from frontdesk.llm.base import Message, Request, ToolCall, ToolSpec, complete
from frontdesk.llm.local import LocalProvider
from frontdesk.llm.local_tools import invalid_arguments

SYSTEM = "You are Ava, the assistant of Bolt Bikes, a bicycle shop. Answer in one short sentence."

END_CALL = ToolSpec(
    "end_call",
    "End the conversation or call. Use it when the customer says goodbye or asks to hang up.",
    {"type": "object", "properties": {}},
)
SAVE_EMAIL = ToolSpec(  # what an extract_info action offers
    "save_email",
    "Save the customer's email address when they give it.",
    {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
)
SAVE_CONTACT = ToolSpec(
    "save_contact",
    "Save the customer's name and email address when they give them.",
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
        "required": ["name", "email"],
    },
)
CHECK_ORDER = ToolSpec(  # what a custom_http action offers
    "check_order",
    "Look up the status of a customer's order by its order number.",
    {
        "type": "object",
        "properties": {"order_number": {"type": "string", "description": "the order number"}},
        "required": ["order_number"],
    },
)
TRANSFER = ToolSpec(
    "transfer_to_human",
    "Transfer the customer to a person when they ask for a human.",
    {"type": "object", "properties": {}},
)
BOOK = ToolSpec(
    "book_appointment",
    "Book a repair appointment. Without `start` it lists the free slots.",
    {
        "type": "object",
        "properties": {
            "date": {"type": "string", "description": "YYYY-MM-DD"},
            "start": {"type": "string", "description": "YYYY-MM-DD HH:MM"},
        },
    },
)


@dataclass
class Case:
    name: str
    tools: list[ToolSpec]
    said: list[Message]  # after the system prompt
    wanted: str | None  # the tool that should be called, None for a reply
    values: dict[str, str] = field(default_factory=dict)  # expected in the arguments


def _user(text: str) -> list[Message]:
    return [Message("user", text)]


def _after(call: ToolCall, result: dict[str, Any], question: str) -> list[Message]:
    return [
        Message("user", question),
        Message("assistant", "", tool_calls=[call]),
        Message(
            "tool", json.dumps({"ok": True, "result": result, "error": None}), tool_call_id=call.id
        ),
    ]


CASES = [
    Case("hang up", [END_CALL], _user("Please hang up now."), "end_call"),
    Case("goodbye", [END_CALL, CHECK_ORDER], _user("Thanks, that's all. Goodbye!"), "end_call"),
    Case(
        "end this call",
        [SAVE_EMAIL, CHECK_ORDER, END_CALL],
        _user("I have nothing else, you can end this call."),
        "end_call",
    ),
    Case(
        "name and email",
        [SAVE_CONTACT],
        _user("My name is Ana and my email is ana@example.com"),
        "save_contact",
        {"name": "Ana", "email": "ana@example.com"},
    ),
    Case(
        "email only",
        [SAVE_EMAIL, END_CALL],
        _user("You can reach me at bob@mail.com"),
        "save_email",
        {"email": "bob@mail.com"},
    ),
    Case(
        "email among three tools",
        [CHECK_ORDER, SAVE_EMAIL, END_CALL],
        _user("My email is carla@shop.org, please note it."),
        "save_email",
        {"email": "carla@shop.org"},
    ),
    Case(
        "order status",
        [CHECK_ORDER, END_CALL],
        _user("Where is my order 4512?"),
        "check_order",
        {"order_number": "4512"},
    ),
    Case(
        "order status, letters",
        [SAVE_EMAIL, CHECK_ORDER],
        _user("Can you check the status of order A-77?"),
        "check_order",
        {"order_number": "A-77"},
    ),
    Case(
        "a person",
        [TRANSFER, END_CALL],
        _user("I want to talk to a real person."),
        "transfer_to_human",
    ),
    Case(
        "book",
        [BOOK, END_CALL],
        _user("I'd like to book a repair appointment."),
        "book_appointment",
    ),
    Case("opening hours", [END_CALL], _user("What are your opening hours?"), None),
    Case("sell bicycles", [CHECK_ORDER, END_CALL], _user("Do you sell electric bicycles?"), None),
    Case("hello", [END_CALL, SAVE_EMAIL], _user("Hello!"), None),
    Case("price", [BOOK, END_CALL], _user("How much does a tyre change cost?"), None),
    Case("weather", [CHECK_ORDER], _user("What's the weather like today?"), None),
    Case(
        "sunday",
        [END_CALL, SAVE_EMAIL, CHECK_ORDER],
        _user("Is the shop open on Sunday?"),
        None,
    ),
    Case(
        "after an order lookup",
        [CHECK_ORDER, END_CALL],
        _after(
            ToolCall("call_1", "check_order", {"order_number": "4512"}),
            {"status": "shipped", "arrives": "Friday"},
            "Where is my order 4512?",
        ),
        None,
    ),
    Case(
        "after saving the email",
        [SAVE_EMAIL, END_CALL],
        _after(
            ToolCall("call_2", "save_email", {"email": "bob@mail.com"}),
            {"email": "bob@mail.com"},
            "You can reach me at bob@mail.com",
        ),
        None,
    ),
    Case(
        "after a failed lookup",
        [CHECK_ORDER],
        _after(
            ToolCall("call_3", "check_order", {"order_number": "99"}),
            {},
            "Where is order 99?",
        )[:2]
        + [
            Message(
                "tool",
                json.dumps({"ok": False, "result": {}, "error": "not found"}),
                tool_call_id="call_3",
            )
        ],
        None,
    ),
    Case(
        "question after a tool turn",
        [CHECK_ORDER, END_CALL],
        [
            *_after(
                ToolCall("call_4", "check_order", {"order_number": "12"}),
                {"status": "delivered"},
                "Where is my order 12?",
            ),
            Message("assistant", "Your order 12 was delivered."),
            Message("user", "Great. Do you also repair bikes?"),
        ],
        None,
    ),
]


@dataclass
class Outcome:
    case: Case
    chosen: str | None
    text: str
    arguments: dict[str, Any] | None
    ms: float

    @property
    def right_choice(self) -> bool:
        return self.chosen == self.case.wanted and (self.chosen is not None or bool(self.text))

    @property
    def valid_arguments(self) -> bool | None:
        if self.case.wanted is None or self.chosen != self.case.wanted:
            return None
        tool = next(t for t in self.case.tools if t.name == self.chosen)
        return invalid_arguments(tool, self.arguments or {}) is None

    @property
    def expected_values(self) -> bool | None:
        if not self.case.values or self.chosen != self.case.wanted:
            return None
        got = {k: str(v).strip().lower() for k, v in (self.arguments or {}).items()}
        return all(got.get(k) == v.lower() for k, v in self.case.values.items())


async def run_case(provider: LocalProvider, case: Case, force: bool = False) -> Outcome:
    request = Request(
        [Message("system", SYSTEM), *case.said],
        temperature=0,
        max_tokens=80,
        tools=case.tools,
        tool_choice=case.wanted if force else None,
    )
    started = time.perf_counter()
    result = await complete(provider, request)
    ms = (time.perf_counter() - started) * 1000
    call = result.tool_calls[0] if result.tool_calls else None
    return Outcome(
        case, call.name if call else None, result.text, call.arguments if call else None, ms
    )


def _mark(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _rows(outcomes: list[Outcome], verbose: bool) -> list[list[str]]:
    rows = []
    for o in outcomes:
        shown = o.chosen or "reply"
        if verbose:
            shown += f" {json.dumps(o.arguments) if o.chosen else json.dumps(o.text[:80])}"
        right = _mark(o.right_choice)
        valid, values = _mark(o.valid_arguments), _mark(o.expected_values)
        rows.append([o.case.name, o.case.wanted or "reply", shown, right, valid, values])
        rows[-1].append(f"{o.ms:.0f}")
    return rows


def _summary(outcomes: list[Outcome]) -> list[str]:
    calls = [o for o in outcomes if o.case.wanted is not None]
    replies = [o for o in outcomes if o.case.wanted is None]
    right = [o for o in calls if o.right_choice]
    with_values = [o for o in calls if o.case.values]
    return [
        f"{len(right)}/{len(calls)}",
        str(sum(o.chosen not in (None, o.case.wanted) for o in calls)),
        f"{sum(bool(o.valid_arguments) for o in right)}/{len(right)}",
        f"{sum(bool(o.expected_values) for o in with_values)}/{len(with_values)}",
        f"{sum(o.right_choice for o in replies)}/{len(replies)}" if replies else "",
        f"{sum(o.chosen is not None for o in replies)}" if replies else "",
        f"{statistics.median(o.ms for o in outcomes):.0f}",
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="show each reply and arguments")
    args = parser.parse_args()
    routed, alone = LocalProvider(), LocalProvider(route_tools=False)
    await run_case(routed, CASES[0])  # loads the models
    wanted = [c for c in CASES if c.wanted is not None]
    modes = {
        "router picks the tool, the model writes the arguments (default)": [
            await run_case(routed, case) for case in CASES
        ],
        "the model alone chooses (reply or any tool)": [
            await run_case(alone, case) for case in CASES
        ],
        "tool_choice names the wanted tool (arguments only)": [
            await run_case(routed, case, force=True) for case in wanted
        ],
    }
    print(f"Tool calls with the local model ({machine()}), temperature 0\n")
    header = ["case", "wanted", "got", "right", "args valid", "expected values", "ms"]
    for mode, outcomes in modes.items():
        print(f"{mode}:\n\n{table(header, _rows(outcomes, args.verbose))}\n")
    header = [
        "mode",
        "right tool called",
        "wrong tool called",
        "arguments valid",
        "expected values",
        "replied when no tool wanted",
        "a tool called when none wanted",
        "median ms",
    ]
    print(table(header, [[mode, *_summary(outcomes)] for mode, outcomes in modes.items()]))


if __name__ == "__main__":
    asyncio.run(main())
