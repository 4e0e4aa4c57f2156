"""The one clock of the stack.

Nothing else in `simulator/` or `harness/` reads wall time (a ruff banned-api rule keeps it so). Every part asks
its sandbox's clock for the time and schedules its timers on it:

- `VirtualClock` for tests: time only moves when a test advances it. `advance()` fires every timer due in between
  in time order (ties broken by scheduling order), and returns once the stack has settled: no timer due, no
  tracked task running, every delivery acknowledged.
- `SystemClock` for people: wall time, timers on the running event loop.

Both share one contract, `Clock`: `now()`, `timestamp()`, `call_at()`, `call_later()`, `spawn()` (work the clock
waits for when settling) and `settle()`.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

TimerCallback = Callable[[], Awaitable[None] | None]

#: Where virtual time starts unless told otherwise: a Monday morning, so "Friday 09:00" is ahead of it.
DEFAULT_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Timer:
    """A scheduled callback; `cancel()` it to drop it."""

    __slots__ = ("_handle", "callback", "cancelled", "seq", "when")

    def __init__(self, when: float, seq: int, callback: TimerCallback) -> None:
        self.when = when
        self.seq = seq
        self.callback = callback
        self.cancelled = False
        self._handle: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        """Drop this timer; it will not fire."""
        self.cancelled = True
        if self._handle is not None:
            self._handle.cancel()

    def __lt__(self, other: Timer) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


async def _run_callback(callback: TimerCallback) -> None:
    result = callback()
    if inspect.isawaitable(result):
        await result


class Clock(ABC):
    """The time source and timer queue every part of a sandbox shares."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()
        self._seq = itertools.count()

    @abstractmethod
    def timestamp(self) -> float:
        """Seconds since the Unix epoch, as a float."""

    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @abstractmethod
    def call_at(self, when: float, callback: TimerCallback) -> Timer:
        """Run `callback` (sync or async) at Unix time `when`."""

    def call_later(self, delay: float, callback: TimerCallback) -> Timer:
        """Run `callback` (sync or async) `delay` seconds from now."""
        return self.call_at(self.timestamp() + max(0.0, delay), callback)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start tracked work: `settle()` waits for it, and its exception surfaces there."""
        task = asyncio.ensure_future(coro)
        self.track(task)
        return task

    def track(self, future: asyncio.Future[Any]) -> None:
        """Make `settle()` wait for `future` (a task, or a delivery awaiting its acknowledgement)."""
        self._tasks.add(future)
        future.add_done_callback(self._tasks.discard)

    @property
    def busy(self) -> bool:
        """True while tracked work is still running."""
        return bool(self._tasks)

    async def settle(self) -> None:
        """Wait until every tracked task has finished; re-raise the first failure."""
        while self._tasks:
            done = await asyncio.gather(*list(self._tasks), return_exceptions=True)
            for outcome in done:
                if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                    raise outcome

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time (virtual: fires when advanced past it)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not done.done():
                done.set_result(None)

        self.call_later(seconds, wake)
        await done


class VirtualClock(Clock):
    """Time that moves only when a test says so; timers fire in time order, ties in scheduling order."""

    def __init__(self, start: datetime | float = DEFAULT_EPOCH) -> None:
        super().__init__()
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._timers: list[Timer] = []
        self._pump: asyncio.Task[None] | None = None

    def timestamp(self) -> float:
        return self._now

    def call_at(self, when: float, callback: TimerCallback) -> Timer:
        timer = Timer(max(when, self._now), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        if timer.when <= self._now:
            self._kick()
        return timer

    @property
    def pending(self) -> int:
        """How many timers are still scheduled."""
        return sum(1 for t in self._timers if not t.cancelled)

    def drain(self) -> list[Timer]:
        """Hand over every live timer (this clock keeps none): for moving a replayed sandbox to the system clock."""
        timers = sorted(t for t in self._timers if not t.cancelled)
        self._timers.clear()
        return timers

    def next_due(self) -> float | None:
        """Unix time of the earliest live timer, or None."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def _kick(self) -> None:
        """Run timers that are already due without waiting for an advance, as an event loop would."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._pump is None or self._pump.done():
            self._pump = self.spawn(self._fire_due(self._now))

    async def _fire_due(self, until: float) -> None:
        while True:
            due = self.next_due()
            if due is None or due > until:
                return
            timer = heapq.heappop(self._timers)
            self._now = max(self._now, timer.when)
            await _run_callback(timer.callback)

    async def settle(self) -> None:
        """Fire what is due now and wait for all tracked work, until nothing moves."""
        while True:
            await self._fire_due(self._now)
            await super().settle()
            due = self.next_due()
            if not self._tasks and (due is None or due > self._now):
                return

    async def advance(self, seconds: float | timedelta) -> None:
        """Move time forward, firing every timer due on the way, each at its own time; then settle."""
        delta = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        if delta < 0:
            raise ValueError(f"cannot move a clock backwards ({delta} s)")
        await self.advance_to(self._now + delta)

    async def advance_to(self, when: datetime | float) -> None:
        """Move time forward to `when`, firing every timer due on the way; then settle."""
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        if target < self._now:
            raise ValueError("cannot move a clock backwards")
        await self.settle()
        while True:
            due = self.next_due()
            if due is None or due > target:
                break
            timer = heapq.heappop(self._timers)
            self._now = max(self._now, timer.when)
            await _run_callback(timer.callback)
            await asyncio.sleep(0)  # let coroutines this timer woke (clock.sleep) run at its instant
            await self.settle()
        self._now = target
        await self.settle()


class SystemClock(Clock):
    """Wall time, for a stack served to people; timers run on the event loop."""

    def timestamp(self) -> float:
        return time.time()

    def call_at(self, when: float, callback: TimerCallback) -> Timer:
        timer = Timer(when, next(self._seq), callback)
        loop = asyncio.get_running_loop()

        def fire() -> None:
            if not timer.cancelled:
                self.spawn(_run_callback(callback))

        timer._handle = loop.call_later(max(0.0, when - time.time()), fire)
        return timer

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def adopt(self, timers: list[Timer]) -> None:
        """Take over timers scheduled on another clock (a replayed virtual one): the same Timer objects, so whoever
        holds them can still cancel them; those already due fire at once."""
        loop = asyncio.get_running_loop()
        for timer in timers:
            if timer.cancelled:
                continue

            def fire(timer: Timer = timer) -> None:
                if not timer.cancelled:
                    self.spawn(_run_callback(timer.callback))

            timer._handle = loop.call_later(max(0.0, timer.when - time.time()), fire)


def monotonic() -> float:
    """Wall-clock seconds for measuring durations (benchmarks, bounded waits); never for behaviour."""
    return time.perf_counter()


async def pause(seconds: float) -> None:
    """Really wait `seconds` of wall time: polling a remote stack, injected latency. Never for behaviour."""
    await asyncio.sleep(seconds)


def wait_real(seconds: float) -> None:
    """Block this thread for `seconds` of wall time (waiting for a process to start). Never for behaviour."""
    time.sleep(seconds)
