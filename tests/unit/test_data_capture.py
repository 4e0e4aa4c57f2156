"""Data capture: a landing page served by the platform, filled in from a phone's browser, writes to the profile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from simulator.client import StackClient, StackError
from simulator.devices.phone import OS, Phone
from simulator.stack import Stack

SANDBOX = "capture"
PAGE = {
    "title": "Our newsletter",
    "email": True,
    "phone": True,
    "consents": ["push", "email"],
    "custom": [
        {"name": "firstName", "label": "First name"},
        {"name": "tier", "attribute": "loyalty.tier"},
        {"name": "age", "type": "number"},
    ],
}


class World:
    """An in-process stack, one landing page and one phone."""

    def __init__(self, client: StackClient, phone: Phone) -> None:
        self.client = client
        self.phone = phone

    async def call(self, method: str, path: str, json: Any = None, ok: bool = True) -> Any:
        return await self.client.call("core", method, path, sandbox=SANDBOX, json=json, ok=ok)

    @property
    def url(self) -> str:
        assert self.client.stack is not None
        return f"{self.client.stack.urls['core']}/lp/newsletter?sandbox={SANDBOX}"

    async def submit(self, **form: str) -> tuple[int, str]:
        answer = await self.phone.services.fetch(self.phone, self.url, method="POST", data=form)
        return answer.status, answer.text

    async def find(self, email: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"/profiles?identity=email:{email}"))

    def events(self, profile_id: str) -> list[dict[str, Any]]:
        assert self.client.stack is not None
        state = self.client.stack.platform.state(SANDBOX)
        return [
            e["data"] for _, who, e in state.events if who == profile_id and e["xdm"]["eventType"] == "form.submitted"
        ]


def in_world(test: Callable[[World], Awaitable[None]]) -> None:
    async def main() -> None:
        client = await StackClient.inprocess(Stack.build(seed="capture-tests"))
        await client.open_sandbox(SANDBOX)
        await client.call("core", "PUT", "/landing-pages/newsletter", sandbox=SANDBOX, json=PAGE)
        phone = await client.new_phone(SANDBOX, OS.IOS, name="Alice's iPhone")
        try:
            await test(World(client, phone))
        finally:
            await client.aclose()

    asyncio.run(main())


def test_the_page_is_a_form_naming_its_sandbox_with_unticked_consent_boxes() -> None:
    async def test(world: World) -> None:
        page = await world.phone.services.fetch(world.phone, world.url)

        assert page.status == 200
        assert f'action="/lp/newsletter?sandbox={SANDBOX}"' in page.text
        assert 'name="consent.push" value="y">' in page.text
        assert 'name="consent.email" value="y">' in page.text
        assert "consent.sms" not in page.text
        assert 'name="firstName"' in page.text

    in_world(test)


def test_a_new_person_gets_a_profile_with_the_consents_ticked_and_not_ticked() -> None:
    async def test(world: World) -> None:
        status, text = await world.submit(
            email="alice@example.com", phone="+33 6 12 34 56 78", firstName="Alice", tier="gold", age="41",
            **{"consent.push": "y"},
        )  # fmt: skip

        assert status == 200
        assert 'id="thanks"' in text
        profile = await world.find("alice@example.com")
        assert profile["identities"] == {"email": ["alice@example.com"], "phone": ["+33612345678"]}
        assert profile["consents"]["marketing"] == {"email": {"val": "n"}, "push": {"val": "y"}}
        assert profile["attributes"] == {"firstName": "Alice", "loyalty": {"tier": "gold"}, "age": 41}
        [event] = world.events(profile["id"])
        assert event["created"] is True
        assert event["consents"] == {"push": "y", "email": "n"}

    in_world(test)


def test_an_existing_profile_found_by_phone_is_updated_and_consent_withdrawn() -> None:
    async def test(world: World) -> None:
        created = await world.call(
            "POST", "/profiles",
            {"identities": {"phone": "+14155550100"}, "attributes": {"loyalty": {"points": 10}},
             "consents": {"marketing": {"push": {"val": "y"}, "email": {"val": "y"}}}},
        )  # fmt: skip

        status, _ = await world.submit(phone="+14155550100", email="bob@example.com", tier="silver")

        assert status == 200
        profile = await world.call("GET", f"/profiles/{created['id']}")
        assert profile["identities"]["email"] == ["bob@example.com"]
        assert profile["consents"]["marketing"] == {"email": {"val": "n"}, "push": {"val": "n"}}
        assert profile["attributes"]["loyalty"] == {"points": 10, "tier": "silver"}
        assert world.events(created["id"])[0]["created"] is False

    in_world(test)


def test_an_invalid_form_is_shown_again_with_its_problems_and_changes_nothing() -> None:
    async def test(world: World) -> None:
        status, text = await world.submit(email="not-an-email", age="old", **{"consent.push": "y"})

        assert status == 422
        assert 'id="email-problem"' in text
        assert 'id="age-problem"' in text
        assert 'value="not-an-email"' in text
        assert " checked> Send me offers as push notifications" in text
        assert world.client.stack is not None
        assert len(world.client.stack.platform.state(SANDBOX).profiles) == 0

    in_world(test)


def test_an_unknown_page_or_sandbox_is_a_404_page_and_a_bad_configuration_a_422() -> None:
    async def test(world: World) -> None:
        assert world.client.stack is not None
        base = world.client.stack.urls["core"]
        missing = await world.phone.services.fetch(world.phone, f"{base}/lp/nothing?sandbox={SANDBOX}")
        assert missing.status == 404
        assert "no landing page &#x27;nothing&#x27;" in missing.text
        nowhere = await world.phone.services.fetch(world.phone, f"{base}/lp/newsletter?sandbox=nowhere")
        assert nowhere.status == 404
        with pytest.raises(StackError) as caught:
            await world.call("PUT", "/landing-pages/bad", {"email": False, "phone": False})
        assert caught.value.status == 422
        configured = await world.call("GET", "/landing-pages/newsletter")
        assert configured["url"] == f"/lp/newsletter?sandbox={SANDBOX}"

    in_world(test)


def test_the_very_next_send_sees_the_consent_the_form_gave() -> None:
    async def test(world: World) -> None:
        app = await world.client.provision_app(SANDBOX, "com.acme.shop")
        await world.submit(email="carol@example.com", **{"consent.push": "y"})
        profile = await world.find("carol@example.com")
        world.phone.install("com.acme.shop", ecid="1" * 38, sender=app["fcm"]["projectId"])
        world.phone.app("com.acme.shop").identities["email"] = "carol@example.com"
        await world.phone.launch("com.acme.shop")
        body = {"name": "Sale", "appId": "com.acme.shop", "message": {"title": "Sale", "body": "Now"}}
        campaign = await world.call("POST", "/campaigns", body)
        await world.call("POST", f"/campaigns/{campaign['id']}/trigger", {"recipients": [{"profileId": profile["id"]}]})
        await world.client.settle(SANDBOX)
        assert [n.title for n in world.phone.banners()] == ["Sale"]

        await world.submit(email="carol@example.com")  # the box left unticked: consent withdrawn
        await world.call("POST", f"/campaigns/{campaign['id']}/trigger", {"recipients": [{"profileId": profile["id"]}]})
        await world.client.settle(SANDBOX)

        report = await world.call("GET", f"/reports/campaigns/{campaign['id']}")
        assert report["figures"]["delivered"] == 1
        assert report["exclusions"] == [{"reason": "PushNoConsent", "code": "050111", "count": 1}]

    in_world(test)
