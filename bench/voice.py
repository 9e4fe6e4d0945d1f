"""Voice calls per process, side by side with pipecat: the shared load generator
(`../shared/bench/voice`) calls each server over Twilio Media Streams with N concurrent calls.

Both servers run the same contract: VAD on the caller's audio with 0.2 s of end-of-speech
silence, instant fake STT/LLM/TTS (a fixed transcript, a fixed reply, 1 s of tone). Frontdesk runs
its own pipeline (`bench/voice_server.py`); pipecat 1.14 runs the peer's `pipecat_server.py`
(Silero VAD). Each N is a fresh server process pinned to CPU 0, the load generator on CPU 1.

    python -m bench.voice                       # both, N = 1, 10, 20, 30, 50, 100, 200
    python -m bench.voice --ns 1,100 --only frontdesk

The first run creates two virtual environments under bench/.venvs (the load generator's and
pipecat's, pinned in bench/voice/requirements-*.txt). Raw results: bench/results/<label>/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import ROOT, table

SHARED = ROOT.parent / "shared" / "bench" / "voice"
VENVS = ROOT / "bench" / ".venvs"
RESULTS = ROOT / "bench" / "results"
SILENCE_MS = 200.0  # the configured end-of-speech silence of both servers


def venv(name: str, requirements: Path) -> Path:
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENVS / name)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True
        )
    return python


def run(label: str, server_cmd: str, ns: str, harness: Path) -> dict[str, Any]:
    out = RESULTS / label
    subprocess.run(
        [
            str(harness),
            str(SHARED / "harness" / "run_bench.py"),
            "--label",
            label,
            "--ns",
            ns,
            "--out",
            str(out),
            "--server-cmd",
            server_cmd,
        ],
        check=True,
        cwd=SHARED,
    )
    return dict(json.loads((out / "summary.json").read_text()))


def broken(row: dict[str, Any]) -> bool:
    p95 = row.get("latency_ms_p95") or 0
    return bool(
        row["calls_failed"] or row["turns_without_reply"] > 0.05 * row["turns_expected"]
    ) or (p95 > 2000)


def held(rows: list[dict[str, Any]]) -> int:
    """The most calls whose median latency stays within 50 ms of the single call's."""
    base = next((r["latency_ms_median"] for r in rows if r["N"] == 1), None)
    if base is None:
        return 0
    ok = [r["N"] for r in rows if not broken(r) and r["latency_ms_median"] <= base + 50]
    return max(ok, default=0)


def report(label: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{label}")
    body = []
    for r in sorted(rows, key=lambda r: r["N"]):
        median = r["latency_ms_median"]
        body.append(
            [
                str(r["N"]),
                f"{r['calls'] - r['calls_failed']}/{r['calls']}",
                f"{r['turns_expected'] - r['turns_without_reply']}/{r['turns_expected']}",
                f"{median:.1f}" if median else "-",
                f"{median - SILENCE_MS:.1f}" if median else "-",
                f"{r['latency_ms_p95']:.1f}" if r["latency_ms_p95"] else "-",
                f"{100 * r['cpu_s_per_call_s']:.2f}",
                f"{r['server_cpu_util_avg']:.2f}",
                f"{r['peak_rss_mb_hwm']:.0f}",
                f"{(r['peak_rss_mb_hwm'] - r['rss_before_mb']) / max(1, r['N']):.2f}",
                "broken" if broken(r) else "ok",
            ]
        )
    print(
        table(
            [
                "N",
                "calls ok",
                "turns answered",
                "latency median ms",
                "added ms",
                "p95 ms",
                "CPU % of a core per call",
                "cores used",
                "peak RSS MB",
                "MB per call",
                "",
            ],
            body,
        )
    )
    print(f"most calls within +50 ms of one call: {held(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ns", default="1,10,20,30,50,100,200")
    parser.add_argument("--only", choices=["frontdesk", "pipecat"])
    args = parser.parse_args()
    harness = venv("harness", ROOT / "bench" / "voice" / "requirements-harness.txt")
    stats = "--stats-file {out}/internal_N{n}.jsonl"
    results: dict[str, list[dict[str, Any]]] = {}
    if args.only != "pipecat":
        ours = f"{sys.executable} {ROOT / 'bench' / 'voice_server.py'} --port {{port}} {stats}"
        results["frontdesk"] = run("frontdesk", ours, args.ns, harness)["runs"]
    if args.only != "frontdesk":
        pipecat = venv("pipecat", ROOT / "bench" / "voice" / "requirements-pipecat.txt")
        peer = f"{pipecat} servers/pipecat_server.py --port {{port}} --pipeline vad {stats}"
        results["pipecat"] = run("pipecat-vad", peer, args.ns, harness)["runs"]
    for label, rows in results.items():
        report(label, rows)
    if len(results) == 2:
        ours_held, theirs_held = held(results["frontdesk"]), held(results["pipecat"])
        print(
            f"\ncalls per process, Frontdesk / pipecat: {ours_held} / {theirs_held}"
            f" = {ours_held / max(1, theirs_held):.1f}x"
        )


if __name__ == "__main__":
    main()
