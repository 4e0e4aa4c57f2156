"""The card inbox on the phone: ordering, persistence across restarts and offline, read state, dismissal, expiry."""

from __future__ import annotations

from inbound_world import APP, SANDBOX, World, in_world

CARDS = f"mobileapp://{APP}/cards"
DAY = 86_400.0


def test_cards_persist_across_restarts_and_offline_keep_their_state_and_expire_by_the_clock() -> None:
    async def test(world: World) -> None:
        alice, phone = await world.person("Alice")
        await world.campaign("contentCard", {"surface": CARDS, "title": "Old", "priority": 5}, alice)
        await world.client.advance(SANDBOX, 60)
        await world.campaign("contentCard", {"surface": CARDS, "title": "New", "priority": 5,
                                             "expiryDate": "2026-01-07T09:00:00Z"}, alice)  # fmt: skip
        await world.campaign("contentCard", {"surface": CARDS, "title": "Top", "priority": 70}, alice)
        sdk = world.sdk(phone)
        assert [v.title for v in await sdk.view_cards([CARDS])] == ["Top", "New", "Old"]
        await sdk.tap_card([CARDS], "Old")
        await sdk.hide_card([CARDS], "Top")
        phone.kill(APP)
        await phone.go_offline()
        await phone.launch(APP)
        views = await sdk.view_cards([CARDS])
        assert [(v.title, v.read) for v in views] == [("New", False), ("Old", True)]
        await world.client.advance(SANDBOX, 2 * DAY)
        sdk.device.tick((await world.client.now(SANDBOX))["timestamp"])
        assert [v.title for v in sdk.cards([CARDS])] == ["Old"]  # expired by the phone's clock, still offline
        await phone.go_online()
        assert [v.title for v in await sdk.view_cards([CARDS])] == ["Old"]
        assert sdk.outbox == [] and sdk.errors == []

    in_world(test)


def test_displays_are_tracked_once_a_session_and_everything_is_counted() -> None:
    async def test(world: World) -> None:
        alice, phone = await world.person("Alice")
        campaign = await world.campaign("contentCard", {"surface": CARDS, "title": "A",
                                                        "actionUrl": "https://acme.test/a"}, alice)  # fmt: skip
        sdk = world.sdk(phone)
        await sdk.view_cards([CARDS])
        await sdk.view_cards([CARDS])
        await sdk.tap_card([CARDS], "A")
        assert phone.browser == ["https://acme.test/a"]
        phone.kill(APP)
        await phone.launch(APP)
        await sdk.view_cards([CARDS])
        await sdk.hide_card([CARDS], "A", how="disqualify")
        assert await sdk.view_cards([CARDS]) == []
        report = await world.report(campaign)
        assert (report["displayed"], report["clicked"], report["dismissed"]) == (2, 1, 0)
        assert report["interactions"] == {"clicked": 1}

    in_world(test)


def test_a_card_the_platform_stops_serving_disappears_at_the_next_fetch() -> None:
    async def test(world: World) -> None:
        from simulator.platform.propositions import withdraw

        alice, phone = await world.person("Alice")
        campaign = await world.campaign("contentCard", {"surface": CARDS, "title": "A"}, alice)
        sdk = world.sdk(phone)
        assert len(await sdk.view_cards([CARDS])) == 1
        withdraw(world.stack.platform.state(SANDBOX), alice, campaign)
        assert len(sdk.cards([CARDS])) == 1  # still on the phone until it fetches
        assert await sdk.view_cards([CARDS]) == []

    in_world(test)


def test_a_reinstalled_app_starts_with_an_empty_inbox_state() -> None:
    async def test(world: World) -> None:
        alice, phone = await world.person("Alice")
        await world.campaign("contentCard", {"surface": CARDS, "title": "A"}, alice)
        sdk = world.sdk(phone)
        await sdk.view_cards([CARDS])
        await sdk.hide_card([CARDS], "A")
        await phone.uninstall(APP)
        phone.install(APP, ecid=f"{1:038d}", sender=world.sender)
        phone.app(APP).identities["email"] = "alice@acme.test"
        await phone.launch(APP)
        fresh = world.sdk(phone)
        assert fresh is not sdk
        assert [v.title for v in await fresh.view_cards([CARDS])] == ["A"]

    in_world(test)
