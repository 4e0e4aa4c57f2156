"""A sandbox clock's controls: read it, move it, settle it (`/_sim/clock`, `/_sim/clock/advance`, `/_sim/settle`).

The routes call these, and so does an in-process `StackClient`: a scenario settles or reads the clock several
times per step, and in one process the same code runs without the HTTP layer around it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.clock import VirtualClock
from simulator.platform.errors import Conflict, InvalidRequest
from simulator.platform.models import ClockAdvance
from simulator.platform.service import Platform


class ClockControl:
    """The controls of each sandbox's clock on `platform`; refusals are the platform's own errors."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def reading(self, sandbox: str) -> dict[str, Any]:
        """The sandbox's time, as an ISO 8601 instant and a timestamp, and whether the clock is virtual."""
        clock = self.platform.state(sandbox).clock
        return {
            "now": clock.now().isoformat(),
            "timestamp": clock.timestamp(),
            "virtual": isinstance(clock, VirtualClock),
        }

    async def advance(self, sandbox: str, body: ClockAdvance) -> dict[str, Any]:
        """Move the virtual clock by `body.seconds` or to `body.to`, firing what falls due, then settle."""
        clock = self.platform.state(sandbox).clock
        if not isinstance(clock, VirtualClock):
            raise Conflict("this stack runs on the system clock; time cannot be moved", field="x-sandbox-name")
        if body.seconds is not None:
            await clock.advance(body.seconds)
        else:
            assert body.to is not None
            try:
                target = datetime.fromisoformat(body.to)
            except ValueError:
                raise InvalidRequest(f"not an ISO 8601 instant: {body.to!r}", field="to") from None
            if target.tzinfo is None:
                raise InvalidRequest("give a time zone offset (e.g. Z or +02:00)", field="to")
            if target.timestamp() < clock.timestamp():
                raise InvalidRequest("cannot move the clock backwards", field="to")
            await clock.advance_to(target)
        return {"now": clock.now().isoformat(), "timestamp": clock.timestamp()}

    async def settle(self, sandbox: str) -> dict[str, Any]:
        """Wait until nothing is queued and every delivery is acknowledged; the time it settled at."""
        clock = self.platform.state(sandbox).clock
        await clock.settle()
        return {"now": clock.now().isoformat(), "timestamp": clock.timestamp()}
