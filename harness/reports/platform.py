"""The platform's side of a scenario, for the HTML report, taken at the end of the scenario before its sandbox closes.

The snapshot (`snapshot(lab)`, plain JSON) holds:

- `report`: `GET /reports/sandbox` — every campaign's and journey's figures, funnel, tables of reasons and
  reconciliation;
- `lanes`: one lane per phone, in the order people and phones appeared, each item `{at, kind, channel, text}` in
  virtual time: what reached the phone (`received`: banners shown, SMS/WhatsApp/email in its inboxes; `hidden`: a
  push received but not shown, and why), what its person did (`action`: `Lab.timeline` notes — taps, replies,
  forms — and messages the person sent from the phone), and what the platform recorded about the person that never
  reached a phone (`platform`, with its `outcome`: exclusions with their reason and code, bounces, dispatch errors,
  queued messages);
- `now`: the sandbox's clock at the end.

`capture(request, lab)` attaches it to the scenario's record when reports are written (`--cucumberjson-mjlab` or
`--mjlab-reports`, as `mjlab run` does), so it travels with the record under pytest-xdist too. It never fails the
scenario: a snapshot that cannot be taken holds the reason instead (`{"error": ...}`).

Known gap: a banner replaced through its collapse id before the end of the scenario is not on the lane (the phone
no longer holds it, and no step noted it).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.lab import Lab, Person, TimelineNote
from harness.reports.charts import PLATFORM_ATTACHMENT
from harness.reports.records import attach
from simulator.devices.notifications import READERS
from simulator.devices.phone import Phone

#: Platform log outcomes that show on a lane: what never became a notification on a phone.
PLATFORM_OUTCOMES = ("excluded", "bounced", "failed", "queued", "discarded", "suppressed")


def wanted(config: pytest.Config) -> bool:
    """Whether this run writes reports that show the snapshot."""
    return bool(config.getoption("mjlab_cucumber_json", None) or config.getoption("mjlab_reports", None))


def capture(request: pytest.FixtureRequest, lab: Lab) -> None:
    """Attach the scenario's snapshot to its record (when reports are written); never raises."""
    if not wanted(request.config):
        return
    try:
        data = snapshot(lab)
    except Exception as error:  # a broken stack must not hide the scenario's own outcome
        data = {"error": f"{type(error).__name__}: {error}"}
    attach(request.node, PLATFORM_ATTACHMENT, data)


def snapshot(lab: Lab) -> dict[str, Any]:
    """The sandbox's reports and one lane per phone."""
    report = lab.call("core", "GET", "/reports/sandbox")
    names = source_names(lab, report)
    lanes: dict[str, dict[str, Any]] = {}
    for person in lab.people.values():
        for phone in person.phones:
            lane = _lane(lanes, phone.name or phone.device_id, person.name, phone.os.value)
            lane["items"].extend(phone_items(phone))
        platform = platform_items(lab, person, names)
        if platform:
            first = person.phones[0] if person.phones else None
            lane_name = (first.name or first.device_id) if first is not None else person.name
            lane = _lane(lanes, lane_name, person.name, first.os.value if first is not None else None)
            lane["items"].extend(platform)
    for note in lab.timeline:
        lane = _lane(lanes, note.lane, note.person, None)
        _add_note(lane["items"], _note_item(note))
    for lane in lanes.values():
        lane["items"] = _deduplicated(lane["items"])
    return {"report": report, "now": report.get("now"), "lanes": list(lanes.values())}


def _lane(lanes: dict[str, dict[str, Any]], name: str, person: str, os: str | None) -> dict[str, Any]:
    lane = lanes.get(name)
    if lane is None:
        lane = lanes[name] = {"name": name, "person": person, "os": os, "items": []}
    return lane


def _item(at: float, kind: str, channel: str | None, text: str, ref: str | None = None) -> dict[str, Any]:
    return {"at": at, "kind": kind, "channel": channel, "text": text, "ref": ref}


def _note_item(note: TimelineNote) -> dict[str, Any]:
    return _item(note.at, note.kind, note.channel, note.text, note.ref)


def _add_note(items: list[dict[str, Any]], note: dict[str, Any]) -> None:
    """Add a step's note to a lane, merged with what the phone itself holds when both tell of the same thing.

    A note without a message id (`SMS 'Hi Alice'` noted when a step saw it, `replied 'STOP'`) and a message read
    from the phone's inbox (`Hi Alice, 20% off`, `STOP`) of the same kind are one item when the note contains the
    message's text or quotes part of it: at the phone's time, with the message's text for what was received and the
    note's words for what the person did. Each note takes the latest such message not yet taken, at or before it.
    """
    if note["ref"] is None:
        candidates = [
            item
            for item in items
            if item["kind"] == note["kind"]
            and item["ref"] is not None
            and not item.get("noted")
            and item["at"] <= note["at"]
            and _same(item["text"], note["text"])
        ]
        if candidates:
            match = max(candidates, key=lambda item: item["at"])
            match["noted"] = True
            if note["kind"] == "action":
                match["text"] = note["text"]
            return
    items.append(note)


