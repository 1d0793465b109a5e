"""Summarise py-spy raw (folded) samples: the share of samples in which each function appears (inclusive) and
the share in which it is the innermost frame (exclusive).

Usage: ``python bench/profile_report.py FILE [--top 40] [--filter TEXT]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def frame_name(frame: str) -> str:
    name, _, where = frame.partition(" (")
    module = where.rsplit(":", 1)[0].rstrip(")")
    parts = module.split("/")
    short = "/".join(parts[-2:]) if len(parts) > 1 else module
    return f"{name} [{short}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--filter", default="", help="only samples whose stack contains this text")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for text in args.file.read_text().splitlines():
        stack, _, count = text.rpartition(" ")
        if not stack or args.filter not in stack:
            continue
        samples = int(count)
        total += samples
        frames = [frame_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        exclusive[frames[-1]] += samples
    print(f"{total} samples")
    print("inclusive:")
    for name, samples in inclusive.most_common(args.top):
        print(f"  {100 * samples / total:5.1f} %  {name}")
    print("exclusive:")
    for name, samples in exclusive.most_common(args.top // 2):
        print(f"  {100 * samples / total:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
