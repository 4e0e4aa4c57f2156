"""Audience qualification: rule audiences follow profile changes and events, and fire audience entries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from simulator.client import StackClient
from simulator.stack import Stack

SANDBOX = "qualify"

RETENTION = """
id: retention
name: Retention
entry: {type: audience, audience: churners, on: enter}
steps:
  tag: {type: update_profile, attributes: {retentionOffer: "gift"}}
"""
GOODBYE = """
id: goodbye
name: Goodbye
entry: {type: audience, audience: churners, on: exit}
steps:
  tag: {type: update_profile, attributes: {retentionOffer: "none"}}
"""


class World:
    """An in-process stack with one sandbox."""

    def __init__(self, client: StackClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, json: Any = None, content: str | None = None) -> Any:
        return await self.client.call("core", method, path, sandbox=SANDBOX, json=json, content=content)

    async def profile(self, email: str, **attributes: Any) -> str:
        body = {"identities": {"email": email}, "attributes": attributes}
        return str((await self.call("POST", "/profiles", body))["id"])

    async def patch(self, profile_id: str, **attributes: Any) -> None:
        await self.call("PATCH", f"/profiles/{profile_id}", {"attributes": attributes})
        await self.client.settle(SANDBOX)

    async def runs(self, journey: str, profile_id: str) -> int:
        answer = await self.call("GET", f"/journeys/{journey}/instances?profileId={profile_id}")
        return len(answer["instances"])

    def events(self, profile_id: str) -> list[tuple[str, Any]]:
        assert self.client.stack is not None
        state = self.client.stack.platform.state(SANDBOX)
        return [
            (event["xdm"]["eventType"], event.get("data", {}).get("audience"))
            for _, owner, event in state.events
            if owner == profile_id and event["xdm"]["eventType"].startswith("audience.")
        ]


def in_world(test: Callable[[World], Awaitable[None]]) -> None:
    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="qualification-tests"))
        await client.open_sandbox(SANDBOX)
        try:
            await test(World(client))
        finally:
            await client.aclose()

    asyncio.run(main())


def test_a_rising_score_enters_the_audience_and_its_journey_once_and_a_falling_one_leaves() -> None:
    async def test(world: World) -> None:
        alice = await world.profile("alice@example.com", churnScore=0.4)
        await world.call("POST", "/audiences", {"name": "churners", "rule": "profile.churnScore > 0.7"})
        await world.call("POST", "/journeys", content=RETENTION)
        await world.call("POST", "/journeys", content=GOODBYE)

        await world.patch(alice, churnScore=0.8)
        assert await world.runs("retention", alice) == 1
        assert (await world.call("GET", f"/profiles/{alice}"))["attributes"]["retentionOffer"] == "gift"

        await world.patch(alice, churnScore=0.9)  # still in: no second entry
        assert await world.runs("retention", alice) == 1

        await world.patch(alice, churnScore=0.2)
        assert await world.runs("goodbye", alice) == 1
        assert world.events(alice) == [("audience.entered", "churners"), ("audience.exited", "churners")]

    in_world(test)


def test_who_qualified_when_the_audience_was_defined_does_not_enter_later() -> None:
    async def test(world: World) -> None:
        bob = await world.profile("bob@example.com", churnScore=0.9)
        created = await world.call("POST", "/audiences", {"name": "churners", "rule": "profile.churnScore > 0.7"})
        assert created["size"] == 1
        await world.call("POST", "/journeys", content=RETENTION)

        await world.patch(bob, city="Lyon")

        assert await world.runs("retention", bob) == 0
        assert world.events(bob) == []

    in_world(test)


def test_a_profile_created_qualifying_enters_at_once() -> None:
    async def test(world: World) -> None:
        await world.call("POST", "/audiences", {"name": "churners", "rule": "profile.churnScore > 0.7"})
        await world.call("POST", "/journeys", content=RETENTION)

        carol = await world.profile("carol@example.com", churnScore=0.75)
        await world.client.settle(SANDBOX)

        assert await world.runs("retention", carol) == 1

    in_world(test)


def test_a_rule_on_events_qualifies_on_the_event_that_makes_it_hold() -> None:
    async def test(world: World) -> None:
        dan = await world.profile("dan@example.com")
        rule = "events | selectattr('type', 'equalto', 'cart.abandoned') | list | length >= 2"
        await world.call("POST", "/audiences", {"name": "hesitant", "rule": rule})
        event = {"eventType": "cart.abandoned", "profileId": dan}

        await world.call("POST", "/events", event)
        assert world.events(dan) == []
        await world.call("POST", "/events", event)

        assert world.events(dan) == [("audience.entered", "hesitant")]

    in_world(test)


def test_a_journeys_profile_update_is_a_change_that_qualifies() -> None:
    async def test(world: World) -> None:
        erin = await world.profile("erin@example.com")
        await world.call("POST", "/audiences", {"name": "gifted", "rule": "profile.retentionOffer == 'gift'"})
        await world.call("POST", "/audiences", {"name": "churners", "rule": "profile.churnScore > 0.7"})
        await world.call("POST", "/journeys", content=RETENTION)

        await world.patch(erin, churnScore=0.95)

        assert ("audience.entered", "gifted") in world.events(erin)

    in_world(test)


def test_a_stopped_journey_is_not_entered_and_a_missing_attribute_does_not_qualify() -> None:
    async def test(world: World) -> None:
        frank = await world.profile("frank@example.com")
        await world.call("POST", "/audiences", {"name": "churners", "rule": "profile.churnScore > 0.7"})
        await world.call("POST", "/journeys", content=RETENTION)
        await world.call("POST", "/journeys/retention/stop")

        await world.patch(frank, city="Nice")
        assert world.events(frank) == []
        await world.patch(frank, churnScore=0.99)

        assert world.events(frank) == [("audience.entered", "churners")]
        assert await world.runs("retention", frank) == 0

    in_world(test)
