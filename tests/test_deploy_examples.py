"""The deployment examples in deploy/ stay true to the software: every setting they name exists,
every command they run is a `frontdesk` command with options it accepts, and the probes point at
routes that answer."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import yaml
from typer.testing import CliRunner

from frontdesk.cli import app as cli
from frontdesk.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SETTING = re.compile(r"\bFRONTDESK_[A-Z0-9_]+\b")
KNOWN = {f"FRONTDESK_{name.upper()}" for name in Settings.model_fields}


def _manifests() -> list[dict[str, Any]]:
    text = (DEPLOY / "kubernetes" / "frontdesk.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _commands() -> list[list[str]]:
    """Every `frontdesk ...` command line of the examples."""
    found: list[list[str]] = []
    for doc in _manifests():
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []):
            found.append(list(container["args"]))
    for unit in (DEPLOY / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append(shlex.split(line.removeprefix("ExecStart=").replace("%i", "8001")))
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd is not None
    found.append(yaml.safe_load(cmd.group(1)))
    return found


def test_every_setting_named_exists() -> None:
    files = [*DEPLOY.rglob("*"), Path(__file__).resolve().parents[1] / "docs" / "deployment.md"]
    named = {m for f in files if f.is_file() for m in SETTING.findall(f.read_text())}
    assert named, "the examples name settings"
    assert named <= KNOWN, f"unknown settings: {sorted(named - KNOWN)}"


def test_every_command_is_a_frontdesk_command_it_accepts() -> None:
    runner = CliRunner()
    commands = _commands()
    assert len(commands) >= 6
    for command in commands:
        assert Path(command[0]).name == "frontdesk", command
        result = runner.invoke(cli, [*command[1:], "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_the_kubernetes_probes_point_at_the_health_routes() -> None:
    probes = []
    for doc in _manifests():
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []):
            for name in ("readinessProbe", "livenessProbe", "startupProbe"):
                if name in container:
                    probes.append(container[name]["httpGet"]["path"])
    assert {"/readiness", "/health"} <= set(probes)


async def test_the_probe_routes_answer(client: httpx.AsyncClient) -> None:
    for path in ("/readiness", "/health"):
        assert (await client.get(path)).status_code == 200
