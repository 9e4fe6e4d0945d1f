"""Conditions of workflow nodes: a small expression language, parsed (never evaluated as
Python) into a tree of comparisons joined by `and`, `or` and `not`.

    message.content contains "urgent" and contact.lead_status in ["new", "contacted"]
    not (call.duration > 60) or call.end_call_reason == "voicemail"
    contact.email exists

A field is a dotted path into the workflow's data (`message.content`, `nodes.n2.status_code`);
a missing field is null. Values are strings ("..." or '...'), numbers, true, false, null and
lists of those. `contains`, `starts_with` and `ends_with` ignore case; `==` does not.

The same tree can be given as JSON: `{"field": "message.content", "operator": "contains",
"value": "urgent"}`, `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 10
OPERATORS = {
    "==": "equals",
    "!=": "not_equals",
    ">": "greater_than",
    ">=": "greater_or_equal",
    "<": "less_than",
    "<=": "less_or_equal",
    "contains": "contains",
    "not_contains": "not_contains",
    "starts_with": "starts_with",
    "ends_with": "ends_with",
    "in": "in",
    "not_in": "not_in",
    "exists": "exists",
    "not_exists": "not_exists",
}
NAMES = frozenset(OPERATORS.values())
UNARY = frozenset({"exists", "not_exists"})
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|>=|<=|>|<)
      | (?P<punct>[()\[\],])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    )""",
    re.VERBOSE,
)
FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$")


class ConditionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read the condition at character {position + 1}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise ConditionError(f"a condition has at most {MAX_LENGTH} characters")
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError("the condition ends too early")
        self.at += 1
        return token

    def word(self, value: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == value:
            self.at += 1
            return True
        return False

    def parse(self) -> dict[str, Any]:
        tree = self.either()
        if self.peek() is not None:
            raise ConditionError(f"unexpected '{self.peek()[1]}'")  # type: ignore[index]
        return tree

    def either(self) -> dict[str, Any]:
        parts = [self.both()]
        while self.word("or"):
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else {"or": parts}

    def both(self) -> dict[str, Any]:
        parts = [self.negated()]
        while self.word("and"):
            parts.append(self.negated())
        return parts[0] if len(parts) == 1 else {"and": parts}

    def negated(self) -> dict[str, Any]:
        if self.word("not"):
            return {"not": self.negated()}
        token = self.peek()
        if token == ("punct", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ConditionError(f"a condition nests at most {MAX_DEPTH} parentheses")
            self.take()
            inner = self.either()
            if self.take() != ("punct", ")"):
                raise ConditionError("a '(' is not closed")
            self.depth -= 1
            return inner
        return self.comparison()

    def comparison(self) -> dict[str, Any]:
        kind, field = self.take()
        if kind != "word" or field.lower() in ("and", "or", "not"):
            raise ConditionError(f"expected a field, found '{field}'")
        kind, op = self.take()
        if kind == "word" and op.lower() == "not":
            kind, op = self.take()
            op = "not_" + op.lower()
        if kind not in ("op", "word") or op.lower() not in OPERATORS:
            raise ConditionError(f"unknown operator '{op}' after {field}")
        operator = OPERATORS[op.lower()]
        if operator in UNARY:
            return {"field": field, "operator": operator}
        return {"field": field, "operator": operator, "value": self.value()}

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            quoted = (
                text
                if text[0] == '"'
                else '"' + text[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'
            )
            try:
                return json.loads(quoted)
            except ValueError:
                raise ConditionError(f"cannot read the text {text}") from None
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        if (kind, text) == ("punct", "["):
            items: list[Any] = []
            if self.peek() == ("punct", "]"):
                self.take()
                return items
            while True:
                items.append(self.value())
                separator = self.take()
                if separator == ("punct", "]"):
                    return items
                if separator != ("punct", ","):
                    raise ConditionError("a list's values are separated by commas")
        raise ConditionError(f"expected a value, found '{text}'")


def parse(text: str) -> dict[str, Any]:
    """The tree of a condition written as text; raises ConditionError saying what is wrong."""
    if not text.strip():
        raise ConditionError("the condition is empty")
    return _Parser(text).parse()


def check(tree: Any, depth: int = 0) -> dict[str, Any]:
    """A condition given as JSON, checked (and returned as is); raises ConditionError."""
    if depth > MAX_DEPTH * 2:
        raise ConditionError("the condition nests too deep")
    if not isinstance(tree, Mapping):
        raise ConditionError("a condition is an object or a text")
    if set(tree) in ({"and"}, {"or"}):
        parts = next(iter(tree.values()))
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{next(iter(tree))}' takes a non-empty list of conditions")
        return {next(iter(tree)): [check(p, depth + 1) for p in parts]}
    if set(tree) == {"not"}:
        return {"not": check(tree["not"], depth + 1)}
    field, operator = tree.get("field"), tree.get("operator")
    if not isinstance(field, str) or not FIELD.match(field):
        raise ConditionError("a comparison needs a 'field' such as message.content")
    if operator not in NAMES:
        raise ConditionError(
            f"unknown operator {operator!r}; use one of {', '.join(sorted(NAMES))}"
        )
    extra = set(tree) - {"field", "operator", "value"}
    if extra:
        raise ConditionError(f"unknown keys {sorted(extra)} in a comparison")
    if operator in ("in", "not_in") and not isinstance(tree.get("value"), list):
        raise ConditionError(f"'{operator}' compares with a list")
    return dict(tree)


def resolve(data: Mapping[str, Any], field: str) -> Any:
    value: Any = data
    for part in field.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(actual: Any, operator: str, expected: Any) -> bool:
    if operator == "exists":
        return actual is not None and actual != ""
    if operator == "not_exists":
        return actual is None or actual == ""
    if operator == "equals":
        return bool(actual == expected)
    if operator == "not_equals":
        return bool(actual != expected)
    if operator in ("in", "not_in"):
        found = actual in expected or (
            isinstance(actual, list) and any(a in expected for a in actual)
        )
        return found if operator == "in" else not found
    if operator in ("greater_than", "greater_or_equal", "less_than", "less_or_equal"):
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            return False
        return {
            "greater_than": a > b,
            "greater_or_equal": a >= b,
            "less_than": a < b,
            "less_or_equal": a <= b,
        }[operator]
    if isinstance(actual, list):  # contains on a list: one of its items (tags)
        wanted = str(expected).lower()
        hit = any(str(item).lower() == wanted for item in actual)
        return hit if operator == "contains" else not hit if operator == "not_contains" else False
    if actual is None:
        return operator == "not_contains"
    text, wanted = str(actual).lower(), str(expected).lower()
    return {
        "contains": wanted in text,
        "not_contains": wanted not in text,
        "starts_with": text.startswith(wanted),
        "ends_with": text.endswith(wanted),
    }[operator]


def evaluate(tree: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    if "and" in tree:
        return all(evaluate(part, data) for part in tree["and"])
    if "or" in tree:
        return any(evaluate(part, data) for part in tree["or"])
    if "not" in tree:
        return not evaluate(tree["not"], data)
    return _compare(resolve(data, tree["field"]), tree["operator"], tree.get("value"))
