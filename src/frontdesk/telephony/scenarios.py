"""How numbers answer on the simulated phone network.

Every number answers with a scripted caller by default. Numbers in the fictional range
`+1 NXX 555-01XX` behave by their last two digits (00-49 answer, 50-59 busy, 60-69 no answer,
70-79 voicemail, 80-89 answer and hang up after 2-20 s, 90-99 fail), and a JSON file named by
`FRONTDESK_SIMULATED_SCENARIOS` can set any number's behaviour by pattern (first match wins):

    [{"match": "+4420*", "scenario": "busy"},
     {"match": "+14155550123", "scenario": "answer", "lines": ["Hi!", "Bye."]},
     {"match": "+1212*", "scenario": "hang_up_after", "seconds": 8}]
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger("frontdesk.telephony")
KINDS = ("answer", "busy", "no_answer", "voicemail", "hang_up_after", "failed")
DEFAULT_LINES = ("Hello?", "Sure, go ahead.", "That sounds good. Thank you, goodbye.")
VOICEMAIL_GREETING = (
    "Hi, you have reached the voicemail of this number. I can't take your call right now. "
    "Please leave a message after the tone."
)
_FICTIONAL = re.compile(r"^\+1\d{3}55501(\d\d)$")


@dataclass(frozen=True)
class Scenario:
    kind: str = "answer"
    lines: tuple[str, ...] = DEFAULT_LINES
    seconds: float | None = None  # hang_up_after: how long after answering
    ring_seconds: float = 1.0


@dataclass
class _Rules:
    path: Path | None = None
    mtime: float = 0.0
    rules: list[tuple[str, Scenario]] = field(default_factory=list)


_cache = _Rules()


def _load(path: Path) -> list[tuple[str, Scenario]]:
    rules = []
    for item in json.loads(path.read_text()):
        kind = item.get("scenario", "answer")
        if kind not in KINDS:
            raise ValueError(f"unknown scenario {kind!r}; one of {', '.join(KINDS)}")
        scenario = Scenario(
            kind=kind,
            lines=tuple(item.get("lines") or DEFAULT_LINES),
            seconds=item.get("seconds"),
            ring_seconds=float(item.get("ring_seconds", 1.0)),
        )
        rules.append((str(item["match"]), scenario))
    return rules


def _file_rules(path: Path | None) -> list[tuple[str, Scenario]]:
    if path is None:
        return []
    try:
        mtime = path.stat().st_mtime
        if _cache.path != path or _cache.mtime != mtime:
            _cache.path, _cache.mtime, _cache.rules = path, mtime, _load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("simulated_scenarios_unreadable", path=str(path), error=str(exc))
        return []
    return _cache.rules


def scenario_for(number: str, path: Path | None = None) -> Scenario:
    for pattern, scenario in _file_rules(path):
        if fnmatch.fnmatchcase(number, pattern):
            return scenario
    match = _FICTIONAL.match(number)
    if match is None:
        return Scenario()
    last = int(match.group(1))
    if last < 50:
        return Scenario()
    if last < 60:
        return Scenario("busy")
    if last < 70:
        return Scenario("no_answer", ring_seconds=3.0)
    if last < 80:
        return Scenario("voicemail", lines=(VOICEMAIL_GREETING,))
    if last < 90:
        return Scenario("hang_up_after", seconds=2.0 * (last - 79))
    return Scenario("failed")
