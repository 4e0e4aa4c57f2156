"""In-app messages on the phone: the rules engine, frequency, Conflict, traits, and the HTML a person sees."""

from __future__ import annotations

from typing import Any

import pytest
from inbound_world import APP, World, in_world

from simulator.devices.messaging.inapp import InAppMessages
from simulator.devices.messaging.propositions import InAppRule, PropositionRef
from simulator.devices.messaging.rules import evaluate
from simulator.devices.messaging.screen import layout_of, read_html
from simulator.devices.phone import OS, AppState, PhoneError
from simulator.platform.propositions.inapp_html import mobile_parameters, render_html
from simulator.platform.propositions.messages import InAppTrigger, Trait
from simulator.platform.propositions.rules import in_app_condition, matcher

# -- the rules engine -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "values", "actual", "holds"),
    [
        ("eq", ["add_to_cart"], "ADD_TO_CART", True),
        ("eq", ["a", "b"], "b", True),
        ("ne", ["a"], "b", True),
        ("gt", [2], "3", True),
        ("ge", [3], 3, True),
        ("lt", [3], 3, False),
        ("le", [3.5], 3, True),
        ("co", ["fr"], "fr-FR", True),
        ("sw", ["And"], "android", True),
        ("ew", ["FR"], "fr-fr", True),
        ("nc", ["x"], "abc", True),
        ("eq", ["1"], None, False),
    ],
)
def test_matchers(op: str, values: list[Any], actual: Any, holds: bool) -> None:
    assert evaluate(matcher("k", op, *values), {"k": actual}) is holds


def test_exists_groups_and_unknown_conditions() -> None:
    data = {"a": 1, "b": "x"}
    assert evaluate(matcher("a", "ex"), data) and evaluate(matcher("z", "nx"), data)
    both = {
        "type": "group",
        "definition": {"logic": "and", "conditions": [matcher("a", "eq", 1), matcher("b", "eq", "y")]},
    }
    either = {
        "type": "group",
        "definition": {"logic": "or", "conditions": [matcher("a", "eq", 1), matcher("b", "eq", "y")]},
    }
    assert not evaluate(both, data) and evaluate(either, data)
    assert not evaluate({"type": "historical", "definition": {}}, data)


def test_trigger_and_traits_compile_to_conditions_the_phone_evaluates() -> None:
    trigger = InAppTrigger(event="action", name="buy", traits=(Trait(trait="launches", operator="ge", value=2),
                                                               Trait(trait="locale", value="fr-FR")))  # fmt: skip
    condition = in_app_condition(trigger, expiry=2_000)
    base = {"~type": "com.adobe.eventType.generic.track", "~source": "com.adobe.eventSource.requestContent",
            "action": "buy", "~timestampu": 1_000,
            "~state.com.adobe.module.lifecycle/lifecyclecontextdata.launches": 2,
            "~state.com.adobe.module.lifecycle/lifecyclecontextdata.locale": "fr-FR"}  # fmt: skip
    assert evaluate(condition, base)
    assert not evaluate(condition, {**base, "action": "view"})
    assert not evaluate(condition, {**base, "~state.com.adobe.module.lifecycle/lifecyclecontextdata.launches": 1})
    assert not evaluate(condition, {**base, "~state.com.adobe.module.lifecycle/lifecyclecontextdata.locale": "en-US"})
    assert not evaluate(condition, {**base, "~timestampu": 2_000})


# -- frequency and Conflict, on the phone's state -------------------------------------------------------------------


def rule(activity: str, rank: int = 1, frequency: str = "every") -> InAppRule:
    ref = PropositionRef(
        f"p-{activity}", "mobileapp://com.acme.shop", {"activity": {"id": activity}, "rank": rank}, "i"
    )
    html = render_html(layout="modal", title=activity, body="", image=None, buttons=[])
    return InAppRule(ref, matcher("go", "eq", 1), html, "modal", frequency)


def test_frequencies() -> None:
    messages = InAppMessages()
    messages.replace(
        "s", [rule("every"), rule("once", frequency="once"), rule("click", frequency="until_clickthrough")]
    )
    shown = lambda: [r.ref.activity_id for r in messages.matching({"go": 1})]  # noqa: E731
    assert shown() == ["every", "once", "click"]
    for r in messages.rules:
        messages.show(r)
        messages.on_screen = None
    assert shown() == ["every", "click"]
    messages.clicked_through.add("click")
    assert shown() == ["every"]
    messages.new_session()
    assert shown() == ["every", "once"]


def test_conflict_keeps_the_best_ranked_and_the_one_on_screen() -> None:
    messages = InAppMessages()
    low, high, other = rule("low", rank=2), rule("high", rank=1), rule("other", rank=1)
    display, suppressed = messages.choose([low, high])
    assert display is high and suppressed == [low]
    messages.show(high)
    display, suppressed = messages.choose([other])
    assert display is None and suppressed == [other]


