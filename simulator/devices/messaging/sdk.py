"""The messaging side of a phone's mobile SDK: fetching propositions, lifecycle and sessions, triggers, tracking.

`PhoneMessaging` (one per phone, `phone.messaging`) holds the device's side — its clock, locale and location — and
one `AppMessaging` per installed app, which holds the app's in-app rules, card inbox and code-based experiences.

- Fetch: at every launch for the app surface (`mobileapp://<bundle id>`, in-app messages) and every surface the app
  has shown before; on demand when a screen with a surface appears (`view_cards`, `view_experience`). Only through
  `phone.services.send_edge`, so a phone behaves the same in-process and over the network. An offline phone keeps
  what it has and queues its tracking events until it next reaches the Edge endpoint; an Edge error is kept in
  `errors` (the SDK logs it and carries on) and the app keeps what it had.
- Clock: the phone's time is the sandbox's, learnt from every Edge answer (`mjlab:clock`) and set by whoever drives
  the phone (`PhoneMessaging.tick`, which the harness calls before it looks at a screen).
- Session: starts at a launch when the app was killed, was already on screen (opening an open app is taken as
  closing and reopening it), or had been in the background longer than the SDK's session timeout (300 s, the
  lifecycle default) or for an unknown time. A launch that starts a session is a launch event (and an install
  event the first time, an update event after the app's version changed); resuming within the timeout is not.
- Close: the app leaves the foreground (to the background, or force-quit). Close-triggered messages wait for the
  next time the app is on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simulator.devices.messaging.cards import CardInbox, CardView
from simulator.devices.messaging.inapp import InAppMessages, Shown
from simulator.devices.messaging.propositions import (
    Experience,
    InAppRule,
    PropositionRef,
    read_payload,
    tracking_event,
)
from simulator.devices.phone import OS, AppState, InstalledApp, PhoneError

if TYPE_CHECKING:
    from simulator.devices.phone import Phone

SESSION_TIMEOUT = 300.0
SURFACE_SCHEME = "mobileapp://"
LIFECYCLE_STATE = "~state.com.adobe.module.lifecycle/lifecyclecontextdata."
LIFECYCLE = {"~type": "com.adobe.eventType.lifecycle", "~source": "com.adobe.eventSource.responseContent"}
PAUSE = {"~type": "com.adobe.eventType.genericLifecycle", "~source": "com.adobe.eventSource.requestContent",
         "action": "pause"}  # fmt: skip
TRACK = {"~type": "com.adobe.eventType.generic.track", "~source": "com.adobe.eventSource.requestContent"}
PLACES = {"~type": "com.adobe.eventType.places", "~source": "com.adobe.eventSource.responseContent"}
OS_NAMES = {OS.IOS: "iOS", OS.ANDROID: "Android"}
#: A card's or experience's tap, tracked as an interaction.
CLICKED = {"id": "clicked", "label": "clicked"}


def surface_uri(app_id: str, surface: str) -> str:
    """A full surface URI from `home#hero` (relative to the app) or a full `mobileapp://` URI."""
    if surface.startswith(SURFACE_SCHEME):
        return surface
    return f"{SURFACE_SCHEME}{app_id}/{surface.lstrip('/')}" if surface else SURFACE_SCHEME + app_id


class AppMessaging:
    """One installed app's messaging SDK state."""

    def __init__(self, device: PhoneMessaging, installed: InstalledApp) -> None:
        self.device = device
        self.installed = installed
        self._inapp: InAppMessages | None = None
        self._inbox: CardInbox | None = None
        self.experiences: dict[str, Experience] = {}
        self.surfaces: list[str] = []
        """The surfaces (besides the app surface) the app has shown: fetched again at each launch."""
        self.version = "1.0"
        self.launched_version: str | None = None
        self.launches = 0
        self.session = 0
        self.backgrounded_at: float | None = None
        self.outbox: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._displayed_experiences: dict[str, int] = {}

    @property
    def inapp(self) -> InAppMessages:
        """The app's in-app messages (created when first needed: most phones of a fleet never get one)."""
        if self._inapp is None:
            self._inapp = InAppMessages()
        return self._inapp

    @property
    def inbox(self) -> CardInbox:
        """The app's content-card inbox (created when first needed)."""
        if self._inbox is None:
            self._inbox = CardInbox()
        return self._inbox

    @property
    def app_id(self) -> str:
        """The app's bundle id."""
        return self.installed.app_id

    @property
    def app_surface(self) -> str:
        """`mobileapp://<bundle id>`, where in-app messages live."""
        return SURFACE_SCHEME + self.app_id

    @property
    def now(self) -> float:
        """The phone's clock."""
        return self.device.now

    # -- talking to the Edge endpoint ---------------------------------------------------------------------------

    def identity_map(self) -> dict[str, list[dict[str, Any]]]:
        """The app's identities, as its SDK sends them."""
        identity_map: dict[str, list[dict[str, Any]]] = {"ECID": [{"id": self.installed.ecid, "primary": True}]}
        for namespace, value in self.installed.identities.items():
            identity_map.setdefault(namespace, []).append({"id": value})
        return identity_map

    async def edge(self, events: list[dict[str, Any]], *, queue: bool = True) -> dict[str, Any] | None:
        """Send events (after what was queued offline); None when offline (they wait, if `queue`) or refused."""
        phone = self.device.phone
        if not phone.online:
            if queue:
                self.outbox.extend(events)
            return None
        batch, self.outbox = [*self.outbox, *events], []
        try:
            answer = await phone.services.send_edge(phone, batch)
        except Exception as error:
            self.errors.append(str(error))
            return None
        for handle in answer.get("handle") or []:
            if handle.get("type") == "mjlab:clock":
                for entry in handle.get("payload") or []:
                    self.device.tick(float(entry.get("timestamp", 0)))
        return answer

    async def track(self, kind: str, refs: list[PropositionRef], action: dict[str, str] | None = None) -> None:
        """Send one proposition tracking event."""
        await self.edge([tracking_event(self.identity_map(), kind, refs, action)])

    async def fetch(self, surfaces: list[str]) -> bool:
        """Fetch propositions for `surfaces` and replace what the app held for them; False when it could not."""
        event = {
            "xdm": {"eventType": "personalization.request", "identityMap": self.identity_map()},
            "query": {"personalization": {"surfaces": surfaces}},
        }
        answer = await self.edge([event], queue=False)
        if answer is None:
            return False
        payload = [
            proposition
            for handle in answer.get("handle") or []
            if handle.get("type") == "personalization:decisions"
            for proposition in handle.get("payload") or []
        ]
        for surface, decisions in read_payload(payload, surfaces).items():
            if surface not in surfaces:
                continue
            if decisions.rules or self._inapp is not None:
                self.inapp.replace(surface, decisions.rules)
            if decisions.cards or self._inbox is not None:
                self.inbox.replace(surface, decisions.cards)
            if decisions.experiences:
                self.experiences[surface] = decisions.experiences[0]
            else:
                self.experiences.pop(surface, None)
            if surface != self.app_surface and surface not in self.surfaces:
                self.surfaces.append(surface)
        return True

    # -- rules --------------------------------------------------------------------------------------------------

    def event_data(self, event: dict[str, Any]) -> dict[str, Any]:
        """An event as the rules engine sees it: its data, the time, and the lifecycle shared state (traits)."""
        return {
            LIFECYCLE_STATE + "locale": self.device.locale,
            LIFECYCLE_STATE + "operatingsystem": OS_NAMES[self.device.phone.os],
            LIFECYCLE_STATE + "launches": self.launches,
            LIFECYCLE_STATE + "appid": f"{self.app_id} {self.version}",
            "~timestampu": int(self.now),
            **event,
        }

    async def present(
        self,
        triggered: Sequence[InAppRule],
        waiting: Sequence[InAppRule] = (),
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Track what an event triggered, then display the best ranked message and suppress the rest (Conflict);
        when the app is not on screen, the triggered messages wait."""
        events = list(extra)
        identity_map = self.identity_map()
        if triggered:
            events.append(tracking_event(identity_map, "trigger", [r.ref for r in triggered]))
        candidates = {r.ref.activity_id: r for r in [*waiting, *triggered]}
        if candidates and self.installed.state is not AppState.FOREGROUND:
            self.inapp.pending.extend(candidates.values())
        elif candidates:
            display, suppressed = self.inapp.choose(list(candidates.values()))
            if display is not None:
                self.inapp.show(display)
                events.append(tracking_event(identity_map, "display", [display.ref]))
            if suppressed:
                self.inapp.suppress(suppressed, "Conflict")
                events.append(tracking_event(identity_map, "suppressDisplay", [r.ref for r in suppressed],
                                             {"reason": "Conflict"}))  # fmt: skip
        if events:
            await self.edge(events)

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def launched(self, was: AppState) -> None:
        """The app came to the foreground (`Phone.launch`): fetch, then a launch event if a session starts."""
        await self.fetch([self.app_surface, *self.surfaces])
        away = None if self.backgrounded_at is None else self.now - self.backgrounded_at
        new_session = was is not AppState.BACKGROUND or away is None or away > SESSION_TIMEOUT
        self.backgrounded_at = None
        triggered: list[InAppRule] = []
        if new_session:
            self.session += 1
            self.launches += 1
            if self._inapp is not None:
                self._inapp.new_session()
            flags = {"lifecyclecontextdata.launchevent": "LaunchEvent"}
            if self.launches == 1:
                flags["lifecyclecontextdata.installevent"] = "InstallEvent"
            elif self.launched_version != self.version:
                flags["lifecyclecontextdata.upgradeevent"] = "UpgradeEvent"
            self.launched_version = self.version
            if self._inapp is not None:
                triggered = self.inapp.matching(self.event_data({**LIFECYCLE, **flags}))
        if triggered or self._inapp is not None:
            await self.present(triggered, self.inapp.take_pending())

    async def close(self, *, force: bool = False) -> None:
        """The app leaves the foreground (to the background, or force-quit): the close trigger fires."""
        if force:
            self.device.phone.kill(self.app_id)
            self.inapp.on_screen = None
            self.backgrounded_at = None
        else:
            self.device.phone.background(self.app_id)
            self.backgrounded_at = self.now
        await self.present(self.inapp.matching(self.event_data(PAUSE)))

    def update(self, version: str) -> None:
        """A new version of the app is installed (it is closed; its next launch is an update)."""
        self.version = version
        self.device.phone.kill(self.app_id)
        self.inapp.on_screen = None

    def _require_foreground(self, doing: str) -> None:
        if self.installed.state is not AppState.FOREGROUND:
            raise PhoneError(f"the {self.app_id} app is {self.installed.state.value}: it cannot {doing}")

    async def track_action(self, name: str, data: dict[str, Any] | None = None) -> None:
        """The app tracks an action (`MobileCore.trackAction`): sent to the Edge endpoint, and a rule trigger."""
        self._require_foreground(f"track the action {name!r}")
        analytics = {"linkName": name, "linkType": "other", "contextData": dict(data or {})}
        sent = {"xdm": {"eventType": "analytics.track", "identityMap": self.identity_map()},
                "data": {"__adobe": {"analytics": analytics}}}  # fmt: skip
        context = {f"contextdata.{k}": v for k, v in (data or {}).items()}
        await self.present(self.inapp.matching(self.event_data({**TRACK, "action": name, **context})), extra=[sent])

    async def track_state(self, name: str) -> None:
        """The app tracks a state (`MobileCore.trackState`, a screen): sent, and a rule trigger."""
        self._require_foreground(f"track the state {name!r}")
        sent = {"xdm": {"eventType": "analytics.track", "identityMap": self.identity_map()},
                "data": {"__adobe": {"analytics": {"pageName": name}}}}  # fmt: skip
        await self.present(self.inapp.matching(self.event_data({**TRACK, "state": name})), extra=[sent])

    async def send_event(self, event_type: str, data: dict[str, Any] | None = None) -> None:
        """The app sends an experience event of its own (`Edge.sendEvent`)."""
        await self.edge(
            [{"xdm": {"eventType": event_type, "identityMap": self.identity_map()}, "data": dict(data or {})}]
        )

    async def region(self, name: str, kind: str) -> None:
        """A point of interest was entered (`entry`) or left (`exit`)."""
        if self.installed.state is AppState.FOREGROUND:
            event = {**PLACES, "regioneventtype": kind, "triggeringregion.regionname": name}
            await self.present(self.inapp.matching(self.event_data(event)))

    # -- the in-app message on screen ---------------------------------------------------------------------------

    @property
    def on_screen(self) -> Shown | None:
        """The in-app message on screen (only while the app is in the foreground)."""
        return self.inapp.on_screen if self.installed.state is AppState.FOREGROUND else None

    def _showing(self) -> Shown:
        shown = self.on_screen
        if shown is None:
            raise PhoneError(f"no in-app message is on screen in {self.app_id}")
        return shown

    async def tap(self, label: str) -> None:
        """Tap a button of the message on screen: track the interaction, dismiss, and open its link."""
        shown = self._showing()
        button = shown.screen.button(label)
        if button is None:
            labels = ", ".join(repr(b.label) for b in shown.screen.buttons) or "none"
            raise PhoneError(f"the in-app message {shown.screen.title or shown.screen.body!r} has no button {label!r} "
                             f"(buttons: {labels})")  # fmt: skip
        self.inapp.on_screen = None
        interaction = button.interaction or button.label
        events = [
            tracking_event(
                self.identity_map(), "interact", [shown.rule.ref], {"id": interaction, "label": button.label}
            ),
            tracking_event(self.identity_map(), "dismiss", [shown.rule.ref]),
        ]
        if button.link:
            self.inapp.clicked_through.add(shown.rule.ref.activity_id)
            self.open_link(button.link)
        await self.edge(events)

    async def dismiss(self) -> None:
        """Close the message on screen with its close button."""
        shown = self._showing()
        self.inapp.on_screen = None
        await self.track("dismiss", [shown.rule.ref])

    def open_link(self, link: str) -> None:
        """Open a URL in the browser, or a deep link in the app."""
        if link.startswith(("http://", "https://")):
            self.device.phone.browser.append(link)
        else:
            self.installed.state = AppState.FOREGROUND
            self.installed.screen = link

    # -- content cards ------------------------------------------------------------------------------------------

    def cards(self, surfaces: list[str]) -> list[CardView]:
        """The cards shown on these surfaces now (what the phone holds; no fetch)."""
        return self.inbox.visible(surfaces, self.event_data({}))

    async def view_cards(self, surfaces: list[str]) -> list[CardView]:
        """Open the screen holding these card surfaces: refresh them, show the cards, track new displays."""
        await self.fetch(surfaces)
        views = self.cards(surfaces)
        fresh = [v.card for v in views if self.inbox.state(v.card).displayed_in != self.session]
        for card in fresh:
            self.inbox.state(card).displayed_in = self.session
        if fresh:
            await self.track("display", [c.ref for c in fresh])
        return views

    def card(self, surfaces: list[str], title: str) -> CardView:
        """The card with this title (PhoneError listing the cards shown when there is none)."""
        views = self.cards(surfaces)
        found = next((v for v in views if v.title == title), None)
        if found is None:
            shown = "; ".join(v.describe() for v in views) or "no card"
            raise PhoneError(f"{self.app_id} shows no content card {title!r}; it shows: {shown}")
        return found

    async def tap_card(self, surfaces: list[str], title: str) -> None:
        """Tap a card: it is read, the interaction is tracked, and its action URL opens."""
        view = self.card(surfaces, title)
        self.inbox.state(view.card).read = True
        if view.action_url:
            self.open_link(view.action_url)
        await self.track("interact", [view.card.ref], dict(CLICKED))

    async def hide_card(self, surfaces: list[str], title: str, how: str = "dismiss") -> None:
        """Dismiss a card (the person) or disqualify it (the app): it is never shown again."""
        view = self.card(surfaces, title)
        self.inbox.state(view.card).hidden = "dismissed" if how == "dismiss" else "disqualified"
        await self.track(how, [view.card.ref])

    # -- code-based experiences ---------------------------------------------------------------------------------

    def code_based(self, surface: str) -> Any:
        """The content of the experience the app holds for a surface (JSON value or HTML string), or None."""
        experience = self.experiences.get(surface_uri(self.app_id, surface))
        return None if experience is None else experience.content

    async def view_experience(self, surface: str) -> Experience | None:
        """Show the screen holding a code-based surface: refresh it, and track the display (once a session)."""
        uri = surface_uri(self.app_id, surface)
        await self.fetch([uri])
        experience = self.experiences.get(uri)
        if experience is not None and self._displayed_experiences.get(experience.ref.id) != self.session:
            self._displayed_experiences[experience.ref.id] = self.session
            await self.track("display", [experience.ref])
        return experience

    async def tap_experience(self, surface: str) -> None:
        """Tap the experience on a surface: tracked as an interaction."""
        experience = self.experiences.get(surface_uri(self.app_id, surface))
        if experience is None:
            raise PhoneError(f"{self.app_id} shows no experience on {surface!r}")
        await self.track("interact", [experience.ref], dict(CLICKED))


class PhoneMessaging:
    """The device side of the messaging SDKs: clock, locale, location, and each installed app's state."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.now = 0.0
        self.locale = "en-US"
        self._apps: dict[str, AppMessaging] = {}

    def tick(self, timestamp: float) -> None:
        """The phone's clock reads `timestamp` (it never goes back)."""
        self.now = max(self.now, timestamp)

    def app(self, app_id: str) -> AppMessaging:
        """The messaging state of an installed app (fresh after a reinstall); PhoneError when it is not installed."""
        installed = self.phone.app(app_id)
        state = self._apps.get(app_id)
        if state is None or state.installed is not installed:
            state = self._apps[app_id] = AppMessaging(self, installed)
        return state

    async def on_launch(self, app_id: str, was: AppState) -> None:
        """`Phone.launch` calls this once the app is in the foreground."""
        await self.app(app_id).launched(was)

    async def track_action(self, app_id: str, name: str, data: dict[str, Any] | None = None) -> None:
        """The app tracks an action."""
        await self.app(app_id).track_action(name, data)

    async def track_state(self, app_id: str, name: str) -> None:
        """The app tracks a state."""
        await self.app(app_id).track_state(name)

    async def enter_poi(self, name: str) -> None:
        """The phone enters a point of interest: apps on screen evaluate their location rules."""
        for app_id in list(self.phone.apps):
            await self.app(app_id).region(name, "entry")

    async def exit_poi(self, name: str) -> None:
        """The phone leaves a point of interest."""
        for app_id in list(self.phone.apps):
            await self.app(app_id).region(name, "exit")
