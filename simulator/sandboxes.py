"""Sandboxes: the isolation unit of the stack.

Every scenario runs in its own sandbox. A sandbox owns a clock (so parallel workers sharing one server never move
each other's time), a seeded random generator and an id factory (so the same seed gives the same run). The
platform keeps each sandbox's state apart; phones and push tokens belong to one sandbox, and gateways use that
sandbox's clock for everything time-dependent about them.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.clock import Clock, VirtualClock

DEFAULT_SANDBOX = "prod"
SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class SandboxNotFound(LookupError):
    """No sandbox of that name exists."""


class IdFactory:
    """Deterministic ids for one sandbox: the same seed and sandbox name give the same sequence."""

    def __init__(self, seed: str) -> None:
        self._random = random.Random(hashlib.sha256(seed.encode()).digest())

    def uuid(self) -> str:
        """A version-4 shaped UUID string (as `str(uuid.UUID(int=bits, version=4))`, formatted directly: it is on
        every delivery's path)."""
        bits = self._random.getrandbits(128)
        bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
        bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def hex(self, length: int) -> str:
        """`length` lowercase hex digits."""
        return f"{self._random.getrandbits(length * 4):0{length}x}"

    def digits(self, length: int) -> str:
        """`length` decimal digits."""
        return "".join(str(self._random.randrange(10)) for _ in range(length))


@dataclass(eq=False)
class Sandbox:
    """One isolated world: its clock, seeded randomness and ids."""

    name: str
    clock: Clock
    seed: str
    ids: IdFactory = field(init=False)
    random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.ids = IdFactory(f"{self.seed}/{self.name}/ids")
        self.random = random.Random(hashlib.sha256(f"{self.seed}/{self.name}/random".encode()).digest())


class Sandboxes:
    """The registry of sandboxes of one stack; `get()` resolves a name to its clock and generators."""

    def __init__(self, clock_factory: Callable[[], Clock] = VirtualClock, seed: str = "mjlab") -> None:
        self._clock_factory = clock_factory
        self.seed = seed
        self._by_name: dict[str, Sandbox] = {}
        self._listeners: list[Callable[[Sandbox], None]] = []
        self.open(DEFAULT_SANDBOX)

    def open(self, name: str, seed: str | None = None) -> Sandbox:
        """Create the sandbox `name` (or return it if it exists); `seed` defaults to the stack's seed.

        Give a seed that names the scenario, not the worker, and a scenario gets the same ids wherever it runs.
        """
        if not SANDBOX_NAME.match(name):
            raise ValueError(f"invalid sandbox name {name!r}: lowercase letters, digits and '-', at most 63")
        sandbox = self._by_name.get(name)
        if sandbox is None:
            sandbox = Sandbox(name=name, clock=self._clock_factory(), seed=seed or self.seed)
            self._by_name[name] = sandbox
        return sandbox

    def get(self, name: str) -> Sandbox:
        """The sandbox `name`; raises SandboxNotFound."""
        try:
            return self._by_name[name]
        except KeyError:
            raise SandboxNotFound(name) from None

    def on_close(self, listener: Callable[[Sandbox], None]) -> None:
        """Call `listener` whenever a sandbox is closed, so each part can drop what belonged to it."""
        self._listeners.append(listener)

    def close(self, name: str) -> None:
        """Drop the sandbox `name` and tell every part to forget its state."""
        sandbox = self._by_name.pop(name, None)
        if sandbox is None:
            raise SandboxNotFound(name)
        for listener in self._listeners:
            listener(sandbox)
        if name == DEFAULT_SANDBOX:
            self.open(DEFAULT_SANDBOX)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        """Names of the open sandboxes, sorted."""
        return sorted(self._by_name)