def test_a_withdrawn_waiting_message_is_dropped() -> None:
    messages = InAppMessages()
    messages.replace("s", [rule("a")])
    messages.pending = [rule("a"), rule("gone")]
    assert [r.ref.activity_id for r in messages.take_pending()] == ["a"]
    assert messages.pending == []


# -- HTML -----------------------------------------------------------------------------------------------------------


def test_the_html_reads_back_as_what_a_person_sees() -> None:
    html = render_html(
        layout="fullscreen", title="50% <off> & more", body="Today only", image="https://cdn.test/a.png",
        buttons=[("b1", "Shop now", "shop://sale?x=1&y=2"), ("b2", "Later", None)],
    )  # fmt: skip
    screen = read_html(html, layout_of(mobile_parameters("fullscreen")))
    assert (screen.layout, screen.title, screen.body, screen.image) == (
        "fullscreen",
        "50% <off> & more",
        "Today only",
        "https://cdn.test/a.png",
    )
    shop, later = screen.buttons
    assert (shop.label, shop.interaction, shop.link) == ("Shop now", "b1", "shop://sale?x=1&y=2")
    assert (later.label, later.interaction, later.link) == ("Later", "b2", None)
    assert screen.close == "adbinapp://dismiss"
    assert screen.describe() == ("a full-screen message '50% <off> & more' saying 'Today only' with the image "
                                 "'https://cdn.test/a.png' with buttons 'Shop now', 'Later'")  # fmt: skip


@pytest.mark.parametrize("layout", ["modal", "banner", "fullscreen"])
def test_layouts_round_trip(layout: str) -> None:
    assert layout_of(mobile_parameters(layout)) == layout


def test_a_hand_written_message_is_read_too() -> None:
    html = ('<html><body><div><a class="btnClose" href="adbinapp://dismiss">x</a><h1> Big   <b>news</b></h1>'
            '<p>Line one</p><p>Line two</p><a href="adbinapp://dismiss?interaction=ok">OK</a>'
            '<a href="https://web.test">not a button</a></div></body></html>')  # fmt: skip
    screen = read_html(html, "modal")
    assert screen.title == "Big news" and screen.body == "Line one Line two"
    assert [b.label for b in screen.buttons] == ["OK"] and screen.button("ok") is not None


# -- on a phone, end to end -----------------------------------------------------------------------------------------


def test_traits_frequency_and_conflict_on_a_phone() -> None:
    async def test(world: World) -> None:
        alice, phone = await world.person("Alice", OS.ANDROID)
        bob, bob_phone = await world.person("Bob")
        base = {"trigger": {"event": "launch", "traits": [{"trait": "os", "value": "Android"}]}}
        await world.campaign("inapp", {**base, "title": "Low", "priority": 1, "frequency": "once"}, alice, bob)
        await world.campaign("inapp", {**base, "title": "High", "priority": 9, "frequency": "once"}, alice, bob)
        sdk = world.sdk(phone)
        await phone.launch(APP)
        assert sdk.on_screen is not None and sdk.on_screen.screen.title == "High"
        assert [(s.screen.title, s.reason) for s in sdk.inapp.suppressed] == [("Low", "Conflict")]
        await sdk.dismiss()
        await sdk.close()
        await phone.launch(APP)  # back at once: the same session, no launch event
        assert sdk.on_screen is None
        await sdk.close(force=True)
        await phone.launch(APP)  # a new session: "once" may show again
        assert sdk.on_screen is not None and sdk.on_screen.screen.title == "High"
        await bob_phone.launch(APP)
        assert world.sdk(bob_phone).on_screen is None  # an iPhone: the OS trait does not hold
        assert sdk.errors == [] and world.sdk(bob_phone).errors == []

    in_world(test)


def test_buttons_open_links_and_an_action_needs_the_app_on_screen() -> None:
    async def test(world: World) -> None:
        alice, phone = await world.person("Alice")
        buttons = [{"label": "Read", "action": "url", "target": "https://acme.test/a"},
                   {"label": "Go", "action": "deeplink", "target": "shop://x"}]  # fmt: skip
        await world.campaign(
            "inapp", {"title": "T", "buttons": buttons, "trigger": {"event": "action", "name": "a"}}, alice
        )
        sdk = world.sdk(phone)
        await phone.launch(APP)  # the rules reach the phone when it fetches
        await sdk.track_action("a")
        with pytest.raises(PhoneError, match="no button 'Nope'"):
            await sdk.tap("Nope")
        await sdk.tap("Read")
        assert phone.browser == ["https://acme.test/a"] and sdk.on_screen is None
        await sdk.track_action("a")
        await sdk.tap("Go")
        assert phone.app(APP).screen == "shop://x"
        phone.background(APP)
        assert phone.app(APP).state is AppState.BACKGROUND
        with pytest.raises(PhoneError, match="cannot track"):
            await sdk.track_action("a")

    in_world(test)
