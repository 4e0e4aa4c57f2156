"""The platform's propositions: surfaces, fetch answers, priority per surface, tracking, and what Edge refuses."""

from __future__ import annotations

from typing import Any

import pytest
from inbound_world import APP, SANDBOX, World, fetch_event, in_world

from simulator.platform.propositions import Surface, SurfaceError, proposition_source, store_of, withdraw
from simulator.platform.propositions.decisions import CONTENT_CARD_SCHEMA, HTML_ITEM, IN_APP_SCHEMA, JSON_ITEM

ECID = f"{1:038d}"
HERO = f"mobileapp://{APP}/home#hero"
CARDS = f"mobileapp://{APP}/cards"


def decisions(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The propositions of an Edge answer."""
    return [p for h in answer["handle"] if h["type"] == "personalization:decisions" for p in h["payload"]]


def tracking(kind: str, propositions: list[dict[str, Any]], **decisioning: Any) -> dict[str, Any]:
    """A tracking event as the SDK writes it."""
    types = {"display": "Display", "interact": "Interact", "dismiss": "Dismiss", "suppressDisplay": "SuppressDisplay",
             "disqualify": "Disqualify", "trigger": "Trigger"}  # fmt: skip
    body = {"propositionEventType": {kind: 1}, "propositions": propositions, **decisioning}
    return {"xdm": {"eventType": f"decisioning.proposition{types[kind]}", "identityMap": {"ECID": [{"id": ECID}]},
                    "_experience": {"decisioning": body}}}  # fmt: skip


# -- surfaces --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "app_id", "path", "element"),
    [
        ("mobileapp://com.acme.shop", "com.acme.shop", "", ""),
        ("mobileapp://com.acme.shop/", "com.acme.shop", "", ""),
        ("mobileapp://com.acme.shop/home#hero", "com.acme.shop", "home", "hero"),
        ("mobileapp://com.acme.shop/iam/", "com.acme.shop", "iam", ""),
        ("mobileapp://com.acme.shop/a/b-c_d#x.1", "com.acme.shop", "a/b-c_d", "x.1"),
    ],
)
def test_surfaces_parse(uri: str, app_id: str, path: str, element: str) -> None:
    surface = Surface.parse(uri)
    assert (surface.app_id, surface.path, surface.element) == (app_id, path, element)
    assert Surface.parse(surface.uri) == surface


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("https://com.acme.shop/home", "must start with mobileapp://"),
        ("mobileapp://shop/home", "not a bundle id"),
        ("mobileapp://com.acme.shop/ho me", "path"),
        ("mobileapp://com.acme.shop/home#", "element"),
        ("mobileapp://com.acme.shop/home#a#b", "element"),
    ],
)
def test_bad_surfaces_say_why(uri: str, why: str) -> None:
    with pytest.raises(SurfaceError, match=why):
        Surface.parse(uri)


# -- fetch -----------------------------------------------------------------------------------------------------------


def test_fetch_answers_each_channel_in_the_edge_shape() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        await world.campaign(
            "inapp", {"title": "Hi {{ profile.firstName }}", "trigger": {"event": "action", "name": "buy"}}, alice
        )
        await world.campaign("contentCard", {"surface": CARDS, "title": "Spring", "expiryDate": "2026-02-01"}, alice)
        await world.campaign("codeBased", {"surface": HERO, "content": {"headline": "Hello"}}, alice)
        await world.campaign("codeBased", {"surface": f"{HERO}2", "format": "html", "content": "<p>Hi</p>"}, alice)
        answer = await world.edge(fetch_event(ECID, f"mobileapp://{APP}", CARDS, HERO, f"{HERO}2"))
        props = decisions(answer)
        assert [p["scope"] for p in props] == [f"mobileapp://{APP}", CARDS, HERO, f"{HERO}2"]
        for proposition in props:
            assert set(proposition) == {"id", "scope", "scopeDetails", "items"}
            details = proposition["scopeDetails"]
            assert details["decisionProvider"] == "AJO" and details["rank"] == 1
            assert "#" in details["activity"]["id"] and details["characteristics"]["eventToken"]
        in_app, card, json_item, html_item = (p["items"][0] for p in props)
        rule = in_app["data"]["rules"][0]
        detail = rule["consequences"][0]["detail"]
        assert in_app["schema"].endswith("/ruleset-item") and detail["schema"] == IN_APP_SCHEMA
        assert "Hi Alice" in detail["data"]["content"] and detail["data"]["contentType"] == "text/html"
        assert {"type": "matcher", "definition": {"key": "action", "matcher": "eq", "values": ["buy"]}} in (
            rule["condition"]["definition"]["conditions"]
        )
        card_detail = card["data"]["rules"][0]["consequences"][0]["detail"]
        assert card_detail["schema"] == CONTENT_CARD_SCHEMA
        assert card_detail["data"]["content"]["title"] == {"content": "Spring"}
        assert card_detail["data"]["expiryDate"] == 1769904000
        assert json_item["schema"] == JSON_ITEM and json_item["data"]["content"] == {"headline": "Hello"}
        assert html_item["schema"] == HTML_ITEM and html_item["data"] == {"id": html_item["id"], "content": "<p>Hi</p>",
                                                                          "format": "text/html"}  # fmt: skip
        assert any(h["type"] == "mjlab:clock" for h in answer["handle"])

    in_world(test)


def test_only_what_is_live_for_that_profile() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        await world.person("Bob")
        await world.campaign("codeBased", {"surface": HERO, "content": {"for": "alice"}}, alice)
        assert decisions(await world.edge(fetch_event(ECID, HERO)))[0]["items"][0]["data"]["content"] == {
            "for": "alice"
        }
        assert decisions(await world.edge(fetch_event(f"{2:038d}", HERO))) == []

    in_world(test)


def test_highest_priority_wins_per_surface_for_code_based_and_cards_are_ranked() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        await world.campaign("codeBased", {"surface": HERO, "content": {"n": "low"}, "priority": 10}, alice)
        await world.campaign("codeBased", {"surface": HERO, "content": {"n": "high"}, "priority": 90}, alice)
        await world.campaign("codeBased", {"surface": HERO, "content": {"n": "middle"}, "priority": 50}, alice)
        await world.campaign("contentCard", {"surface": CARDS, "title": "B", "priority": 10}, alice)
        await world.campaign("contentCard", {"surface": CARDS, "title": "A", "priority": 60}, alice)
        props = decisions(await world.edge(fetch_event(ECID, HERO, CARDS)))
        hero = [p for p in props if p["scope"] == HERO]
        assert [p["items"][0]["data"]["content"] for p in hero] == [{"n": "high"}]
        cards = [p for p in props if p["scope"] == CARDS]
        titles = [p["items"][0]["data"]["rules"][0]["consequences"][0]["detail"]["data"]["content"]["title"]["content"]
                  for p in cards]  # fmt: skip
        assert titles == ["A", "B"] and [p["scopeDetails"]["rank"] for p in cards] == [1, 2]

    in_world(test)


def test_withdrawn_is_not_served_but_late_tracking_still_counts() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        campaign = await world.campaign("codeBased", {"surface": HERO, "content": {"x": 1}}, alice)
        proposition = decisions(await world.edge(fetch_event(ECID, HERO)))[0]
        state = world.stack.platform.state(SANDBOX)
        assert [p.id for p in withdraw(state, alice, campaign)] == [proposition["id"]]
        assert decisions(await world.edge(fetch_event(ECID, HERO))) == []
        await world.edge(tracking("display", [proposition]))
        report = await world.report(campaign)
        assert report["displayed"] == 1 and report["reconciles"]

    in_world(test)


def test_a_rendering_failure_excludes_the_profile_at_fetch() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        campaign = await world.campaign("codeBased", {"surface": HERO, "content": {"x": "{{ profile.nope }}"}}, alice)
        assert decisions(await world.edge(fetch_event(ECID, HERO))) == []
        assert decisions(await world.edge(fetch_event(ECID, HERO))) == []
        report = await world.report(campaign)
        assert (report["targeted"], report["sent"], report["delivered"]) == (1, 0, 0)
        assert report["exclusions"] == [{"reason": "RuntimeRenderingError", "code": "050302", "count": 1}]
        assert report["reconciles"]

    in_world(test)


def test_variants_are_chosen_from_profile_and_recent_events() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice", tier="silver")
        message = {"surface": HERO, "content": {"v": "default"}, "variants": [
            {"when": "'checkout' in states", "content": {"v": "checkout"}},
            {"when": "profile.tier == 'gold'", "content": {"v": "gold"}},
        ]}  # fmt: skip
        await world.campaign("codeBased", message, alice)

        async def content() -> Any:
            return decisions(await world.edge(fetch_event(ECID, HERO)))[0]["items"][0]["data"]["content"]

        assert await content() == {"v": "default"}
        await world.call("PATCH", f"/profiles/{alice}", {"attributes": {"tier": "gold"}})
        assert await content() == {"v": "gold"}
        await world.edge({"xdm": {"eventType": "analytics.track", "identityMap": {"ECID": [{"id": ECID}]}},
                          "data": {"__adobe": {"analytics": {"pageName": "checkout"}}}})  # fmt: skip
        assert await content() == {"v": "checkout"}

    in_world(test)


# -- tracking --------------------------------------------------------------------------------------------------------


def test_tracking_is_counted_per_campaign() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        campaign = await world.campaign("codeBased", {"surface": HERO, "content": {"x": 1}}, alice)
        proposition = decisions(await world.edge(fetch_event(ECID, HERO)))[0]
        await world.edge(tracking("trigger", [proposition]))
        await world.edge(tracking("display", [proposition]))
        await world.edge(tracking("interact", [proposition], propositionAction={"id": "b1", "label": "Buy"}))
        await world.edge(tracking("dismiss", [proposition]))
        await world.edge(tracking("suppressDisplay", [proposition], propositionAction={"reason": "Conflict"}))
        report = await world.report(campaign)
        assert (report["displayed"], report["clicked"], report["dismissed"]) == (1, 1, 1)
        assert report["interactions"] == {"Buy": 1} and report["suppressions"] == {"Conflict": 1}
        log = [m["outcome"] for m in (await world.call("GET", f"/profiles/{alice}/messages"))["messages"]]
        assert log[-5:] == ["triggered", "displayed", "clicked", "dismissed", "suppressed"]
        events = world.stack.platform.state(SANDBOX).events
        assert proposition_source(events[-1][2]) == campaign

    in_world(test)


def test_disqualified_is_not_served_again() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        await world.campaign("contentCard", {"surface": CARDS, "title": "A"}, alice)
        proposition = decisions(await world.edge(fetch_event(ECID, CARDS)))[0]
        await world.edge(tracking("disqualify", [proposition]))
        assert decisions(await world.edge(fetch_event(ECID, CARDS))) == []

    in_world(test)


# -- what Edge refuses -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "status", "code", "detail"),
    [
        ("https://com.acme.shop/home", 400, "EXEG-0101-400", "must start with mobileapp://"),
        ("mobileapp://not_a_bundle", 400, "EXEG-0101-400", "not a bundle id"),
        ("mobileapp://com.other.app/home", 404, "EXEG-0102-404", "no app 'com.other.app'"),
    ],
)
def test_bad_surface_or_unknown_app_is_refused(surface: str, status: int, code: str, detail: str) -> None:
    async def test(world: World) -> None:
        await world.person("Alice")
        response = await world.client.http["core"].post(
            "/ee/v2/interact", json={"events": [fetch_event(ECID, surface)]}, headers={"x-sandbox-name": SANDBOX}
        )
        assert response.status_code == status
        body = response.json()
        assert body["type"] == f"https://ns.adobe.com/aep/errors/{code}" and body["status"] == status
        assert detail in body["detail"] and body["report"]["field"] == "query.personalization.surfaces.0"

    in_world(test)


def test_a_fetch_without_surfaces_is_malformed() -> None:
    async def test(world: World) -> None:
        await world.person("Alice")
        event = fetch_event(ECID, HERO)
        del event["query"]
        body = await world.edge(event, ok=False)
        assert body["status"] == 422 and "surfaces" in body["detail"]

    in_world(test)


@pytest.mark.parametrize(
    ("kind", "mutate", "status", "field"),
    [
        ("display", lambda d: d.pop("propositions"), 422, "propositions"),
        ("display", lambda d: d.update(propositions=[]), 422, "propositions"),
        ("display", lambda d: d.update(propositionEventType={"interact": 1}), 422, "propositionEventType"),
        ("display", lambda d: d["propositions"][0].pop("scopeDetails"), 422, "propositions.0"),
        ("display", lambda d: d["propositions"][0].update(scope="nope"), 422, "propositions.0.scope"),
        (
            "display",
            lambda d: d["propositions"][0].update(scope=f"mobileapp://{APP}/else"),
            422,
            "propositions.0.scope",
        ),
        ("interact", lambda d: None, 422, "propositionAction"),
        ("suppressDisplay", lambda d: None, 422, "propositionAction.reason"),
        ("display", lambda d: d["propositions"][0].update(id="never-issued"), 404, "propositions.0.id"),
    ],
)
def test_malformed_tracking_or_unknown_proposition_is_refused(kind: str, mutate: Any, status: int, field: str) -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        campaign = await world.campaign("codeBased", {"surface": HERO, "content": {"x": 1}}, alice)
        proposition = decisions(await world.edge(fetch_event(ECID, HERO)))[0]
        event = tracking(kind, [dict(proposition)])
        mutate(event["xdm"]["_experience"]["decisioning"])
        body = await world.edge(event, ok=False)
        assert body["status"] == status, body
        assert body["report"]["field"].endswith(field), body
        report = await world.report(campaign)
        assert (report["displayed"], report["clicked"], report["suppressions"]) == (0, 0, {})

    in_world(test)


def test_a_message_for_an_unknown_app_fails_to_send_and_an_invalid_surface_is_refused_at_creation() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        campaign = await world.campaign("codeBased", {"surface": "mobileapp://com.other.app/x", "content": {}}, alice)
        report = await world.report(campaign)
        assert (
            report["errors"] == 1
            and report["errorReasons"] == {"unknown app com.other.app": 1}
            and report["reconciles"]
        )
        body = {"name": "bad", "channel": "contentCard", "message": {"surface": "home", "title": "x"}}
        refused = await world.call("POST", "/campaigns", body, ok=False)
        assert refused["error"]["detail"][0]["field"] == "message.surface"
        assert store_of(world.stack.platform.state(SANDBOX)).of_profile(alice) == []

    in_world(test)


def test_a_condition_on_a_missing_attribute_does_not_hold_and_a_bad_one_is_refused() -> None:
    async def test(world: World) -> None:
        alice, _ = await world.person("Alice")
        variants = [{"when": "profile.tier == 'gold'", "content": {"v": "gold"}}]
        campaign = await world.campaign(
            "codeBased", {"surface": HERO, "content": {"v": "x"}, "variants": variants}, alice
        )
        assert decisions(await world.edge(fetch_event(ECID, HERO)))[0]["items"][0]["data"]["content"] == {"v": "x"}
        assert (await world.report(campaign))["excluded"] == 0
        bad = {"surface": HERO, "content": {}, "variants": [{"when": "profile.tier ==", "content": {}}]}
        refused = await world.call(
            "POST", "/campaigns", {"name": "b", "channel": "codeBased", "message": bad}, ok=False
        )
        assert refused["error"]["detail"][0]["field"] == "message.variants.0.when"

    in_world(test)
