"""The reports API: figures, tables of reasons, funnels and reconciliation per campaign, journey, step and sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from simulator.client import StackClient
from simulator.devices.phone import OS, Phone
from simulator.platform.exclusions import ExclusionReason
from simulator.platform.reporting import DeliveryCounters
from simulator.platform.reports import funnel, merge, reconciliation
from simulator.stack import Stack

SANDBOX = "reports"
APP = "com.acme.shop"
JOURNEY = """
id: welcome
name: Welcome
entry: {type: event, event: signup}
steps:
  hello: {type: action, channel: push, app: com.acme.shop, message: {title: "Hello", body: "Welcome"}, next: split}
  split:
    type: condition
    branches: [{name: gold, when: "profile.tier == 'gold'", next: gift}]
    otherwise: done
  gift: {type: action, channel: push, app: com.acme.shop, message: {title: "Gift", body: "For you"}, next: done}
  done: {type: end}
"""


class World:
    """An in-process stack with an app and people with iPhones."""

    def __init__(self, client: StackClient, sender: str) -> None:
        self.client = client
        self.sender = sender

    async def call(self, method: str, path: str, json: Any = None, content: str | None = None) -> Any:
        return await self.client.call("core", method, path, sandbox=SANDBOX, json=json, content=content)

    async def person(self, email: str, consent: str = "y", **attributes: Any) -> tuple[str, Phone]:
        body = {"identities": {"email": email}, "attributes": attributes,
                "consents": {"marketing": {"push": {"val": consent}}}}  # fmt: skip
        profile = await self.call("POST", "/profiles", body)
        phone = await self.client.new_phone(SANDBOX, OS.IOS, name=email)
        phone.install(APP, ecid=email.encode().hex()[:38].ljust(38, "0"), sender=self.sender)
        phone.app(APP).identities["email"] = email
        await phone.launch(APP)
        return str(profile["id"]), phone


def in_world(test: Callable[[World], Awaitable[None]]) -> None:
    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="report-tests"))
        await client.open_sandbox(SANDBOX)
        app = await client.provision_app(SANDBOX, APP)
        try:
            await test(World(client, app["fcm"]["projectId"]))
        finally:
            await client.aclose()

    asyncio.run(main())


def test_a_mixed_campaign_reconciles_with_every_loss_in_its_table() -> None:
    async def test(world: World) -> None:
        ana, ana_phone = await world.person("ana@example.com")
        ben, _ = await world.person("ben@example.com")
        cleo, _ = await world.person("cleo@example.com", consent="n")
        dora, dora_phone = await world.person("dora@example.com")
        eli, eli_phone = await world.person("eli@example.com")
        await dora_phone.uninstall(APP)
        token = eli_phone.app(APP).token
        await world.client.call("apns", "POST", "/_sim/faults", json={"error": "ServiceUnavailable", "status": 503,
                                                                       "token": token})  # fmt: skip
        campaign = await world.call("POST", "/campaigns", {"name": "Sale", "appId": APP,
                                                           "message": {"title": "Sale", "body": "Now"}})  # fmt: skip
        recipients = [{"profileId": p} for p in (ana, ben, cleo, dora, eli)]
        await world.call("POST", f"/campaigns/{campaign['id']}/trigger", {"recipients": recipients})
        await world.client.settle(SANDBOX)
        await ana_phone.tap(ana_phone.banners()[0])

        pending = await world.call("GET", f"/reports/campaigns/{campaign['id']}")
        assert pending["figures"] == {
            "targeted": 5, "excluded": 1, "sent": 4, "delivered": 2, "displayed": 0, "opened": 1, "clicked": 0,
            "dismissed": 0, "bounces": 1, "errors": 0, "pending": 1,
        }  # fmt: skip
        assert pending["reconciles"] is True

        await world.client.advance(SANDBOX, 60)
        report = await world.call("GET", f"/reports/campaigns/{campaign['id']}")

        assert (report["kind"], report["name"], report["channel"], report["category"]) == (
            "campaign", "Sale", "push", "marketing",
        )  # fmt: skip
        assert report["figures"]["errors"] == 1
        assert report["figures"]["pending"] == 0
        assert report["exclusions"] == [{"reason": "PushNoConsent", "code": "050111", "count": 1}]
        assert report["bounces"] == [{"reason": "Unregistered", "count": 1}]
        assert report["errors"] == [
            {"reason": "ServiceUnavailable", "code": "050301", "platformReason": "RuntimeDispatchError", "count": 1}
        ]
        assert [(s["stage"], s["count"], s["ofSent"]) for s in report["funnel"]] == [
            ("sent", 4, 1.0), ("delivered", 2, 0.5), ("opened", 1, 0.25), ("clicked", 0, 0.0),
        ]  # fmt: skip
        assert [c["holds"] for c in report["checks"]] == [True, True]
        assert report["reconciles"] is True

    in_world(test)


def test_a_journey_report_has_its_entries_steps_and_messages_and_the_sandbox_report_holds_all() -> None:
    async def test(world: World) -> None:
        gold, _ = await world.person("gold@example.com", tier="gold")
        plain, _ = await world.person("plain@example.com", consent="n")
        await world.call("POST", "/journeys", content=JOURNEY)
        for profile in (gold, plain):
            await world.call("POST", "/events", {"eventType": "signup", "profileId": profile})
        await world.client.settle(SANDBOX)

        report = await world.call("GET", "/reports/journeys/welcome")

        assert (report["kind"], report["name"], report["status"]) == ("journey", "Welcome", "live")
        assert report["entries"] == {"entered": 2, "active": 0, "ended": 2, "exited": 0}
        assert report["figures"]["targeted"] == 3
        assert report["figures"]["delivered"] == 2
        assert report["figures"]["excluded"] == 1
        assert report["reconciles"] is True
        steps = {s["step"]: s for s in report["steps"]}
        assert steps["split"]["branches"] == {"gold": 1, "otherwise": 1}
        assert steps["hello"]["channel"] == "push"
        assert steps["hello"]["message"]["figures"]["sent"] == 1
        assert steps["gift"]["message"]["figures"]["delivered"] == 1
        assert [(m["step"], m["version"], m["source"]) for m in report["messages"]] == [
            ("hello", 1, "journey:welcome:v1:hello"), ("gift", 1, "journey:welcome:v1:gift"),
        ]  # fmt: skip

        sandbox = await world.call("GET", "/reports/sandbox")
        assert sandbox["sandbox"] == SANDBOX
        assert [j["id"] for j in sandbox["journeys"]] == ["welcome"]
        assert sandbox["campaigns"] == []
        assert sandbox["other"] == []
        assert sandbox["totals"]["figures"]["targeted"] == 3
        assert sandbox["reconciles"] is True

    in_world(test)


def test_counters_that_do_not_add_up_say_which_identity_fails() -> None:
    counters = DeliveryCounters(targeted=3, sent=2, delivered=1)
    counters.exclude(ExclusionReason.PUSH_NO_CONSENT)

    checked = reconciliation(counters)

    assert checked["reconciles"] is False
    assert [(c["rule"], c["left"], c["right"], c["holds"]) for c in checked["checks"]] == [
        ("targeted = excluded + sent", 3, 3, True),
        ("sent = delivered + bounces + errors + pending", 2, 1, False),
    ]


def test_merging_sums_every_figure_and_table_and_an_empty_funnel_has_no_shares() -> None:
    one = DeliveryCounters(targeted=2, sent=2, delivered=2, opened=1)
    two = DeliveryCounters(targeted=1)
    two.exclude(ExclusionReason.PUSH_NO_TOKEN)
    two.bounce_reasons["Unregistered"] += 1

    total = merge([one, two])

    assert (total.targeted, total.sent, total.delivered, total.opened, total.excluded) == (3, 2, 2, 1, 1)
    assert total.bounce_reasons == {"Unregistered": 1}
    assert funnel(DeliveryCounters())[1] == {"stage": "delivered", "count": 0, "ofSent": None, "ofPrevious": None}
