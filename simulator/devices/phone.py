"""A simulated phone: apps, push tokens, a notification centre, and a person who taps.

A phone talks to the outside world only through `PhoneServices` (the push services that issue tokens and the
platform's Edge endpoint the mobile SDK calls), so the same phone runs in-process or over the network. It receives
notifications from the `DeviceHub` as a real phone receives them from APNs or FCM, and reads the provider's own
payload to decide what to show.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from simulator.devices.delivery import MessageChannel, MessageDelivery, PushDelivery, PushProvider
from simulator.devices.notifications import READERS, ClickAction, Notification, NotificationCentre

if TYPE_CHECKING:
    from simulator.devices.messaging import PhoneMessaging


class OS(StrEnum):
    """A phone's operating system."""

    IOS = "ios"
    ANDROID = "android"

    @property
    def push_provider(self) -> PushProvider:
        """The push service this OS receives from."""
        return PushProvider.APNS if self is OS.IOS else PushProvider.FCM


class AppState(StrEnum):
    """Where an installed app is in its lifecycle."""

    KILLED = "killed"
    BACKGROUND = "background"
    FOREGROUND = "foreground"


class PhoneError(Exception):
    """Something a person cannot do on this phone (an app that is not installed, a banner that is not there)."""


class PhoneServices(Protocol):
    """The outside world as a phone reaches it."""

    async def issue_push_token(self, phone: Phone, app: InstalledApp) -> str:
        """Ask the push service for a token for this app (APNs registration / FCM getToken)."""

    async def revoke_push_token(self, phone: Phone, app: InstalledApp) -> None:
        """Tell the push service the app is gone (its token stops working)."""

    async def set_online(self, phone: Phone, online: bool) -> None:
        """The phone gained or lost its connection."""

    async def send_edge(self, phone: Phone, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Send mobile SDK events to the platform's Edge endpoint."""

    async def send_message(self, phone: Phone, channel: MessageChannel, payload: dict[str, Any]) -> dict[str, Any]:
        """Send an SMS/MMS/WhatsApp message from the phone through its channel's gateway (a reply, a STOP...)."""

    async def fetch(
        self, phone: Phone, url: str, *, method: str = "GET", data: dict[str, str] | None = None
    ) -> FetchResult:
        """Load a URL as the phone's browser or mail app does (a tracked link, a tracking pixel, a form)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a URL answered, after following redirects."""

    status: int
    url: str
    text: str
    history: tuple[str, ...] = ()


@dataclass(slots=True)
class InstalledApp:
    """One app on a phone, as its mobile SDK sees it."""

    app_id: str
    ecid: str
    environment: str = "production"
    sender: str | None = None
    permission: bool = True
    state: AppState = AppState.KILLED
    token: str | None = None
    launches: int = 0
    screen: str | None = None
    identities: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Received:
    """A notification that reached the phone but was not shown (permission denied, app gone)."""

    delivery: PushDelivery
    why: str


class Phone:
    """A person's phone."""

    __slots__ = (
        "_messaging",
        "_silenced",
        "apps",
        "browser",
        "centre",
        "device_id",
        "email",
        "inboxes",
        "name",
        "online",
        "os",
        "phone_number",
        "sandbox",
        "services",
    )

    def __init__(
        self,
        *,
        device_id: str,
        sandbox: str,
        os: OS,
        services: PhoneServices,
        name: str = "",
        phone_number: str | None = None,
        email: str | None = None,
    ) -> None:
        self.device_id = device_id
        self.sandbox = sandbox
        self.os = os
        self.services = services
        self.name = name
        self.phone_number = phone_number
        self.email = email
        self.apps: dict[str, InstalledApp] = {}
        self.centre = NotificationCentre()
        self.online = True
        self.browser: list[str] = []
        self.inboxes: dict[MessageChannel, Any] = {}
        self._silenced: list[Received] | None = None
        self._messaging: PhoneMessaging | None = None

    def __repr__(self) -> str:
        return f"<Phone {self.name or self.device_id} {self.os.value}>"

    # -- apps -------------------------------------------------------------------------------------------------

    def app(self, app_id: str) -> InstalledApp:
        """The installed app `app_id`; PhoneError if it is not installed."""
        try:
            return self.apps[app_id]
        except KeyError:
            raise PhoneError(f"{self!r} has no app {app_id!r} installed") from None

    def install(
        self,
        app_id: str,
        *,
        ecid: str,
        environment: str = "production",
        permission: bool = True,
        sender: str | None = None,
    ) -> None:
        """Install an app (no token until its first launch); `sender` is its Firebase project on Android."""
        self.apps[app_id] = InstalledApp(
            app_id=app_id, ecid=ecid, environment=environment, permission=permission, sender=sender
        )

    async def uninstall(self, app_id: str) -> None:
        """Remove an app; its push token stops working (410 Unregistered / UNREGISTERED)."""
        app = self.app(app_id)
        if app.token is not None:
            await self.services.revoke_push_token(self, app)
        del self.apps[app_id]
        self.centre.clear(app_id)

    async def launch(self, app_id: str) -> None:
        """Open the app: it comes to the foreground and its SDK registers (or refreshes) the push token."""
        app = self.app(app_id)
        was = app.state
        app.state = AppState.FOREGROUND
        app.launches += 1
        if app.token is None:
            app.token = await self.services.issue_push_token(self, app)
        await self.services.send_edge(self, [self._push_identifier_event(app)])
        await self.messaging.on_launch(app_id, was)

    @property
    def messaging(self) -> PhoneMessaging:
        """The in-app messages, content cards and code-based experiences of the phone's apps (their SDK's state)."""
        if self._messaging is None:
            from simulator.devices.messaging import PhoneMessaging

            self._messaging = PhoneMessaging(self)
        return self._messaging

    async def sign_in(self, app_id: str, identities: dict[str, str]) -> None:
        """The person logs in: the SDK links the app's ECID to these identities (email, phone, CRM id)."""
        app = self.app(app_id)
        app.identities.update(identities)
        await self.services.send_edge(self, [self._identity_event(app)])

    def set_permission(self, app_id: str, granted: bool) -> None:
        """Grant or deny the app's notification permission in the phone's settings."""
        self.app(app_id).permission = granted

    def background(self, app_id: str) -> None:
        """Send the app to the background."""
        self.app(app_id).state = AppState.BACKGROUND

    def kill(self, app_id: str) -> None:
        """Force-quit the app."""
        self.app(app_id).state = AppState.KILLED

    async def go_offline(self) -> None:
        """Lose the connection: notifications wait at the push service."""
        self.online = False
        await self.services.set_online(self, False)

    async def go_online(self) -> None:
        """Reconnect: the push service hands over what it kept."""
        self.online = True
        await self.services.set_online(self, True)

    # -- push -------------------------------------------------------------------------------------------------

    def receive_push(self, delivery: PushDelivery) -> Awaitable[None] | None:
        """Take a notification from the push service, as the OS does."""
        app = self.apps.get(delivery.app_id)
        if app is None or app.token != delivery.token:
            self._silence(delivery, "app not installed")
            return None
        notification = READERS[delivery.provider](delivery)
        if notification is None:
            self._silence(delivery, "background push")
        elif not app.permission:
            self._silence(delivery, "notification permission denied")
        else:
            self.centre.show(notification)
        return None

    def receive_message(self, delivery: MessageDelivery) -> Awaitable[None] | None:
        """Take an SMS/MMS/RCS, WhatsApp message or email into the inbox of its channel."""
        from simulator.devices.inboxes import open_inbox

        inbox = self.inboxes.get(delivery.channel) or open_inbox(self, delivery.channel)
        result: Awaitable[None] | None = inbox.receive(delivery)
        return result

    def inbox(self, channel: MessageChannel) -> Any:
        """The phone's inbox for a channel (its SMS threads, WhatsApp chats or mailbox)."""
        from simulator.devices.inboxes import open_inbox

        return self.inboxes.get(channel) or open_inbox(self, channel)

    def _silence(self, delivery: PushDelivery, why: str) -> None:
        if self._silenced is None:
            self._silenced = []
        self._silenced.append(Received(delivery, why))

    @property
    def silenced(self) -> list[Received]:
        """Notifications that arrived but were not shown, with why."""
        return list(self._silenced or ())

    def banners(self, app_id: str | None = None) -> list[Notification]:
        """What the person sees in the notification centre, newest first."""
        return self.centre.banners(app_id)

    async def tap(self, notification: Notification, button: str | None = None) -> None:
        """Tap a banner (or one of its buttons, by label): the app opens on its link and the SDK tracks it."""
        if notification not in self.centre.banners():
            raise PhoneError(f"{self!r} does not show {notification.describe()}")
        action, uri, action_id = notification.action, notification.uri, None
        if button is not None:
            chosen = next((b for b in notification.buttons if b.label.casefold() == button.casefold()), None)
            if chosen is None:
                labels = ", ".join(repr(b.label) for b in notification.buttons) or "none"
                raise PhoneError(f"{notification.describe()} has no button {button!r} (buttons: {labels})")
            action, uri, action_id = chosen.action, chosen.uri, chosen.id
        self.centre.remove(notification)
        app = self.app(notification.app_id)
        if action is ClickAction.WEB_URL and uri:
            self.browser.append(uri)
        elif action is not ClickAction.DISMISS:
            # Opening the app from a notification is a launch: lifecycle, push registration, proposition fetch.
            await self.launch(app.app_id)
            app.screen = uri if action is ClickAction.DEEPLINK else app.screen
        await self.services.send_edge(self, [self._tracking_event(app, notification, action_id)])

    # -- SDK events -------------------------------------------------------------------------------------------

    def _identity_map(self, app: InstalledApp) -> dict[str, list[dict[str, Any]]]:
        identity_map: dict[str, list[dict[str, Any]]] = {"ECID": [{"id": app.ecid, "primary": True}]}
        for namespace, value in app.identities.items():
            identity_map.setdefault(namespace, []).append({"id": value})
        return identity_map

    def _push_platform(self, app: InstalledApp) -> str:
        if self.os is OS.ANDROID:
            return "fcm"
        return "apnsSandbox" if app.environment == "sandbox" else "apns"

    def _push_identifier_event(self, app: InstalledApp) -> dict[str, Any]:
        return {
            "xdm": {"eventType": "application.launch", "identityMap": self._identity_map(app)},
            "data": {
                "pushNotificationDetails": [
                    {
                        "appID": app.app_id,
                        "token": app.token,
                        "platform": self._push_platform(app),
                        "denylisted": False,
                        "identity": {"namespace": {"code": "ECID"}, "id": app.ecid},
                    }
                ]
            },
        }

    def _identity_event(self, app: InstalledApp) -> dict[str, Any]:
        return {"xdm": {"eventType": "identity.update", "identityMap": self._identity_map(app)}}

    def _tracking_event(self, app: InstalledApp, notification: Notification, action_id: str | None) -> dict[str, Any]:
        tracking: dict[str, Any] = {
            "pushProviderMessageID": notification.message_id,
            "pushProvider": notification.provider.value,
        }
        if action_id is not None:
            tracking["customAction"] = {"actionID": action_id}
        xdm: dict[str, Any] = {
            "eventType": "pushTracking.customAction" if action_id else "pushTracking.applicationOpened",
            "identityMap": self._identity_map(app),
            "pushNotificationTracking": tracking,
            "application": {"launches": {"value": 1 if action_id is None else 0}},
        }
        cjm = _cjm(notification.data)
        if cjm:
            xdm.update(cjm)
        return {"xdm": xdm}


def _cjm(data: dict[str, Any]) -> dict[str, Any] | None:
    """The platform's tracking block (`_xdm.cjm`) from a payload, as the SDK echoes it back."""
    raw = data.get("_xdm")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if isinstance(raw, dict) and isinstance(raw.get("cjm"), dict):
        return dict(raw["cjm"])
    return None
