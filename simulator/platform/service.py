"""The platform's operations, one method per API call: the routes in `api.py` call these, and in-process parts
(the phones' SDK, the harness) may call them directly with the same validated models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.platform.apps import App
from simulator.platform.channels import ChannelSender, Dispatch, is_templated
from simulator.platform.errors import Conflict, InvalidRequest, MessageInvalid, NotFound
from simulator.platform.models import (
    AppCreate,
    CampaignCreate,
    Category,
    Channel,
    EdgeRequest,
    ProfileCreate,
    ProfilePatch,
    Recipient,
    TriggerRequest,
)
from simulator.platform.profiles import Profile, PushDetail
from simulator.platform.rules import Decision, SendTimeRules
from simulator.platform.state import MessageRecord, SandboxState
from simulator.sandboxes import Sandbox, Sandboxes, SandboxNotFound

EventListener = Callable[[SandboxState, Profile, dict[str, Any]], None]
#: Called after a profile was created or changed (attributes, consents): audience qualification re-evaluates it.
ProfileListener = Callable[[SandboxState, Profile], None]
#: Answers part of an Edge request (e.g. personalization requests): gets the state, the profile and the event, and
#: returns Edge `handle` entries to add to the response (`[{"type": "personalization:decisions", "payload": [...]}]`).
EdgeHandler = Callable[[SandboxState, Profile, dict[str, Any]], list[dict[str, Any]]]


@dataclass(slots=True)
class Campaign:
    """An API-triggered campaign."""

    id: str
    name: str
    channel: Channel
    category: Category
    app_id: str | None
    message: Any
    created_at: float
    audience: str | None = None
    schedule: Any = None
    runs: int = 0

    def to_json(self) -> dict[str, Any]:
        """As the API serves it."""
        return {
            "id": self.id,
            "name": self.name,
            "channel": self.channel.value,
            "category": self.category.value,
            **({"appId": self.app_id} if self.app_id else {}),
            "message": self.message.model_dump(by_alias=True, exclude_none=True),
            "createdAt": self.created_at,
            **({"audience": self.audience} if self.audience else {}),
            **({"schedule": self.schedule.model_dump(mode="json", exclude_none=True)} if self.schedule else {}),
            "runs": self.runs,
        }


class Platform:
    """The orchestration platform: every sandbox's state, and the channels that send."""

    def __init__(self, sandboxes: Sandboxes, channels: dict[Channel, ChannelSender]) -> None:
        self.sandboxes = sandboxes
        self.channels = channels
        self._states: dict[str, SandboxState] = {}
        self.rules = SendTimeRules()
        self.event_listeners: list[EventListener] = []
        self.profile_listeners: list[ProfileListener] = []
        self.edge_handlers: list[EdgeHandler] = []
        sandboxes.on_close(self._forget)

    def _forget(self, sandbox: Sandbox) -> None:
        self._states.pop(sandbox.name, None)
        self.rules.forget(sandbox.name)

    def state(self, sandbox: str) -> SandboxState:
        """The state of sandbox `sandbox`; NotFound if there is no such sandbox."""
        state = self._states.get(sandbox)
        if state is None:
            try:
                found: Sandbox = self.sandboxes.get(sandbox)
            except SandboxNotFound:
                raise NotFound(f"no sandbox {sandbox!r}", field="x-sandbox-name") from None
            state = self._states[sandbox] = SandboxState(found)
        return state

    # -- profiles -----------------------------------------------------------------------------------------------

    def create_profile(self, sandbox: str, body: ProfileCreate) -> Profile:
        """Create a profile; Conflict when one of its identities belongs to another profile."""
        state = self.state(sandbox)
        for namespace, value in body.identities.items():
            if state.profiles.find(namespace, value) is not None:
                raise Conflict(
                    f"identity {namespace}:{value} belongs to another profile", field=f"identities.{namespace}"
                )
        profile = Profile(
            id=state.sandbox.ids.uuid(),
            identities={ns: [value] for ns, value in body.identities.items()},
            attributes=dict(body.attributes),
            consents={channel.value: entry.val for channel, entry in body.consents.marketing.items()},
        )
        state.profiles.add(profile)
        self.profile_changed(state, profile)
        return profile

    def profile(self, sandbox: str, profile_id: str) -> Profile:
        """A profile by id."""
        profile = self.state(sandbox).profiles.get(profile_id)
        if profile is None:
            raise NotFound(f"no profile {profile_id!r}", field="profileId")
        return profile

    def find_profile(self, sandbox: str, namespace: str, value: str) -> Profile:
        """The profile holding an identity."""
        profile = self.state(sandbox).profiles.find(namespace, value)
        if profile is None:
            raise NotFound(f"no profile with identity {namespace}:{value}", field="identity")
        return profile

    def patch_profile(self, sandbox: str, profile_id: str, body: ProfilePatch) -> Profile:
        """Merge attributes and set consents; takes effect for the very next send."""
        profile = self.profile(sandbox, profile_id)
        profile.attributes.update(body.attributes)
        if body.consents is not None:
            for channel, entry in body.consents.marketing.items():
                profile.consents[channel.value] = entry.val
        self.profile_changed(self.state(sandbox), profile)
        return profile

    def profile_changed(self, state: SandboxState, profile: Profile) -> None:
        """Tell the profile listeners that `profile` was created or changed (whoever changed it calls this)."""
        for listener in self.profile_listeners:
            listener(state, profile)

    def messages(self, sandbox: str, profile_id: str) -> list[MessageRecord]:
        """A profile's message log: every send, exclusion, bounce and interaction."""
        self.profile(sandbox, profile_id)
        return list(self.state(sandbox).log.get(profile_id, []))

    # -- apps ---------------------------------------------------------------------------------------------------

    def create_app(self, sandbox: str, body: AppCreate) -> App:
        """Register an app and its push credentials (replacing an earlier configuration of the same app)."""
        app = App.from_request(body)
        self.state(sandbox).apps[app.app_id] = app
        return app

    def app(self, sandbox: str, app_id: str) -> App:
        """An app by id."""
        app = self.state(sandbox).apps.get(app_id)
        if app is None:
            raise NotFound(f"no app {app_id!r}", field="appId")
        return app

    # -- campaigns ----------------------------------------------------------------------------------------------

    def create_campaign(self, sandbox: str, body: CampaignCreate) -> Campaign:
        """Create an API-triggered campaign; its message is validated by its channel (422 naming the field)."""
        state = self.state(sandbox)
        sender = self.channels.get(body.channel)
        if sender is None:
            raise NotFound(f"channel {body.channel.value!r} is not available", field="channel")
        if body.channel is Channel.PUSH:
            if body.app_id is None:
                raise InvalidRequest("a push campaign names its app", field="appId")
            self.app(sandbox, body.app_id)
        try:
            message = sender.message_model.model_validate(body.message)
        except ValidationError as error:
            raise MessageInvalid(error) from None
        campaign = Campaign(
            id=state.sandbox.ids.uuid(),
            name=body.name,
            channel=body.channel,
            category=body.category,
            app_id=body.app_id,
            message=message,
            created_at=state.clock.timestamp(),
            audience=body.audience,
            schedule=body.schedule,
        )
        state.campaigns[campaign.id] = campaign
        state.report(campaign.id)
        if campaign.schedule is not None:
            self._schedule(state, campaign)
        return campaign

    def _schedule(self, state: SandboxState, campaign: Campaign) -> None:
        schedule = campaign.schedule
        first = schedule.at.timestamp() if schedule.at else state.clock.timestamp()
        period = {"daily": 86_400.0, "weekly": 604_800.0}.get(schedule.every or "")
        until = schedule.until.timestamp() if schedule.until else None

        async def run(at: float) -> None:
            if until is not None and at > until:
                return
            await self._send_all(state, campaign, [(p, {}) for p in self._audience(state, campaign.audience)])
            campaign.runs += 1
            if period:
                state.clock.call_at(at + period, lambda: run(at + period))

        state.clock.call_at(first, lambda: run(first))

    @staticmethod
    def _audience(state: SandboxState, name: str | None) -> list[Profile]:
        audience = state.audiences.get(name or "")
        return [] if audience is None else list(audience.profiles(state))

    def campaign(self, sandbox: str, campaign_id: str) -> Campaign:
        """A campaign by id."""
        campaign = self.state(sandbox).campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id!r}", field="campaignId")
        return campaign  # type: ignore[no-any-return]

    def trigger(self, sandbox: str, campaign_id: str, body: TriggerRequest) -> dict[str, Any]:
        """Send a campaign to its recipients; the sending runs on the sandbox's clock (settle to see it done)."""
        state = self.state(sandbox)
        campaign = self.campaign(sandbox, campaign_id)
        profiles: list[tuple[Profile, dict[str, Any]]] = []
        unknown: list[dict[str, Any]] = []
        if body.audience is not None:
            if body.audience not in state.audiences:
                raise NotFound(f"no audience {body.audience!r}", field="audience")
            profiles.extend((p, dict(body.context)) for p in self._audience(state, body.audience))
        for recipient in body.recipients:
            profile = self._resolve(state, recipient)
            if profile is None:
                unknown.append(recipient.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True))
            else:
                profiles.append((profile, {**body.context, **recipient.context}))
        request_id = state.sandbox.ids.uuid()
        state.clock.spawn(self._send_all(state, campaign, profiles))
        return {"requestId": request_id, "campaignId": campaign.id, "accepted": len(profiles), "unknown": unknown}

    @staticmethod
    def _resolve(state: SandboxState, recipient: Recipient) -> Profile | None:
        if recipient.profile_id is not None:
            return state.profiles.get(recipient.profile_id)
        assert recipient.namespace is not None and recipient.id is not None
        return state.profiles.find(recipient.namespace, recipient.id)

    async def _send_all(
        self, state: SandboxState, campaign: Campaign, profiles: list[tuple[Profile, dict[str, Any]]]
    ) -> None:
        templated = is_templated(campaign.message)
        for profile, context in profiles:
            await self.dispatch(
                Dispatch(
                    state,
                    profile,
                    campaign.id,
                    campaign.category,
                    campaign.app_id,
                    campaign.message,
                    context,
                    templated,
                ),
                campaign.channel,
            )

    async def dispatch(self, dispatch: Dispatch, channel: Channel, *, queued_since: float | None = None) -> Decision:
        """The one way a message goes out: the send-time rules (consent, quiet hours, capping), then its channel.

        Returns the rules' decision: `send`, `exclude` (counted and logged), `queue` (sent again when the quiet
        period ends) or `discard` (counted and logged; a journey lets the profile go)."""
        state = dispatch.state
        state.categories[dispatch.source] = dispatch.category
        decision = self.rules.decide(dispatch, channel, queued_since=queued_since)
        if decision.kind in ("exclude", "discard"):
            assert decision.reason is not None
            state.report(dispatch.source).targeted += 1
            state.exclude(dispatch.profile.id, dispatch.source, channel.value, decision.reason, decision.detail)
            return decision
        if decision.kind == "queue":
            assert decision.until is not None
            since = queued_since if queued_since is not None else state.clock.timestamp()
            record = MessageRecord(state.clock.timestamp(), dispatch.source, channel.value, "queued")
            record.detail = decision.detail
            state.remember(dispatch.profile.id, record)

            async def again() -> None:
                await self.dispatch(dispatch, channel, queued_since=since)

            state.clock.call_at(decision.until, again)
            return decision
        await self.channels[channel].send(dispatch)
        return decision

    def report(self, sandbox: str, campaign_id: str) -> dict[str, Any]:
        """A campaign's counters."""
        campaign = self.campaign(sandbox, campaign_id)
        return {"campaignId": campaign.id, "name": campaign.name, **self.state(sandbox).report(campaign.id).to_json()}

    # -- events ---------------------------------------------------------------------------------------------------

    def record_event(self, state: SandboxState, profile: Profile, event: dict[str, Any]) -> None:
        """An event about a profile (an SDK event, an inbound SMS or WhatsApp reply, an email click...): journeys and
        other listeners see it. `event` is `{"xdm": {"eventType": ..., ...}, "data": {...}}`."""
        state.events.append((state.clock.timestamp(), profile.id, _kept(event)))
        for listener in self.event_listeners:
            listener(state, profile, event)

    # -- the mobile SDK's Edge endpoint ---------------------------------------------------------------------------

    def edge(self, sandbox: str, body: EdgeRequest) -> dict[str, Any]:
        """Take SDK events: identities, push identifiers, push tracking (each event id accepted once)."""
        state = self.state(sandbox)
        handles = []
        for event in body.events:
            xdm = event.xdm
            event_id = xdm.get("_id")
            if isinstance(event_id, str):
                if event_id in state.seen_events:
                    handles.append({"type": "duplicate", "eventId": event_id})
                    continue
                state.seen_events.add(event_id)
            profile = self._stitch(state, xdm.get("identityMap") or {})
            if profile is None:
                handles.append({"type": "ignored", "reason": "no identity"})
                continue
            self._apply(state, profile, xdm, event.data)
            full = {"xdm": xdm, "data": event.data, **(event.model_extra or {})}
            self.record_event(state, profile, full)
            handles.append({"type": "accepted", "profileId": profile.id})
            for handler in self.edge_handlers:
                handles.extend(handler(state, profile, full))
        return {"requestId": state.sandbox.ids.uuid(), "handle": handles}

    @staticmethod
    def _stitch(state: SandboxState, identity_map: dict[str, Any]) -> Profile | None:
        pairs = [
            (namespace, str(entry["id"]))
            for namespace, entries in identity_map.items()
            if isinstance(entries, list)
            for entry in entries
            if isinstance(entry, dict) and entry.get("id")
        ]
        if not pairs:
            return None
        # Known non-ECID identities win: a login links this device's ECID to the person's profile.
        ordered = sorted(pairs, key=lambda pair: pair[0] == "ECID")
        profile = next((p for ns, v in ordered if (p := state.profiles.find(ns, v)) is not None), None)
        if profile is None:
            profile = state.profiles.add(Profile(id=state.sandbox.ids.uuid(), identities={}))
        for namespace, value in pairs:
            owner = state.profiles.find(namespace, value)
            if owner is not None and owner is not profile:
                state.profiles.unlink(owner, namespace, value)
                if namespace == "ECID":
                    owner.push = [d for d in owner.push if d.ecid != value]
            state.profiles.link(profile, namespace, value)
        return profile

    def _apply(self, state: SandboxState, profile: Profile, xdm: dict[str, Any], data: dict[str, Any]) -> None:
        for detail in data.get("pushNotificationDetails") or []:
            ecid = (detail.get("identity") or {}).get("id")
            profile.push = [
                d
                for d in profile.push
                if not (d.app_id == detail.get("appID") and (d.ecid == ecid or d.token == detail.get("token")))
            ]
            if detail.get("token"):
                profile.push.append(
                    PushDetail(
                        app_id=str(detail.get("appID")),
                        token=str(detail["token"]),
                        platform=str(detail.get("platform")),
                        denylisted=bool(detail.get("denylisted", False)),
                        ecid=ecid,
                    )
                )
        event_type = xdm.get("eventType", "")
        if event_type == "identity.reset":
            ecids = [str(e.get("id")) for e in (xdm.get("identityMap") or {}).get("ECID", [])]
            profile.push = [d for d in profile.push if d.ecid not in ecids]
        elif event_type in ("pushTracking.applicationOpened", "pushTracking.customAction"):
            self._track_push(state, profile, xdm, event_type)

    @staticmethod
    def _track_push(state: SandboxState, profile: Profile, xdm: dict[str, Any], event_type: str) -> None:
        execution = ((xdm.get("_experience") or {}).get("customerJourneyManagement") or {}).get(
            "messageExecution"
        ) or {}
        source = execution.get("campaignID")
        if not isinstance(source, str) or source not in state.reports:
            return
        counters = state.report(source)
        tracking = xdm.get("pushNotificationTracking") or {}
        if event_type == "pushTracking.applicationOpened":
            counters.opened += 1
            outcome, reason = "opened", None
        else:
            action = str((tracking.get("customAction") or {}).get("actionID", ""))
            counters.clicked += 1
            counters.actions[action] += 1
            outcome, reason = "clicked", action
        state.remember(
            profile.id,
            MessageRecord(
                state.clock.timestamp(),
                source,
                "push",
                outcome,
                reason,
                message_id=tracking.get("pushProviderMessageID"),
            ),
        )


def _kept(event: dict[str, Any]) -> dict[str, Any]:
    """What the sandbox keeps of an event for rules that look back: without the identity map and push details the
    SDK sends with every launch (they are on the profile already, and would cost a kilobyte per phone)."""
    xdm, data = event.get("xdm") or {}, event.get("data") or {}
    if "identityMap" not in xdm and "pushNotificationDetails" not in data:
        return event
    return {
        **event,
        "xdm": {k: v for k, v in xdm.items() if k != "identityMap"},
        "data": {k: v for k, v in data.items() if k != "pushNotificationDetails"},
    }
