"""The scenario's world as steps see it: its sandbox, the people and their phones, apps and campaigns by name.

Steps speak of "Alice", "Alice's iPhone", "the Shop app" and "the campaign 'Summer sale'"; `Lab` resolves those
names to profiles, phones, app ids and campaign ids, and says clearly which names exist when one does not.

`Lab.timeline` is the scenario's activity log for the HTML report: steps call `lab.note(person, phone, what)` for
what a person did (tapped a notification, replied, filled in a form) and for what reached a phone that the phone
itself no longer shows (a banner that was tapped away). At the end of the scenario the report adds what each phone
still holds (`harness.reports.platform`) and draws one lane per phone, in virtual time.
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


@dataclass(frozen=True, slots=True)
class TimelineNote:
    """One thing on a phone's lane: what reached it (`received`) or what its person did (`action`)."""

    at: float
    person: str
    lane: str
    kind: str
    text: str
    channel: str | None = None
    ref: str | None = None
    """What it is about (a message id): the report shows each received item once."""


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
    timeline: list[TimelineNote] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    """What channel steps keep for the scenario (the SMS sender's configuration...)."""

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

    def now(self) -> float:
        """The sandbox's clock (virtual time, as a Unix timestamp)."""
        return float(self.run(self.client.now, self.sandbox)["timestamp"])

    def note(
        self,
        person: str,
        phone: Phone | None,
        what: str,
        *,
        kind: str = "action",
        channel: str | None = None,
        at: float | None = None,
        ref: str | None = None,
    ) -> None:
        """Add to the scenario's timeline: on `phone`'s lane (the person's own lane when None), at `at` (default:
        the sandbox's clock now). `kind` is `action` (the person did it) or `received` (it reached the phone)."""
        lane = (phone.name or phone.device_id) if phone is not None else person
        when = self.now() if at is None else at
        self.timeline.append(TimelineNote(when, person, lane, kind, what, channel, ref))

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
