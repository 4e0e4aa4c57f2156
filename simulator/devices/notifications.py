"""What a person sees of push: notifications as the OS shows them, read from the provider's own payload.

An iOS phone reads the APNs JSON (`aps.alert`, `aps.badge`, `adb_*` keys the platform adds); an Android phone reads
the FCM message (`notification`, or the platform's `adb_*` data keys). Both become one `Notification`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.devices.delivery import PushDelivery, PushProvider


class ClickAction(StrEnum):
    """What tapping a notification (or a button) does, as the platform's `adb_a_type` names it."""

    OPEN_APP = "OPENAPP"
    DEEPLINK = "DEEPLINK"
    WEB_URL = "WEBURL"
    DISMISS = "DISMISS"


@dataclass(frozen=True, slots=True)
class NotificationButton:
    """An action button under a notification."""

    id: str
    label: str
    action: ClickAction
    uri: str | None = None


@dataclass(slots=True)
class Notification:
    """One notification in a phone's notification centre."""

    message_id: str
    app_id: str
    title: str
    body: str
    received_at: float
    provider: PushProvider
    image: str | None = None
    action: ClickAction = ClickAction.OPEN_APP
    uri: str | None = None
    buttons: tuple[NotificationButton, ...] = ()
    collapse_id: str | None = None
    badge: int | None = None
    sound: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """A one-line human description for failure messages."""
        return f"{self.title!r}: {self.body!r}" if self.title else repr(self.body)


def _button(raw: dict[str, Any]) -> NotificationButton:
    kind = str(raw.get("type", "DISMISS")).upper()
    return NotificationButton(
        id=str(raw.get("id", raw.get("label", ""))),
        label=str(raw.get("label", "")),
        action=ClickAction(kind) if kind in ClickAction.__members__.values() else ClickAction.DISMISS,
        uri=raw.get("uri"),
    )


def _buttons(raw: Any) -> tuple[NotificationButton, ...]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return ()
    if not isinstance(raw, list):
        return ()
    return tuple(_button(b) for b in raw if isinstance(b, dict))


def _action(raw: Any) -> ClickAction:
    value = str(raw or "OPENAPP").upper()
    return ClickAction(value) if value in ClickAction.__members__.values() else ClickAction.OPEN_APP


def from_apns(delivery: PushDelivery) -> Notification | None:
    """Read an APNs payload as iOS does; None for a background (content-available only) push."""
    payload = delivery.payload
    aps = payload.get("aps", {}) if isinstance(payload.get("aps"), dict) else {}
    alert = aps.get("alert")
    if isinstance(alert, str):
        title, body = "", alert
    elif isinstance(alert, dict):
        title, body = str(alert.get("title", "")), str(alert.get("body", ""))
    else:
        return None
    custom = {k: v for k, v in payload.items() if k != "aps"}
    return Notification(
        message_id=delivery.message_id,
        app_id=delivery.app_id,
        title=title,
        body=body,
        received_at=delivery.sent_at,
        provider=delivery.provider,
        image=payload.get("adb_media"),
        action=_action(payload.get("adb_a_type")),
        uri=payload.get("adb_uri"),
        buttons=_buttons(payload.get("adb_act")),
        collapse_id=delivery.collapse_id,
        badge=aps.get("badge") if isinstance(aps.get("badge"), int) else None,
        sound=aps.get("sound") if isinstance(aps.get("sound"), str) else None,
        data=custom,
    )


def from_fcm(delivery: PushDelivery) -> Notification | None:
    """Read an FCM message as Android (with the platform's SDK) does; None for a data message with nothing to show."""
    message = delivery.payload
    data = message.get("data") or {}
    notification = message.get("notification") or {}
    android = (message.get("android") or {}).get("notification") or {}
    title = data.get("adb_title") or android.get("title") or notification.get("title") or ""
    body = data.get("adb_body") or android.get("body") or notification.get("body") or ""
    if not title and not body:
        return None
    badge = data.get("adb_n_count")
    return Notification(
        message_id=delivery.message_id,
        app_id=delivery.app_id,
        title=str(title),
        body=str(body),
        received_at=delivery.sent_at,
        provider=delivery.provider,
        image=data.get("adb_image") or android.get("image") or notification.get("image"),
        action=_action(data.get("adb_a_type")),
        uri=data.get("adb_uri"),
        buttons=_buttons(data.get("adb_act")),
        collapse_id=data.get("adb_tag") or android.get("tag") or delivery.collapse_id,
        badge=int(badge) if isinstance(badge, str) and badge.isdigit() else None,
        sound=data.get("adb_sound") or android.get("sound"),
        data=dict(data),
    )


READERS = {PushProvider.APNS: from_apns, PushProvider.FCM: from_fcm}


class NotificationCentre:
    """The banners on one phone, newest first; a collapse id replaces the banner that carries it."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[Notification] = []

    def show(self, notification: Notification) -> None:
        """Display `notification`, replacing any banner of the same app with the same collapse id."""
        if notification.collapse_id:
            self._items = [
                n
                for n in self._items
                if not (n.app_id == notification.app_id and n.collapse_id == notification.collapse_id)
            ]
        self._items.insert(0, notification)

    def remove(self, notification: Notification) -> None:
        """Take a banner away (tapped or swiped)."""
        self._items = [n for n in self._items if n is not notification]

    def clear(self, app_id: str | None = None) -> None:
        """Clear every banner, or those of one app."""
        self._items = [n for n in self._items if app_id is not None and n.app_id != app_id]

    def banners(self, app_id: str | None = None) -> list[Notification]:
        """Banners shown now, newest first."""
        return [n for n in self._items if app_id is None or n.app_id == app_id]

    def badge(self, app_id: str) -> int:
        """The app icon's badge: the latest badge a notification set."""
        for n in self._items:
            if n.app_id == app_id and n.badge is not None:
                return n.badge
        return 0

    def __len__(self) -> int:
        return len(self._items)
