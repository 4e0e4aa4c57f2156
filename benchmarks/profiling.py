"""Why a benchmark is slow: cProfile summaries small enough for the JSON, and the time the garbage collector took.

cProfile attributes a garbage collection to whatever function happened to allocate when it started, so a window
with a full collection over a large heap looks like slow pydantic or slow json. `GcTimer` measures collections
directly (through `gc.callbacks`), and every fan-out reports it beside the profile.
"""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import time
from types import TracebackType
from typing import Any

#: How many functions a summary lists.
TOP = 15


def where(filename: str, line: int, name: str) -> str:
    """`simulator/platform/channels/push.py:154 _attempt`, `site-packages/pydantic/main.py:748 model_validate`."""
    if filename == "~":
        return name  # a built-in: "{method 'validate_python' of ...}"
    if "site-packages/" in filename:
        filename = "site-packages/" + filename.split("site-packages/", 1)[1]
    elif "/lib/python3." in filename:
        filename = "stdlib/" + filename.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    elif os.path.isabs(filename):
        filename = os.path.relpath(filename)
    return f"{filename}:{line} {name}"


def summarize(profile: cProfile.Profile | pstats.Stats, top: int = TOP) -> dict[str, Any]:
    """The top functions by own time and by cumulative time, with call counts and seconds.

    Time a thread spent waiting (an idle event loop's `epoll`, a thread blocked on a lock while another works) is
    counted apart as `waiting_s`, not listed; so are the outermost frames (the event loop, pytest's and pluggy's
    call chain), which would head the cumulative list without saying anything.
    """
    stats = profile if isinstance(profile, pstats.Stats) else pstats.Stats(profile)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = [
        {"function": where(*key), "calls": calls, "own_s": round(own, 4), "cumulative_s": round(cumulative, 4)}
        for key, (_, calls, own, cumulative, _) in raw.items()
    ]
    waiting = [row for row in rows if _waiting(str(row["function"]))]
    working = [row for row in rows if not _waiting(str(row["function"]))]
    busy = sum(float(row["own_s"]) for row in working)
    by_cumulative = [
        row
        for row in sorted(working, key=lambda r: -float(r["cumulative_s"]))
        if not _plumbing(str(row["function"])) and float(row["cumulative_s"]) < 0.8 * busy
    ]
    return {
        "total_s": round(busy, 4),
        "waiting_s": round(sum(float(row["own_s"]) for row in waiting), 4),
        "by_own_time": sorted(working, key=lambda r: -float(r["own_s"]))[:top],
        "by_cumulative_time": by_cumulative[:top],
    }


#: Where a thread waits rather than works.
WAITS = ("<method 'poll' of 'select.", "<method 'acquire' of '_thread.", "<method 'select' of 'select.")


def _waiting(function: str) -> bool:
    return function.startswith(WAITS)


#: Frames every profile of a kind starts with (the event loop, pytest's and pluggy's call chain, the import
#: machinery, the portal into the stack's loop): they head a cumulative listing without saying where time goes.
PLUMBING = (
    "stdlib/asyncio/",
    "stdlib/threading.py",
    "stdlib/concurrent/",
    "stdlib/selectors.py",
    "stdlib/importlib/",
    "<frozen importlib",
    "_contextvars.Context",
    "cProfile",
    "<built-in method",
    "site-packages/pluggy/",
    "site-packages/_pytest/main.py",
    "site-packages/_pytest/runner.py",
    "site-packages/_pytest/python.py",
    "site-packages/anyio/",
)


def _plumbing(function: str) -> bool:
    return any(part in function for part in PLUMBING)


def load(path: str, top: int = TOP) -> dict[str, Any]:
    """Summarize a profile written with `Profile.dump_stats`."""
    return summarize(pstats.Stats(path), top)


class GcTimer:
    """Counts the collections of each generation in a window and the wall time they took."""

    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._started = 0.0
        self.tracked_objects = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.collections[generation] += 1
            self.seconds[generation] += time.perf_counter() - self._started

    def __enter__(self) -> GcTimer:
        self.tracked_objects = len(gc.get_objects())
        gc.callbacks.append(self._callback)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        gc.callbacks.remove(self._callback)

    def to_json(self) -> dict[str, Any]:
        """Collections and seconds per generation, the total, and how many objects the collector tracked."""
        return {
            "collections": list(self.collections),
            "seconds": [round(s, 4) for s in self.seconds],
            "total_s": round(sum(self.seconds), 4),
            "tracked_objects": self.tracked_objects,
        }
