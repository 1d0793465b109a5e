"""Run every benchmark (``make bench``), one process each, and print a summary of figures, baselines and ratios.

Each script prints its own figure, the baseline it measured in the same run on this machine, and their ratio;
the ratios are judged against the goals of issues 9 and 19, never an absolute time. Exits non-zero only when a script
fails (a server that does not start, money that does not add up), never because a goal is not met.

Usage: ``python bench/run_all.py [webhooks purchases bot memory]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ["webhooks", "purchases", "bot", "memory"]


def run(name: str) -> dict | None:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / f"{name}.py")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    found = None
    assert process.stdout is not None
    for text in process.stdout:
        if text.startswith("RESULT "):
            found = json.loads(text.removeprefix("RESULT "))
        else:
            print(text, end="", flush=True)
    code = process.wait()
    print(f"  ({name}: {time.monotonic() - started:.0f} s)", flush=True)
    if code != 0:
        print(f"  {name} FAILED with exit status {code}", flush=True)
        return None
    return found


def summary(results: dict[str, dict | None]) -> None:
    print("\n=== Summary (ratios against baselines measured in this run) ===")
    rows = []
    if r := results.get("webhooks"):
        rows.append(("webhooks credited/s", f"{r['rate']}", f"pgbench {r['pgbench']}", r["ratio_pgbench"], ">= 25 %"))
        rows.append(("", "", f"minimal credit {r['minimal']}", r["ratio_minimal"], ">= 25 %"))
        rows.append(("", "", f"bare Litestar {r['bare']}", r["ratio_bare"], ">= 50 %"))
        rows.append(("web CPU per webhook (ms)", f"{r['cpu_ms']}", "goal 0.6 ms", r["ratio_cpu_goal"], "<= 100 %"))
    if r := results.get("purchases"):
        rows.append(("purchases completed/s", f"{r['rate']}", f"pgbench {r['pgbench']}", r["ratio_pgbench"], ">= 20 %"))
        rows.append(("", "", f"minimal hold {r['minimal']}", r["ratio_minimal"], "(reported)"))
    if r := results.get("bot"):
        rows.append(("bot /balance updates/s", f"{r['rate']}", f"bare aiogram {r['bare']}", r["ratio_bare"], ">= 50 %"))
    if r := results.get("memory"):
        rows.append(("RSS after webhooks (MB)", f"{r['after_mb']}", "goal 150 MB", r["ratio_goal"], "<= 100 %"))
    for figure, value, baseline, ratio, goal in rows:
        print(f"  {figure:<24} {value:>9}   {baseline:<22} {ratio * 100:6.1f} %   goal {goal}")
    for name, found in results.items():
        if found is None:
            print(f"  {name}: failed, see above")


def main() -> int:
    chosen = sys.argv[1:] or SCRIPTS
    unknown = [name for name in chosen if name not in SCRIPTS]
    if unknown:
        print(f"unknown benchmarks: {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}", file=sys.stderr)
        return 2
    results = {name: run(name) for name in chosen}
    summary(results)
    return 0 if all(found is not None for found in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
