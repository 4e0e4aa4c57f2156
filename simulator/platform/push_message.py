"""The push message a campaign or journey sends, and how it becomes a real APNs or FCM payload.

The platform adds its own keys, as Adobe Journey Optimizer does: on iOS `aps{alert{title,body},sound,badge,
mutable-content,category,thread-id}` plus `adb_media`, `adb_a_type`, `adb_uri`, `adb_act` and `_xdm` (tracking);
on Android a data message whose values are all strings: `adb_title`, `adb_body`, `adb_image`, `adb_a_type`,
`adb_uri`, `adb_act` (buttons as a JSON string), `adb_channel_id`, `adb_n_count`, `adb_tag`, `_xdm`...
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ClickBehaviour(StrEnum):
    """What tapping the notification does."""

    OPEN_APP = "openApp"
    DEEPLINK = "deeplink"
    WEB_URL = "webUrl"
    DISMISS = "dismiss"

    @property
    def adb_type(self) -> str:
        """The `adb_a_type` value the SDK reads."""
        return {"openApp": "OPENAPP", "deeplink": "DEEPLINK", "webUrl": "WEBURL", "dismiss": "DISMISS"}[self.value]


class Click(BaseModel):
    """A click behaviour with its link."""

    model_config = ConfigDict(extra="forbid")

    type: ClickBehaviour = ClickBehaviour.OPEN_APP
    uri: str | None = None

    @model_validator(mode="after")
    def _needs_uri(self) -> Click:
        if self.type in (ClickBehaviour.DEEPLINK, ClickBehaviour.WEB_URL) and not self.uri:
            raise ValueError(f"a {self.type.value} click needs a uri")
        return self


class ActionButton(BaseModel):
    """A button under the notification."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=64)
    click: Click = Field(default_factory=Click)


class PushMessage(BaseModel):
    """A push notification as authored in the platform (text may hold personalization expressions)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    title: str = ""
    body: str = Field(min_length=1)
    image: str | None = None
    click: Click = Field(default_factory=Click)
    buttons: list[ActionButton] = Field(default_factory=list, max_length=3)
    badge: int | None = Field(default=None, ge=0)
    sound: str | None = None
    collapse_id: str | None = Field(default=None, alias="collapseId", max_length=64)
    expiration_seconds: int | None = Field(
        default=None,
        alias="expirationSeconds",
        ge=0,
        le=2_419_200,
        description="how long the push service keeps it for an offline phone; 0 = deliver now or never",
    )
    priority: str = Field(default="high", pattern="^(high|normal)$")
    category: str | None = None
    thread_id: str | None = Field(default=None, alias="threadId")
    channel_id: str | None = Field(default=None, alias="channelId", description="Android notification channel")
    data: dict[str, str] = Field(default_factory=dict, description="custom key/value pairs")


def _buttons(message: PushMessage) -> list[dict[str, Any]]:
    return [
        {"label": b.label, "id": b.id, "type": b.click.type.adb_type, **({"uri": b.click.uri} if b.click.uri else {})}
        for b in message.buttons
    ]


def apns_payload(message: PushMessage, tracking: dict[str, Any]) -> dict[str, Any]:
    """The APNs JSON payload for `message`."""
    alert: dict[str, str] = {"body": message.body}
    if message.title:
        alert["title"] = message.title
    aps: dict[str, Any] = {"alert": alert}
    if message.sound:
        aps["sound"] = message.sound
    if message.badge is not None:
        aps["badge"] = message.badge
    if message.image:
        aps["mutable-content"] = 1
    if message.category or message.buttons:
        aps["category"] = message.category or "adb_actions"
    if message.thread_id:
        aps["thread-id"] = message.thread_id
    payload: dict[str, Any] = {"aps": aps, **message.data}
    if message.image:
        payload["adb_media"] = message.image
    payload["adb_a_type"] = message.click.type.adb_type
    if message.click.uri:
        payload["adb_uri"] = message.click.uri
    if message.buttons:
        payload["adb_act"] = _buttons(message)
    payload["_xdm"] = tracking
    return payload


def apns_headers(message: PushMessage, topic: str, now: float) -> dict[str, str]:
    """The APNs request headers for `message` (without authorization)."""
    headers = {
        "apns-topic": topic,
        "apns-push-type": "alert",
        "apns-priority": "10" if message.priority == "high" else "5",
    }
    if message.expiration_seconds is not None:
        headers["apns-expiration"] = (
            "0" if message.expiration_seconds == 0 else str(int(now) + message.expiration_seconds)
        )
    if message.collapse_id:
        headers["apns-collapse-id"] = message.collapse_id
    return headers


def fcm_message(message: PushMessage, token: str, tracking: dict[str, Any]) -> dict[str, Any]:
    """The FCM v1 `message` for `message`: a data message whose values are all strings."""
    data: dict[str, str] = {**message.data, "adb_body": message.body}
    if message.title:
        data["adb_title"] = message.title
    if message.image:
        data["adb_image"] = message.image
    data["adb_a_type"] = message.click.type.adb_type
    if message.click.uri:
        data["adb_uri"] = message.click.uri
    if message.buttons:
        data["adb_act"] = json.dumps(_buttons(message), separators=(",", ":"))
    if message.badge is not None:
        data["adb_n_count"] = str(message.badge)
    if message.sound:
        data["adb_sound"] = message.sound
    if message.channel_id:
        data["adb_channel_id"] = message.channel_id
    if message.collapse_id:
        data["adb_tag"] = message.collapse_id
    data["adb_n_priority"] = "PRIORITY_HIGH" if message.priority == "high" else "PRIORITY_DEFAULT"
    data["_xdm"] = json.dumps(tracking, separators=(",", ":"))
    android: dict[str, Any] = {"priority": "HIGH" if message.priority == "high" else "NORMAL"}
    if message.collapse_id:
        android["collapse_key"] = message.collapse_id
    if message.expiration_seconds is not None:
        android["ttl"] = f"{message.expiration_seconds}s"
    return {"token": token, "data": data, "android": android}


def tracking_block(*, campaign_id: str, message_id: str, execution_id: str, profile_id: str) -> dict[str, Any]:
    """The `_xdm` block the SDK echoes back in `pushTracking` events."""
    return {
        "cjm": {
            "_experience": {
                "customerJourneyManagement": {
                    "messageExecution": {
                        "messageExecutionID": execution_id,
                        "messageID": message_id,
                        "campaignID": campaign_id,
                    },
                    "messageProfile": {"channel": {"_id": "https://ns.adobe.com/xdm/channels/push"}},
                    "profileID": profile_id,
                }
            }
        }
    }
