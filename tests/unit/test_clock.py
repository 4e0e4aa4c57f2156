"""The one clock: timers fire in time order with a stable tie-break, and advancing settles the stack."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from simulator.clock import DEFAULT_EPOCH, VirtualClock


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_virtual_clock_starts_at_its_epoch_and_never_moves_alone() -> None:
    clock = VirtualClock()
    assert clock.now() == DEFAULT_EPOCH
    assert clock.timestamp() == DEFAULT_EPOCH.timestamp()


def test_advance_fires_timers_in_time_order_each_at_its_own_time() -> None:
    async def scenario() -> list[tuple[str, float]]:
        clock = VirtualClock(start=1000.0)
        fired: list[tuple[str, float]] = []
        clock.call_later(30, lambda: fired.append(("c", clock.timestamp())))
        clock.call_later(10, lambda: fired.append(("a", clock.timestamp())))
        clock.call_later(20, lambda: fired.append(("b", clock.timestamp())))
        clock.call_later(100, lambda: fired.append(("late", clock.timestamp())))
        await clock.advance(30)
        assert clock.timestamp() == 1030.0
        return fired

    assert run(scenario()) == [("a", 1010.0), ("b", 1020.0), ("c", 1030.0)]


def test_timers_due_at_the_same_instant_fire_in_scheduling_order() -> None:
    async def scenario() -> list[int]:
        clock = VirtualClock(start=0.0)
        fired: list[int] = []
        for n in range(5):
            clock.call_at(50, lambda n=n: fired.append(n))
        await clock.advance(50)
        return fired

    assert run(scenario()) == [0, 1, 2, 3, 4]


def test_a_timer_scheduled_by_a_timer_fires_within_the_same_advance() -> None:
    async def scenario() -> list[float]:
        clock = VirtualClock(start=0.0)
        fired: list[float] = []

        async def first() -> None:
            fired.append(clock.timestamp())
            clock.call_later(5, lambda: fired.append(clock.timestamp()))

        clock.call_later(10, first)
        await clock.advance(timedelta(seconds=20))
        return fired

    assert run(scenario()) == [10.0, 15.0]


def test_cancelled_timers_do_not_fire() -> None:
    async def scenario() -> list[str]:
        clock = VirtualClock(start=0.0)
        fired: list[str] = []
        timer = clock.call_later(1, lambda: fired.append("cancelled"))
        clock.call_later(2, lambda: fired.append("kept"))
        timer.cancel()
        await clock.advance(3)
        assert clock.pending == 0
        return fired

    assert run(scenario()) == ["kept"]


def test_settle_waits_for_spawned_work_and_timers_already_due() -> None:
    async def scenario() -> list[str]:
        clock = VirtualClock(start=0.0)
        done: list[str] = []

        async def work() -> None:
            await asyncio.sleep(0)
            done.append("work")
            clock.call_later(0, lambda: done.append("due now"))

        clock.spawn(work())
        await clock.settle()
        return done

    assert run(scenario()) == ["work", "due now"]


def test_settle_reraises_a_failure_of_tracked_work() -> None:
    async def scenario() -> None:
        clock = VirtualClock()

        async def broken() -> None:
            raise RuntimeError("boom")

        clock.spawn(broken())
        await clock.settle()

    with pytest.raises(RuntimeError, match="boom"):
        run(scenario())


def test_the_clock_cannot_move_backwards() -> None:
    async def scenario() -> None:
        clock = VirtualClock()
        await clock.advance_to(datetime(2020, 1, 1, tzinfo=UTC))

    with pytest.raises(ValueError, match="backwards"):
        run(scenario())


def test_sleep_on_a_virtual_clock_wakes_when_time_is_advanced_past_it() -> None:
    async def scenario() -> float:
        clock = VirtualClock(start=0.0)
        woke: list[float] = []

        async def sleeper() -> None:
            await clock.sleep(60)
            woke.append(clock.timestamp())

        task = asyncio.ensure_future(sleeper())
        await asyncio.sleep(0)
        assert not woke
        await clock.advance(61)
        await task
        return woke[0]

    assert run(scenario()) == 60.0
