"""The scenario's world as steps see it: its sandbox, the people and their phones, apps and campaigns by name.

Steps speak of "Alice", "Alice's iPhone", "the Shop app" and "the campaign 'Summer sale'"; `Lab` resolves those
names to profiles, phones, app ids and campaign ids, and says clearly which names exist when one does not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from faker import Faker

from harness.runtime import Runtime
from simulator.client import StackClient
from simulator.devices.phone import OS, Phone

T = TypeVar("T")

#: How a step may name a phone: by model word, mapped to its OS.
PHONE_WORDS = {"iphone": OS.IOS, "android phone": OS.ANDROID, "android": OS.ANDROID, "ipad": OS.IOS}


class ScenarioError(AssertionError):
    """A step names something the scenario has not set up, or expects what did not happen."""


@dataclass(eq=False)
class Person:
    """Someone in the scenario: their profile and their phones."""

    name: str
    profile_id: str
    email: str
    phone_number: str
    timezone: str | None = None
    phones: list[Phone] = field(default_factory=list)


@dataclass(eq=False)
class Lab:
    """One scenario's view of the stack."""

    runtime: Runtime
    sandbox: str
    faker: Faker
    people: dict[str, Person] = field(default_factory=dict)
    apps: dict[str, str] = field(default_factory=dict)
    campaigns: dict[str, str] = field(default_factory=dict)
    last_campaign: str | None = None

    @property
    def client(self) -> StackClient:
        """The stack's client."""
        assert self.runtime.client is not None
        return self.runtime.client

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run an async call in the stack's loop."""
        return self.runtime.run(fn, *args)

    def call(
        self, part: str, method: str, path: str, json: Any = None, *, ok: bool = True, content: str | None = None
    ) -> Any:
        """Call a part's API in this scenario's sandbox."""

        async def go() -> Any:
            return await self.client.call(part, method, path, sandbox=self.sandbox, json=json, ok=ok, content=content)

        return self.run(go)

    def settle(self) -> None:
        """Wait until the stack has nothing left to do."""
        self.run(self.client.settle, self.sandbox)

    # -- names --------------------------------------------------------------------------------------------------

    def person(self, name: str) -> Person:
        """The person called `name`."""
        try:
            return self.people[name]
        except KeyError:
            known = ", ".join(sorted(self.people)) or "nobody yet"
            raise ScenarioError(f"no person called {name!r} in this scenario (known: {known})") from None

    def app_id(self, name: str) -> str:
        """The id of the app called `name` (or given by its id)."""
        if name in self.apps.values():
            return name
        try:
            return self.apps[name]
        except KeyError:
            known = ", ".join(sorted(self.apps)) or "none yet"
            raise ScenarioError(f"no app called {name!r} in this scenario (known: {known})") from None

    def campaign_id(self, name: str) -> str:
        """The id of the campaign called `name`."""
        try:
            return self.campaigns[name]
        except KeyError:
            known = ", ".join(sorted(self.campaigns)) or "none yet"
            raise ScenarioError(f"no campaign called {name!r} in this scenario (known: {known})") from None

    def phone(self, name: str, model: str | None = None) -> Phone:
        """A person's phone: by model word ("iPhone", "Android phone"), or their only phone."""
        person = self.person(name)
        if not person.phones:
            raise ScenarioError(f"{name} has no phone in this scenario")
        if model is None:
            if len(person.phones) > 1:
                models = ", ".join(_model_word(p) for p in person.phones)
                raise ScenarioError(f"{name} has several phones ({models}); say which")
            return person.phones[0]
        wanted = PHONE_WORDS.get(model.casefold())
        if wanted is None:
            raise ScenarioError(f"unknown phone model {model!r}; say one of: {', '.join(PHONE_WORDS)}")
        for phone in person.phones:
            if phone.os is wanted:
                return phone
        raise ScenarioError(f"{name} has no {model}; they have: {', '.join(_model_word(p) for p in person.phones)}")


def _model_word(phone: Phone) -> str:
    return "iPhone" if phone.os is OS.IOS else "Android phone"
