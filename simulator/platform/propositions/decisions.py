"""Answering a fetch: the propositions live for a profile on the surfaces asked for, personalised now.

Each proposition is `{"id", "scope": <surface as asked>, "scopeDetails": {"decisionProvider": "AJO",
"correlationID", "characteristics": {"eventToken"}, "activity": {"id": "<source>#<action id>", "matchedSurfaces"},
"rank"}, "items": [...]}`, with one item per channel:

- in-app: a `ruleset-item` whose rule (trigger, traits) has a `message/in-app` consequence: the HTML, its
  `mobileParameters` (layout), `publishedDate`, and `frequency` (every | once | until_clickthrough: the real platform
  compiles frequency into historical conditions on the device's event history; here the phone reads it plainly);
- content card: a `ruleset-item` (qualifies from publication to expiry) with a `message/content-card` consequence;
- code-based: a `json-content-item` or `html-content-item` whose `data.content` was chosen for this profile.

Several code-based experiences on one surface: the highest priority wins (then the most recently published).
Cards and in-app messages on one surface are all answered, ranked by priority then date (`scopeDetails.rank`, 1 is
first): the phone orders its card inbox and settles in-app conflicts by rank.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from jinja2 import TemplateError

from simulator.platform.exclusions import ExclusionReason
from simulator.platform.models import Channel
from simulator.platform.personalization import RenderingError, evaluate, render
from simulator.platform.profiles import Profile
from simulator.platform.propositions import rules
from simulator.platform.propositions.inapp_html import mobile_parameters, render_html
from simulator.platform.propositions.messages import CodeBasedMessage, ContentCardMessage, InAppMessage
from simulator.platform.propositions.store import EXCLUDED, LiveProposition, store_of
from simulator.platform.propositions.surfaces import canonical
from simulator.platform.state import MessageRecord, SandboxState

RULESET_ITEM = "https://ns.adobe.com/personalization/ruleset-item"
IN_APP_SCHEMA = "https://ns.adobe.com/personalization/message/in-app"
CONTENT_CARD_SCHEMA = "https://ns.adobe.com/personalization/message/content-card"
JSON_ITEM = "https://ns.adobe.com/personalization/json-content-item"
HTML_ITEM = "https://ns.adobe.com/personalization/html-content-item"

#: The channel each proposition's event token names (`messageProfile.channel`).
CHANNEL_NAMES = {Channel.IN_APP: "inApp", Channel.CONTENT_CARD: "messageFeed", Channel.CODE_BASED: "codeBased"}
#: Event types that are the SDK talking about propositions, not the person doing something.
HOUSEKEEPING = ("personalization.request", "decisioning.")
RECENT_EVENTS = 100


def recent_events(state: SandboxState, profile_id: str) -> list[dict[str, Any]]:
    """The profile's recent events, newest first: `{type, at, action, state, xdm, data}` each."""
    found: list[dict[str, Any]] = []
    for at, owner, event in reversed(state.events):
        if owner != profile_id:
            continue
        xdm, data = event.get("xdm") or {}, event.get("data") or {}
        kind = str(xdm.get("eventType", ""))
        if kind.startswith(HOUSEKEEPING):
            continue
        analytics = (data.get("__adobe") or {}).get("analytics") or {}
        found.append({"type": kind, "at": at, "action": analytics.get("linkName"), "state": analytics.get("pageName"),
                      "xdm": xdm, "data": data})  # fmt: skip
        if len(found) >= RECENT_EVENTS:
            break
    return found


def variables(state: SandboxState, profile: Profile, proposition: LiveProposition) -> dict[str, Any]:
    """What expressions see: `profile`, `context`, `event` (a journey's entry event), and the profile's recent
    `events`, `event_types`, `actions`, `states` (newest first)."""
    events = recent_events(state, profile.id)
    return {
        "profile": {**profile.attributes, "identities": profile.identities, "id": profile.id},
        "context": proposition.context,
        "event": (proposition.context or {}).get("event", {}),
        "events": events,
        "event_types": [e["type"] for e in events],
        "actions": [e["action"] for e in events if e["action"]],
        "states": [e["state"] for e in events if e["state"]],
    }


