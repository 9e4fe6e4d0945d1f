"""`{{variable}}` placeholders: filled from a mapping; unknown ones stay visible, reported."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}")


def render(template: str, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The filled text and the names that had no value (left as written)."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None:
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return str(value)

    return PLACEHOLDER.sub(fill, template), missing


def names(template: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(template)))
