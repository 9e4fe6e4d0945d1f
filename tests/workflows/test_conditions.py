from __future__ import annotations

from typing import Any

import pytest

from frontdesk.workflows.conditions import ConditionError, check, evaluate, parse

DATA: dict[str, Any] = {
    "message": {"content": "This is URGENT, please call"},
    "contact": {"lead_status": "new", "tags": ["vip", "b2b"], "email": None, "score": 72},
    "call": {"duration": 45.5},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('message.content contains "urgent"', True),
        ("message.content starts_with 'this'", True),
        ('message.content ends_with "CALL"', True),
        ('message.content == "urgent"', False),
        ('contact.lead_status in ["new", "qualifying"]', True),
        ('contact.lead_status not in ["new"]', False),
        ('contact.tags contains "VIP"', True),
        ('contact.tags not contains "retail"', True),
        ("contact.score >= 72 and call.duration < 60", True),
        ("contact.score > 72 or call.duration > 60", False),
        ("not (contact.score > 72)", True),
        ("contact.email exists", False),
        ("contact.email not_exists", True),
        ("contact.missing.deep == null", True),
        ("contact.score > 'abc'", False),
        ('message.content contains "urgent" and not contact.lead_status == "won"', True),
    ],
)
def test_expressions(text: str, expected: bool) -> None:
    assert evaluate(parse(text), DATA) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "message.content",
        "message.content like 'x'",
        "message.content == ",
        "(a == 1",
        "a == 1 b == 2",
        "__import__('os').system('true') == 1",
        "a == [1, 2",
    ],
)
def test_what_is_not_a_condition(text: str) -> None:
    with pytest.raises(ConditionError):
        parse(text)


def test_json_form() -> None:
    tree = check(
        {
            "and": [
                {"field": "message.content", "operator": "contains", "value": "urgent"},
                {"not": {"field": "contact.lead_status", "operator": "equals", "value": "won"}},
            ]
        }
    )
    assert evaluate(tree, DATA)
    bad: Any
    for bad in (
        {"field": "x", "operator": "like", "value": 1},
        {"and": []},
        {"field": "x y", "operator": "equals"},
        {"field": "x", "operator": "in", "value": "abc"},
        [1, 2],
    ):
        with pytest.raises(ConditionError):
            check(bad)