def _render_json(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, dict):
        return {render(str(k), values): _render_json(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(v, values) for v in value]
    return value


def holds(condition: str, values: dict[str, Any]) -> bool:
    """Whether a variant's condition holds; one that cannot be evaluated (a missing attribute) does not, as a
    journey's condition that cannot be evaluated is not taken."""
    try:
        return bool(evaluate(condition, values))
    except (RenderingError, TemplateError):
        return False


def _event_token(proposition: LiveProposition) -> str:
    channel = CHANNEL_NAMES[proposition.channel]
    token = {
        "messageExecution": {
            "messageExecutionID": "UE:Inbound",
            "messageID": proposition.item_id,
            "messagePublicationID": proposition.item_id,
            "messageType": proposition.category.value,
            "campaignID": proposition.source,
            "campaignVersionID": proposition.action_id,
            "campaignActionID": proposition.action_id,
        },
        "messageProfile": {
            "messageProfileID": proposition.action_id,
            "channel": {"_id": f"https://ns.adobe.com/xdm/channels/{channel}",
                        "_type": f"https://ns.adobe.com/xdm/channel-types/{channel}"},
        },
    }  # fmt: skip
    return base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def _in_app_item(proposition: LiveProposition, message: InAppMessage, values: dict[str, Any] | None) -> dict[str, Any]:
    def text(value: str) -> str:
        return value if values is None else render(value, values)

    buttons = [
        (message.button_id(i), text(b.label), text(b.target) if b.target else None)
        for i, b in enumerate(message.buttons)
    ]
    image = text(message.image) if message.image else None
    html = render_html(layout=message.layout, title=text(message.title), body=text(message.body), image=image,
                       buttons=buttons)  # fmt: skip
    data = {
        "content": html,
        "contentType": "text/html",
        "publishedDate": int(proposition.published),
        "meta": {},
        "mobileParameters": mobile_parameters(message.layout),
        "remoteAssets": [image] if image else [],
        "frequency": message.frequency,
    }
    condition = rules.in_app_condition(message.trigger, None)
    return {"id": proposition.item_id, "schema": RULESET_ITEM,
            "data": rules.ruleset(condition, proposition.item_id, IN_APP_SCHEMA, data)}  # fmt: skip


def _card_item(
    proposition: LiveProposition, message: ContentCardMessage, values: dict[str, Any] | None
) -> dict[str, Any]:
    def text(value: str) -> str:
        return value if values is None else render(value, values)

    content: dict[str, Any] = {"title": {"content": text(message.title)}}
    if message.body:
        content["body"] = {"content": text(message.body)}
    if message.image:
        content["image"] = {"url": text(message.image), "alt": ""}
    if message.action_url:
        content["actionUrl"] = text(message.action_url)
    content["dismissBtn"] = {"style": "simple"}
    expiry = proposition.expiry
    data: dict[str, Any] = {
        "content": content,
        "contentType": "application/json",
        "meta": {"adobe": {"template": "SmallImage"}, "surface": proposition.surface},
        "publishedDate": int(proposition.published),
    }
    if expiry is not None:
        data["expiryDate"] = int(expiry)
    condition = rules.card_condition(proposition.published, expiry)
    return {"id": proposition.item_id, "schema": RULESET_ITEM,
            "data": rules.ruleset(condition, proposition.item_id, CONTENT_CARD_SCHEMA, data)}  # fmt: skip


def _code_based_item(
    proposition: LiveProposition, message: CodeBasedMessage, values: dict[str, Any] | None
) -> dict[str, Any]:
    content = message.content
    if values is not None:
        content = next((v.content for v in message.variants if holds(v.when, values)), message.content)
        content = _render_json(content, values)
    schema, format_ = (JSON_ITEM, "application/json") if message.format == "json" else (HTML_ITEM, "text/html")
    return {"id": proposition.item_id, "schema": schema,
            "data": {"id": proposition.item_id, "content": content, "format": format_}}  # fmt: skip


def _item(proposition: LiveProposition, values: dict[str, Any] | None) -> dict[str, Any]:
    message = proposition.message
    if isinstance(message, InAppMessage):
        return _in_app_item(proposition, message, values)
    if isinstance(message, ContentCardMessage):
        return _card_item(proposition, message, values)
    return _code_based_item(proposition, message, values)


def _shared_parts(state: SandboxState, proposition: LiveProposition) -> tuple[dict[str, Any], str]:
    """The item and event token of a message without expressions: the same for every profile it was made live for
    at the same instant, so built once (a campaign sent to 10,000 people answers 10,000 fetches)."""
    shared = store_of(state).shared
    key = (proposition.source, proposition.surface, proposition.published)
    hit = shared.get(key)
    if hit is not None and hit[0] is proposition.message:
        return hit[1], hit[2]
    item, token = _item(proposition, None), _event_token(proposition)
    shared[key] = (proposition.message, item, token)
    return item, token


def proposition_json(state: SandboxState, profile: Profile, proposition: LiveProposition) -> dict[str, Any]:
    """The proposition as the Edge answers it (without rank); RenderingError when personalization fails."""
    if proposition.cached is not None:
        return proposition.cached
    if proposition.templated:
        item, token = _item(proposition, variables(state, profile, proposition)), _event_token(proposition)
    else:
        item, token = _shared_parts(state, proposition)
    body = {
        "id": proposition.id,
        "scope": proposition.surface,
        "scopeDetails": {
            "decisionProvider": "AJO",
            "correlationID": proposition.action_id,
            "characteristics": {"eventToken": token},
            "activity": {"id": proposition.activity_id, "matchedSurfaces": [proposition.surface]},
        },
        "items": [item],
    }
    if not proposition.templated:
        proposition.cached = body
    return body


def _render_failed(state: SandboxState, profile: Profile, proposition: LiveProposition, error: RenderingError) -> None:
    reason = ExclusionReason.RENDERING_ERROR
    if not proposition.served:
        proposition.status = EXCLUDED
        counters = state.report(proposition.source)
        counters.sent -= 1
        counters.delivered -= 1
        state.exclude(profile.id, proposition.source, proposition.channel.value, reason)
        return
    record = MessageRecord(state.clock.timestamp(), proposition.source, proposition.channel.value, "failed",
                           f"{reason.reason}: {error}", reason.code, message_id=proposition.id)  # fmt: skip
    state.remember(profile.id, record)


def decide(state: SandboxState, profile: Profile, surfaces: list[str]) -> list[dict[str, Any]]:
    """The propositions answering a fetch for `surfaces` (each already a valid surface of a known app)."""
    store = store_of(state)
    now = state.clock.timestamp()
    payload: list[dict[str, Any]] = []
    for asked in surfaces:
        candidates = [p for p in store.on_surface(profile.id, canonical(asked)) if p.servable(now)]
        candidates.sort(key=lambda p: (-p.priority, -p.published))
        rank = 0
        code_based_chosen = False
        for proposition in candidates:
            if proposition.channel is Channel.CODE_BASED and code_based_chosen:
                continue
            try:
                body = proposition_json(state, profile, proposition)
            except RenderingError as error:
                _render_failed(state, profile, proposition, error)
                continue
            proposition.served = True
            code_based_chosen = code_based_chosen or proposition.channel is Channel.CODE_BASED
            rank += 1
            payload.append({**body, "scope": asked, "scopeDetails": {**body["scopeDetails"], "rank": rank}})
    return payload
