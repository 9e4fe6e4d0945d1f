"""The collector around start-up: paused by the `frontdesk` command before its first import,
resumed (with what start-up loaded frozen) once the command has started."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import atexit, gc, sys
atexit.register(lambda: print("collector", gc.isenabled(), gc.get_freeze_count() > 0))
sys.argv = ["frontdesk", *sys.argv[1:]]
from frontdesk.__main__ import main
main()
"""


@pytest.mark.parametrize("command", [["version"], ["kb", "--help"]])
def test_a_command_resumes_collecting_once_started(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *command], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "collector True True"


def test_a_server_resumes_collecting_once_started() -> None:
    # What the app's lifespan and the worker call once they run.
    script = (
        "import gc\n"
        "from frontdesk.kit import collector\n"
        "collector.pause()\n"
        "import frontdesk.app\n"
        "assert not gc.isenabled() and gc.get_freeze_count() == 0\n"
        "collector.settle(long_lived=True)\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True True"
