"""The push pipeline end to end in-process: platform → gateway → phone, with the sender's handling of answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from simulator.client import StackClient, StackError
from simulator.devices.phone import OS, Phone
from simulator.stack import Stack

SANDBOX = "pipeline"
APP = "com.acme.shop"


class World:
    """A small in-process world: one app, phones with consenting profiles."""

    def __init__(self, client: StackClient, sender: str) -> None:
        self.client = client
        self.sender = sender

    async def person(self, email: str, os: OS, consent: str = "y") -> tuple[str, Phone]:
        profile = await self.client.call(
            "core", "POST", "/profiles", sandbox=SANDBOX,
            json={"identities": {"email": email}, "consents": {"marketing": {"push": {"val": consent}}}},
        )  # fmt: skip
        phone = await self.client.new_phone(SANDBOX, os, name=email)
        phone.install(APP, ecid=email.replace("@", "-"), sender=self.sender)
        phone.app(APP).identities["email"] = email
        await phone.launch(APP)
        return str(profile["id"]), phone

    async def campaign(self, message: dict[str, Any], category: str = "marketing") -> str:
        body = {"name": "c", "appId": APP, "category": category, "message": message}
        return str((await self.client.call("core", "POST", "/campaigns", sandbox=SANDBOX, json=body))["id"])

    async def send(self, campaign: str, *profiles: str) -> dict[str, Any]:
        recipients = [{"profileId": p} for p in profiles]
        await self.client.call(
            "core", "POST", f"/campaigns/{campaign}/trigger", sandbox=SANDBOX, json={"recipients": recipients}
        )
        await self.client.settle(SANDBOX)
        return dict(await self.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX))


def in_world(test: Callable[[World], Awaitable[None]]) -> None:
    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="pipeline-tests"))
        await client.open_sandbox(SANDBOX)
        app = await client.provision_app(SANDBOX, APP)
        try:
            await test(World(client, app["fcm"]["projectId"]))
        finally:
            await client.aclose()

    asyncio.run(main())


def test_an_invalid_campaign_is_a_422_naming_the_field() -> None:
    async def test(world: World) -> None:
        with pytest.raises(StackError) as caught:
            await world.client.call(
                "core", "POST", "/campaigns", sandbox=SANDBOX,
                json={"name": "x", "appId": APP, "message": {"title": "no body", "colour": "red"}},
            )  # fmt: skip
        assert caught.value.status == 422
        fields = {d["field"] for d in caught.value.body["error"]["detail"]}
        assert {"message.body", "message.colour"} <= fields

    in_world(test)


def test_an_unknown_app_or_sandbox_is_a_404_with_the_field() -> None:
    async def test(world: World) -> None:
        with pytest.raises(StackError) as caught:
            await world.client.call(
                "core",
                "POST",
                "/campaigns",
                sandbox=SANDBOX,
                json={"name": "x", "appId": "com.nope.app", "message": {"body": "b"}},
            )
        assert caught.value.status == 404
        assert caught.value.body["error"]["field"] == "appId"
        with pytest.raises(StackError) as missing:
            await world.client.call("core", "GET", "/profiles/abc", sandbox="no-such-sandbox")
        assert missing.value.status == 404
        assert missing.value.body["error"]["field"] == "x-sandbox-name"

    in_world(test)


def test_apns_and_fcm_payloads_carry_the_platform_keys() -> None:
    async def test(world: World) -> None:
        ios_profile, _ = await world.person("ios@example.com", OS.IOS)
        android_profile, _ = await world.person("android@example.com", OS.ANDROID)
        message = {
            "title": "Sale", "body": "15% off", "image": "https://cdn.example/sale.png",
            "click": {"type": "deeplink", "uri": "shop://sale"}, "badge": 3, "collapseId": "sale",
            "buttons": [{"id": "buy", "label": "Buy", "click": {"type": "webUrl", "uri": "https://shop.example"}}],
            "data": {"sku": "42"},
        }  # fmt: skip
        report = await world.send(await world.campaign(message), ios_profile, android_profile)
        assert report["delivered"] == 2
        stack = world.client.stack
        assert stack is not None
        apns = stack.apns.calls.last
        assert apns is not None and apns.status == 200
        assert apns.body["aps"] == {
            "alert": {"title": "Sale", "body": "15% off"},
            "badge": 3,
            "mutable-content": 1,
            "category": "adb_actions",
        }
        assert apns.body["adb_a_type"] == "DEEPLINK" and apns.body["adb_uri"] == "shop://sale"
        assert apns.body["adb_media"] == "https://cdn.example/sale.png" and apns.body["sku"] == "42"
        assert apns.body["adb_act"] == [{"label": "Buy", "id": "buy", "type": "WEBURL", "uri": "https://shop.example"}]
        assert apns.headers["apns-collapse-id"] == "sale" and apns.headers["apns-topic"] == APP
        fcm = stack.fcm.calls.last
        assert fcm is not None and fcm.status == 200
        data = fcm.body["message"]["data"]
        assert all(isinstance(v, str) for v in data.values())
        assert (data["adb_title"], data["adb_body"], data["adb_n_count"], data["adb_tag"]) == (
            "Sale",
            "15% off",
            "3",
            "sale",
        )
        assert fcm.body["message"]["android"]["collapse_key"] == "sale"

    in_world(test)


def test_retryable_errors_are_retried_with_backoff_on_the_clock() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person("retry@example.com", OS.IOS)
        await world.client.call(
            "apns", "POST", "/_sim/faults", json={"error": "ServiceUnavailable", "status": 503, "times": 2}
        )
        campaign = await world.campaign({"title": "Retry", "body": "eventually"})
        report = await world.send(campaign, profile)
        assert (report["sent"], report["pending"], report["delivered"]) == (1, 1, 0)
        assert report["reconciles"]
        await world.client.advance(SANDBOX, 1)
        assert not phone.banners()
        await world.client.advance(SANDBOX, 2)
        report = await world.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX)
        assert (report["pending"], report["delivered"], report["errors"]) == (0, 1, 0)
        assert [n.title for n in phone.banners()] == ["Retry"]

    in_world(test)


def test_a_service_that_never_recovers_ends_as_a_dispatch_error() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person("down@example.com", OS.ANDROID)
        await world.client.call("fcm", "POST", "/_sim/faults", json={"error": "UNAVAILABLE", "status": 503})
        campaign = await world.campaign({"body": "never"})
        await world.send(campaign, profile)
        await world.client.advance(SANDBOX, 60)
        report = await world.client.call("core", "GET", f"/campaigns/{campaign}/report", sandbox=SANDBOX)
        assert (report["errors"], report["pending"], report["errorReasons"]) == (1, 0, {"UNAVAILABLE": 1})
        log = await world.client.call("core", "GET", f"/profiles/{profile}/messages", sandbox=SANDBOX)
        assert log["messages"][-1]["code"] == "050301"

    in_world(test)


def test_credentials_are_minted_again_after_they_expire() -> None:
    async def test(world: World) -> None:
        ios, ios_phone = await world.person("later-ios@example.com", OS.IOS)
        android, android_phone = await world.person("later-android@example.com", OS.ANDROID)
        campaign = await world.campaign({"body": "first"})
        assert (await world.send(campaign, ios, android))["delivered"] == 2
        await world.client.advance(SANDBOX, 3 * 3600)
        second = await world.campaign({"body": "second"})
        assert (await world.send(second, ios, android))["delivered"] == 2
        assert [n.body for n in ios_phone.banners()] == ["second", "first"]
        assert [n.body for n in android_phone.banners()] == ["second", "first"]

    in_world(test)


def test_consent_changes_take_effect_for_the_very_next_send() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person("changes@example.com", OS.IOS, consent="n")
        campaign = await world.campaign({"body": "hello"})
        assert (await world.send(campaign, profile))["exclusions"] == [
            {"reason": "PushNoConsent", "code": "050111", "count": 1}
        ]
        await world.client.call(
            "core",
            "PATCH",
            f"/profiles/{profile}",
            sandbox=SANDBOX,
            json={"consents": {"marketing": {"push": {"val": "y"}}}},
        )
        assert (await world.send(campaign, profile))["delivered"] == 1
        assert len(phone.banners()) == 1

    in_world(test)


def test_sandboxes_do_not_see_each_other() -> None:
    async def test(world: World) -> None:
        profile, _ = await world.person("isolated@example.com", OS.IOS)
        await world.client.open_sandbox("other")
        with pytest.raises(StackError) as caught:
            await world.client.call("core", "GET", f"/profiles/{profile}", sandbox="other")
        assert caught.value.status == 404
        await world.client.close_sandbox("other")

    in_world(test)


def test_a_profile_without_any_token_is_excluded_with_050030() -> None:
    async def test(world: World) -> None:
        profile = await world.client.call(
            "core",
            "POST",
            "/profiles",
            sandbox=SANDBOX,
            json={"identities": {"email": "notoken@example.com"}, "consents": {"marketing": {"push": {"val": "y"}}}},
        )
        report = await world.send(await world.campaign({"body": "b"}), profile["id"])
        assert report["exclusions"] == [{"reason": "PushNoTokenFoundInProfile", "code": "050030", "count": 1}]

    in_world(test)


def test_a_render_error_excludes_with_050302_and_sends_nothing() -> None:
    async def test(world: World) -> None:
        profile, phone = await world.person("render@example.com", OS.IOS)
        report = await world.send(await world.campaign({"body": "Hi {{ profile.nickname }}"}), profile)
        assert report["exclusions"] == [{"reason": "RuntimeRenderingError", "code": "050302", "count": 1}]
        assert not phone.banners()
        fallback = await world.campaign({"body": "Hi {{ profile.nickname | default('there') }}"})
        await world.send(fallback, profile)
        assert phone.banners()[0].body == "Hi there"

    in_world(test)


def test_a_sandbox_environment_token_is_not_valid_for_a_production_app() -> None:
    async def test(world: World) -> None:
        profile = (
            await world.client.call(
                "core",
                "POST",
                "/profiles",
                sandbox=SANDBOX,
                json={"identities": {"email": "dev@example.com"}, "consents": {"marketing": {"push": {"val": "y"}}}},
            )
        )["id"]
        phone = await world.client.new_phone(SANDBOX, OS.IOS)
        phone.install(APP, ecid="dev-ecid", environment="sandbox")
        phone.app(APP).identities["email"] = "dev@example.com"
        await phone.launch(APP)
        report = await world.send(await world.campaign({"body": "b"}), profile)
        assert report["exclusions"] == [{"reason": "PushNoValidTokenFoundForApps", "code": "050031", "count": 1}]

    in_world(test)


def test_an_app_in_the_apns_sandbox_environment_reaches_development_builds() -> None:
    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="pipeline-tests"))
        await client.open_sandbox(SANDBOX)
        await client.provision_app(SANDBOX, APP, platforms=("ios",), environment="sandbox")
        profile = await client.call(
            "core",
            "POST",
            "/profiles",
            sandbox=SANDBOX,
            json={"identities": {"email": "dev@example.com"}, "consents": {"marketing": {"push": {"val": "y"}}}},
        )
        phone = await client.new_phone(SANDBOX, OS.IOS)
        phone.install(APP, ecid="dev-ecid", environment="sandbox")
        phone.app(APP).identities["email"] = "dev@example.com"
        await phone.launch(APP)
        world = World(client, "")
        report = await world.send(await world.campaign({"body": "from TestFlight"}), profile["id"])
        assert report["delivered"] == 1
        assert [n.body for n in phone.banners()] == ["from TestFlight"]
        await client.aclose()

    asyncio.run(main())
