"""The platform section of the HTML report, rendered from a snapshot, and its trip through the Cucumber JSON."""

from __future__ import annotations

from typing import Any

from harness.reports import charts
from harness.reports.cucumber import ATTACHMENTS_LOCATION, _scenario, attachments
from harness.reports.html import render

MONDAY = 1767603600.0  # 2026-01-05 09:00 UTC


def campaign(**figures: int) -> dict[str, Any]:
    base = {"targeted": 0, "excluded": 0, "sent": 0, "delivered": 0, "displayed": 0, "opened": 0, "clicked": 0,
            "dismissed": 0, "bounces": 0, "errors": 0, "pending": 0}  # fmt: skip
    base.update(figures)
    sent = base["sent"]
    return {
        "kind": "campaign", "id": "c1", "name": "Sale <1>", "channel": "push", "category": "marketing",
        "figures": base,
        "funnel": [{"stage": s, "count": base[s], "ofSent": base[s] / sent if sent else None}
                   for s in ("sent", "delivered", "opened", "clicked")],
        "exclusions": [{"reason": "PushNoConsent", "code": "050111", "count": base["excluded"]}],
        "bounces": [], "errors": [], "suppressions": [],
        "checks": [{"rule": "targeted = excluded + sent", "left": base["targeted"],
                    "right": base["excluded"] + sent, "holds": base["targeted"] == base["excluded"] + sent}],
        "reconciles": base["targeted"] == base["excluded"] + sent,
    }  # fmt: skip


def snapshot(*campaigns: dict[str, Any]) -> dict[str, Any]:
    lane = {"name": "Alice's iPhone", "person": "Alice", "os": "ios", "items": [
        {"at": MONDAY, "kind": "received", "channel": "push", "text": "Sale: 10% off", "ref": "m1"},
        {"at": MONDAY + 3600, "kind": "action", "channel": "push", "text": "tapped “Sale”", "ref": None},
        {"at": MONDAY + 86400, "kind": "platform", "channel": "push", "text": "PushNoConsent 050111 · \"Sale\"",
         "ref": None, "outcome": "excluded"},
    ]}  # fmt: skip
    return {"report": {"campaigns": list(campaigns), "journeys": [], "other": []}, "lanes": [lane], "now": ""}


def test_a_card_draws_each_figure_escapes_names_and_says_when_it_does_not_reconcile() -> None:
    html = charts.section(snapshot(campaign(targeted=4, excluded=1, sent=2, delivered=2, bounces=1)))

    assert '<g class="bar" data-figure="delivered" data-value="2">' in html
    assert '<g class="bar" data-figure="bounces" data-value="1">' in html
    assert 'data-figure="pending"' not in html  # only drawn when not zero
    assert "Sale &lt;1&gt;" in html
    assert "✗ does not reconcile (targeted = excluded + sent: 4 ≠ 3)" in html


def test_the_timeline_has_a_column_per_instant_and_a_chip_per_item() -> None:
    html = charts.section(snapshot(campaign(targeted=1, sent=1, delivered=1)))

    assert html.count('<g class="instant"') == 3
    assert "Tue 06 Jan" in html
    assert html.count('<g class="item"') == 3
    assert "PUSH · EXCLUDED" in html
    assert '<g class="lane" data-lane="Alice&#x27;s iPhone">' in html


def test_a_snapshot_that_failed_says_why_and_an_empty_one_draws_nothing() -> None:
    assert "could not be taken: StackError: 500" in charts.section({"error": "StackError: 500"})
    assert charts.section({"report": {"campaigns": [], "journeys": []}, "lanes": []}) == ""


def test_attachments_travel_as_cucumber_embeddings_and_reach_the_page() -> None:
    record = {
        "name": "S", "keyword": "Scenario", "description": "", "line": 3, "tags": [], "example_index": None,
        "before": None, "after": None, "steps": [],
        "attachments": {charts.PLATFORM_ATTACHMENT: snapshot(campaign(targeted=1, sent=1, delivered=1))},
    }  # fmt: skip

    element = _scenario(record, "f")

    assert element["after"][0]["match"]["location"] == ATTACHMENTS_LOCATION
    assert element["after"][0]["embeddings"][0]["mime_type"] == "application/json"
    assert attachments(element)[charts.PLATFORM_ATTACHMENT]["lanes"][0]["name"] == "Alice's iPhone"
    feature = {"uri": "f.feature", "keyword": "Feature", "name": "F", "description": "", "tags": [],
               "elements": [element]}  # fmt: skip
    page = render([feature])
    assert '<svg class="funnel"' in page
    assert '<svg class="timeline"' in page
    assert ATTACHMENTS_LOCATION not in page  # the carrier hook is not shown as a step


def test_a_steps_note_and_the_message_the_phone_holds_are_one_item_on_the_lane() -> None:
    from harness.reports.platform import _add_note, _deduplicated

    items = [
        {"at": MONDAY, "kind": "received", "channel": "sms", "text": "Party at 8 pm: drinks on us", "ref": "m1"},
        {"at": MONDAY + 5, "kind": "action", "channel": "sms", "text": "STOP", "ref": "m2"},
    ]
    note = {"channel": "sms", "ref": None}
    _add_note(items, {**note, "at": MONDAY + 9, "kind": "received", "text": "SMS 'drinks on us'"})
    _add_note(items, {**note, "at": MONDAY + 9, "kind": "action", "text": "replied 'STOP'"})
    _add_note(items, {**note, "at": MONDAY + 9, "kind": "action", "text": "replied 'START'"})

    assert [(i["at"], i["kind"], i["text"]) for i in _deduplicated(items)] == [
        (MONDAY, "received", "Party at 8 pm: drinks on us"),
        (MONDAY + 5, "action", "replied 'STOP'"),
        (MONDAY + 9, "action", "replied 'START'"),
    ]


def test_inboxes_are_read_by_their_shape() -> None:
    from dataclasses import dataclass, field

    from harness.reports.platform import inbox_items

    @dataclass
    class Message:
        id: str
        direction: str
        body: str
        sent_at: float

    @dataclass
    class Thread:
        messages: list[Message] = field(default_factory=list)

    class Threads:  # threads as a property, as the SMS app has them
        @property
        def threads(self) -> list[Thread]:
            return [Thread([Message("a", "incoming", "Hi", MONDAY), Message("b", "outgoing", "STOP", MONDAY + 1)])]

    assert [(i["kind"], i["channel"], i["text"], i["ref"]) for i in inbox_items(Threads())] == [
        ("received", "sms", "Hi", "a"), ("action", "sms", "STOP", "b"),
    ]  # fmt: skip
