"""What an idle phone costs, beside what it must cost: the floor, and where the bytes go.

    python -m benchmarks.memory floor --phones 100000
    python -m benchmarks.memory trace --phones 10000

`floor` keeps, for each phone, only what identifies it end to end (device id, push token, ECID, email: four
strings in a tuple, with the tokens' real lengths) and measures the RSS growth per phone the same way the fleet
is measured (`benchmarks.fanout --idle-only`): the irreducible cost the stack's per-phone bytes are compared to.
`trace` builds a fleet in-process under tracemalloc and lists the source lines whose allocations survive, in
bytes per phone: where the bytes of a phone go, when the goal is missed. Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import linecache
import secrets
import sys
import tracemalloc
from collections import Counter
from typing import Any

from benchmarks.fanout import add_phones, email_of, prepare, rss_bytes, warm_up_count
from benchmarks.profiling import where

#: Frames kept per allocation: enough to reach the project's line under a library or a generated `__init__`.
TRACE_FRAMES = 12
PROJECT_PACKAGES = ("simulator", "harness", "benchmarks")
APNS_TOKEN_CHARS = 64
FCM_TOKEN_CHARS = 163


def floor(count: int) -> dict[str, Any]:
    """RSS growth per phone of the identifiers alone."""
    gc.collect()
    before = rss_bytes()
    fleet: list[tuple[str, str, str, str]] = []
    for index in range(count):
        chars = APNS_TOKEN_CHARS if index % 2 == 0 else FCM_TOKEN_CHARS
        token = secrets.token_urlsafe(chars)[:chars]
        fleet.append((f"bench/phone-{index + 1}", token, f"{index:038d}", email_of(index)))
    gc.collect()
    grown = rss_bytes() - before
    return {"phones": len(fleet), "bytes_per_phone": round(grown / count)}


async def _traced_fleet(count: int) -> tuple[tracemalloc.Snapshot, tracemalloc.Snapshot]:
    from simulator.client import StackClient
    from simulator.stack import Stack

    client = await StackClient.inprocess(Stack.build(seed="bench"))
    sender = await prepare(client)
    warm = warm_up_count(count)
    phones = await add_phones(client, warm, sender)
    gc.collect()
    tracemalloc.start(TRACE_FRAMES)
    before = tracemalloc.take_snapshot()
    phones += await add_phones(client, count - warm, sender, first=warm)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    del phones
    await client.aclose()
    return before, after


def _project_frame(traceback: tracemalloc.Traceback) -> tracemalloc.Frame:
    """The most recent frame in the project's own code (what kept the memory), else the most recent frame."""
    for frame in reversed(traceback):
        if any(f"/{package}/" in frame.filename for package in PROJECT_PACKAGES):
            return frame
    return traceback[-1]


def trace(count: int, top: int = 15) -> dict[str, Any]:
    """The source lines holding a fleet's memory, in bytes per phone (tracemalloc).

    Each allocation is charged to the most recent line of the project's own code on its stack (a pydantic model
    kept by the platform is charged to the platform's line, not to pydantic), and `allocated_in` names the line
    that allocated when it lies elsewhere (a library, a dataclass's generated `__init__`).
    """
    before, after = asyncio.run(_traced_fleet(count))
    count -= warm_up_count(count)
    sites: dict[tuple[str, int], list[Any]] = {}
    total = 0
    for difference in after.compare_to(before, "traceback"):
        total += difference.size_diff
        frame, allocated = _project_frame(difference.traceback), difference.traceback[-1]
        site = sites.setdefault((frame.filename, frame.lineno), [0, 0, Counter()])
        site[0] += difference.size_diff
        site[1] += difference.count_diff
        if (allocated.filename, allocated.lineno) != (frame.filename, frame.lineno):
            site[2][where(allocated.filename, allocated.lineno, "").rstrip()] += difference.size_diff
    ranked = sorted(sites.items(), key=lambda item: -item[1][0])
    lines = []
    for (filename, lineno), (size, blocks, allocated_in) in ranked[:top]:
        line: dict[str, Any] = {
            "line": where(filename, lineno, "").rstrip(),
            "code": linecache.getline(filename, lineno).strip(),
            "bytes_per_phone": round(size / count, 1),
            "blocks_per_phone": round(blocks / count, 2),
        }
        if allocated_in:
            line["allocated_in"] = allocated_in.most_common(1)[0][0]
        lines.append(line)
    by_file: Counter[str] = Counter()
    for (filename, _), (size, _, _) in sites.items():
        by_file[where(filename, 0, "").rsplit(":", 1)[0]] += size
    return {
        "phones": count,
        "traced_bytes_per_phone": round(total / count),
        "by_line": lines,
        "by_file": [
            {"file": name, "bytes_per_phone": round(size / count, 1)} for name, size in by_file.most_common(top)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: one measurement, printed as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["floor", "trace"])
    parser.add_argument("--phones", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps(floor(args.phones) if args.what == "floor" else trace(args.phones)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
