"""Property: whatever the profiles, consents, rules and campaigns, no marketing message reaches a phone without
consent, and every target is accounted for exactly once in its campaign's report."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.client import StackClient
from simulator.devices.phone import OS, Phone
from simulator.stack import Stack

APP = "com.acme.shop"
_numbers = itertools.count()


@dataclass(frozen=True)
class Person:
    os: OS
    consent: str | None
    uninstalled: bool
    timezone: str | None


@dataclass(frozen=True)
class Campaign:
    category: str
    recipients: frozenset[int]


people = st.lists(
    st.builds(
        Person,
        os=st.sampled_from([OS.IOS, OS.ANDROID]),
        consent=st.sampled_from(["y", "n", None]),
        uninstalled=st.booleans(),
        timezone=st.sampled_from([None, "Europe/Paris", "America/New_York", "Asia/Tokyo"]),
    ),
    min_size=1,
    max_size=5,
)
rules = st.fixed_dictionaries(
    {
        "cap": st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
        "quiet": st.one_of(st.none(), st.sampled_from(["queue", "discard"])),
    }
)


def campaigns(size: int) -> st.SearchStrategy[list[Campaign]]:
    return st.lists(
        st.builds(
            Campaign,
            category=st.sampled_from(["marketing", "transactional"]),
            recipients=st.frozensets(st.integers(min_value=0, max_value=size - 1), min_size=1),
        ),
        min_size=1,
        max_size=4,
    )


class World:
    """One stack for every example; each example gets its own sandbox."""

    loop = asyncio.new_event_loop()
    client: StackClient = loop.run_until_complete(StackClient.inprocess(Stack.build(seed="property")))

    @classmethod
    def run(cls, coroutine: Any) -> Any:
        return cls.loop.run_until_complete(coroutine)


async def scenario(persons: list[Person], chosen: dict[str, Any], sent: list[Campaign]) -> None:
    client = World.client
    sandbox = f"prop-{next(_numbers)}"
    await client.open_sandbox(sandbox, seed=sandbox)
    try:
        app = await client.provision_app(sandbox, APP)
        profiles: list[str] = []
        phones: list[Phone] = []
        for index, person in enumerate(persons):
            consents = {"marketing": {"push": {"val": person.consent}}} if person.consent else {}
            attributes = {"timezone": person.timezone} if person.timezone else {}
            email = f"p{index}@example.com"
            body = {"identities": {"email": email}, "consents": consents, "attributes": attributes}
            profiles.append((await client.call("core", "POST", "/profiles", sandbox=sandbox, json=body))["id"])
            phone = await client.new_phone(sandbox, person.os)
            phone.install(APP, ecid=f"ecid-{index}", sender=app["fcm"]["projectId"])
            phone.app(APP).identities["email"] = email
            await phone.launch(APP)
            if person.uninstalled:
                await phone.uninstall(APP)
            phones.append(phone)
        if chosen["cap"]:
            cap = [{"name": "cap", "channels": ["push"], "count": chosen["cap"], "period": "day"}]
            await client.call("core", "PUT", "/rules/capping", sandbox=sandbox, json=cap)
        if chosen["quiet"]:
            quiet = [{"name": "q", "channels": ["push"], "start": "08:00", "end": "12:00", "action": chosen["quiet"]}]
            await client.call("core", "PUT", "/rules/quiet-hours", sandbox=sandbox, json=quiet)
        ids = []
        for number, campaign in enumerate(sent):
            message = {"title": f"c{number}", "body": campaign.category}
            body = {"name": f"c{number}", "appId": APP, "category": campaign.category, "message": message}
            created = await client.call("core", "POST", "/campaigns", sandbox=sandbox, json=body)
            ids.append(created["id"])
            recipients = [{"profileId": profiles[i]} for i in sorted(campaign.recipients)]
            await client.call(
                "core", "POST", f"/campaigns/{created['id']}/trigger", sandbox=sandbox, json={"recipients": recipients}
            )
            await client.settle(sandbox)
        await client.advance(sandbox, 2 * 86_400)

        for person, phone in zip(persons, phones, strict=True):
            for banner in phone.banners():
                if banner.body == "marketing":
                    assert person.consent == "y", f"a marketing push reached a phone without consent: {person}"
        for campaign, campaign_id in zip(sent, ids, strict=True):
            report = await client.call("core", "GET", f"/campaigns/{campaign_id}/report", sandbox=sandbox)
            assert report["reconciles"], report
            assert report["pending"] == 0, report
            assert report["targeted"] == len(campaign.recipients), (campaign, report)
            for index in campaign.recipients:
                log = await client.call("core", "GET", f"/profiles/{profiles[index]}/messages", sandbox=sandbox)
                final = [m for m in log["messages"] if m["source"] == campaign_id and m["outcome"] != "queued"]
                assert len(final) == 1, (campaign, final)
    finally:
        await client.close_sandbox(sandbox)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_marketing_push_without_consent_and_every_target_counted_once(data: st.DataObject) -> None:
    persons = data.draw(people, label="people")
    chosen = data.draw(rules, label="rules")
    sent = data.draw(campaigns(len(persons)), label="campaigns")
    World.run(scenario(persons, chosen, sent))