def _same(message: str, note: str) -> bool:
    """Whether a note tells of this message: it contains the message's text, or quotes a part of it."""
    if not message:
        return False
    quoted = re.findall(r"'([^']+)'|\"([^\"]+)\"|“([^”]+)”", note)
    return message in note or any(part and part in message for found in quoted for part in found)


def _deduplicated(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In time order; an item about the same message and of the same kind appears once."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in sorted(items, key=lambda i: (i["at"], i["kind"] != "received")):
        if item["ref"] is not None:
            key = (item["kind"], item["ref"])
            if key in seen:
                continue
            seen.add(key)
        item.pop("noted", None)
        kept.append(item)
    return kept


def phone_items(phone: Phone) -> list[dict[str, Any]]:
    """What the phone holds: banners, pushes it did not show, and the messages of its inboxes."""
    items = [
        _item(n.received_at, "received", "push", _describe(n.title, n.body), n.message_id) for n in phone.banners()
    ]
    for received in phone.silenced:
        delivery = received.delivery
        shown = READERS[delivery.provider](delivery)
        what = _describe(shown.title, shown.body) if shown is not None else "a background push"
        items.append(
            _item(delivery.sent_at, "hidden", "push", f"{what} (not shown: {received.why})", delivery.message_id)
        )
    inboxes: list[Any] = []
    for inbox in phone.inboxes.values():
        if not any(inbox is known for known in inboxes):
            inboxes.append(inbox)
    for inbox in inboxes:
        items.extend(inbox_items(inbox))
    return items


def inbox_items(inbox: Any) -> list[dict[str, Any]]:
    """The messages of an inbox, whichever kind: SMS threads, WhatsApp chats or a mailbox (read by their shape)."""
    messages: list[Any] = []
    threads, chats, emails = (_listed(getattr(inbox, name, None)) for name in ("threads", "chats", "emails"))
    if threads is not None:
        messages = [m for thread in threads for m in thread.messages]
    elif chats is not None:
        messages = [m for chat in chats for m in chat.messages]
    elif emails is not None:
        messages = emails
    default_channel = "whatsapp" if chats is not None else "email" if emails is not None else "sms"
    items = []
    for message in messages:
        at = _first(message, "sent_at", "at", "received_at")
        kind = "action" if str(getattr(message, "direction", "incoming")) in ("outgoing", "sent") else "received"
        channel = getattr(getattr(message, "channel", None), "value", None) or default_channel
        ref = _first(message, "message_id", "id")
        text = str(_first(message, "subject", "body", "text") or "(empty)")
        items.append(_item(float(at or 0.0), kind, channel, text, str(ref) if ref else None))
    return items


def _listed(value: Any) -> list[Any] | None:
    """An inbox's collection, whether a method, a property, a list or a dict (its values); None when absent."""
    if callable(value):
        value = value()
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list | tuple) else None


def _first(message: Any, *names: str) -> Any:
    """The first of these attributes the message has and sets."""
    return next((value for name in names if (value := getattr(message, name, None))), None)


def platform_items(lab: Lab, person: Person, names: dict[str, str]) -> list[dict[str, Any]]:
    """What the platform recorded about the person that did not reach a phone (exclusions, bounces, errors...)."""
    records = lab.call("core", "GET", f"/profiles/{person.profile_id}/messages")["messages"]
    items = []
    for record in records:
        if record["outcome"] not in PLATFORM_OUTCOMES:
            continue
        why = " ".join(part for part in (record.get("reason"), record.get("code")) if part)
        source = names.get(record["source"], record["source"])
        item = _item(float(record["at"]), "platform", record["channel"], f"{why} · {source}" if why else source)
        item["outcome"] = record["outcome"]
        items.append(item)
    return items


def source_names(lab: Lab, report: dict[str, Any]) -> dict[str, str]:
    """Each message source's name as a reader knows it: the campaign's name, or the journey and its step."""
    names = {campaign["id"]: f'"{campaign["name"]}"' for campaign in report.get("campaigns", [])}
    names.update({campaign_id: f'"{name}"' for name, campaign_id in lab.campaigns.items()})
    for journey in report.get("journeys", []):
        for message in journey.get("messages", []):
            names[message["source"]] = f'journey "{journey["name"]}" · {message["step"]}'
    return names


def _describe(title: str, body: str) -> str:
    return f"{title}: {body}" if title and body else title or body or "(empty)"
