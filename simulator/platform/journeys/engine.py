"""The journey engine: entries, steps, waits, reactions, exits — every timer on the sandbox's clock.

Rules (PROTOCOLS.md): a profile is in a given journey at most once at a time; re-entrance is allowed by default only
after the previous run ended and its wait period (default 5 minutes) passed; with re-entrance off there is no second
entry within the global timeout (91 days); a wait that cannot end before the global timeout is not entered (the
profile leaves); a wait for an event without a timeout listens forever; a reaction reacts to the previous message
being opened or clicked; exit criteria remove a profile wherever it is; stopping a journey exits its instances;
new entries go to the newest version while running instances finish on theirs.

Each step type has one handler (`_HANDLERS`); a handler returns the next step, `None` (the path ends) or `PARKED`
(the instance waits for a timer or an event).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from simulator.platform.channels import Dispatch, is_templated
from simulator.platform.errors import Conflict, InvalidRequest, NotFound
from simulator.platform.journeys.definition import (
    GLOBAL_TIMEOUT,
    ActionStep,
    ConditionStep,
    EndStep,
    EventEntry,
    JourneyDefinition,
    ReactionStep,
    SplitStep,
    UpdateProfileStep,
    WaitForEventStep,
    WaitStep,
)
from simulator.platform.journeys.instances import Instance, JourneyBook, JourneyRecord, Waiting
from simulator.platform.personalization import RenderingError, evaluate, render
from simulator.platform.profiles import Profile
from simulator.platform.state import SandboxState

if TYPE_CHECKING:
    from simulator.platform.service import Platform

PARKED = "<parked>"
#: Events that count as the previous message being opened / clicked, by reaction kind.
REACTION_EVENTS = {
    "opened": {"pushTracking.applicationOpened", "message.opened", "decisioning.propositionDisplay"},
    "clicked": {"pushTracking.customAction", "message.clicked", "decisioning.propositionInteract"},
}

StepResult = str | None
InstanceHook = Callable[[SandboxState, Instance], None]


def event_type(event: dict[str, Any]) -> str:
    """The event's type (`xdm.eventType`)."""
    return str((event.get("xdm") or {}).get("eventType", ""))


def event_fields(event: dict[str, Any]) -> dict[str, Any]:
    """What expressions see as `event`: the xdm and data fields together, and `type`."""
    return {**(event.get("data") or {}), **(event.get("xdm") or {}), "type": event_type(event)}


def event_source(event: dict[str, Any]) -> str | None:
    """The campaign or journey step a tracking event is about."""
    from simulator.platform.propositions.tracking import proposition_source

    xdm = event.get("xdm") or {}
    execution = ((xdm.get("_experience") or {}).get("customerJourneyManagement") or {}).get("messageExecution") or {}
    source = xdm.get("source") or execution.get("campaignID") or proposition_source(event)
    return str(source) if source else None


def profile_variables(profile: Profile) -> dict[str, Any]:
    """What expressions see as `profile`."""
    return {**profile.attributes, "identities": profile.identities, "id": profile.id, "consents": profile.consents}


class JourneyEngine:
    """Runs every sandbox's journeys."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._books: dict[str, JourneyBook] = {}
        self._models: dict[tuple[int, str], BaseModel] = {}
        self.on_exit: list[InstanceHook] = []
        platform.event_listeners.append(self.on_event)
        platform.sandboxes.on_close(lambda sandbox: self._forget(sandbox.name))
        self._handlers: dict[type, Callable[[SandboxState, Instance, Any, str], Awaitable[StepResult]]] = {
            ActionStep: self._action,
            WaitStep: self._wait,
            ConditionStep: self._condition,
            SplitStep: self._split,
            WaitForEventStep: self._wait_for_event,
            ReactionStep: self._reaction,
            UpdateProfileStep: self._update_profile,
            EndStep: self._end,
        }

    def _forget(self, sandbox: str) -> None:
        book = self._books.pop(sandbox, None)
        if book is not None:
            for instance in book.active.values():
                instance.cancel_timers()

    def book(self, state: SandboxState) -> JourneyBook:
        """The sandbox's journeys and instances."""
        book = self._books.get(state.sandbox.name)
        if book is None:
            book = self._books[state.sandbox.name] = JourneyBook()
        return book

    # -- publishing ---------------------------------------------------------------------------------------------

    def publish(self, state: SandboxState, definition: JourneyDefinition) -> JourneyRecord:
        """Publish a journey, or a new version of it (running instances stay on theirs)."""
        for name, step in definition.steps.items():
            if isinstance(step, ActionStep):
                self._message_model(definition, name, step)
        record = self.book(state).journeys.get(definition.id)
        if record is None:
            record = self.book(state).journeys[definition.id] = JourneyRecord(definition.id)
        record.versions.append(definition)
        record.status = "live"
        if definition.entry.type == "read_audience":
            self._schedule_read(state, record)
        return record

    def journey(self, state: SandboxState, journey_id: str) -> JourneyRecord:
        """A journey by id."""
        record = self.book(state).journeys.get(journey_id)
        if record is None:
            raise NotFound(f"no journey {journey_id!r}", field="journeyId")
        return record

    async def stop(self, state: SandboxState, journey_id: str) -> int:
        """Stop a journey: no new entries, every instance exits. Returns how many exited."""
        record = self.journey(state, journey_id)
        record.status = "stopped"
        running = [i for i in self.book(state).active.values() if i.journey_id == journey_id]
        for instance in running:
            self._finish(state, instance, "exited", "journey stopped")
        return len(running)

    def _message_model(self, definition: JourneyDefinition, name: str, step: ActionStep) -> BaseModel:
        key = (id(definition), name)
        model = self._models.get(key)
        if model is None:
            sender = self.platform.channels.get(step.channel)
            if sender is None:
                raise InvalidRequest(f"channel {step.channel.value!r} is not available", field=f"steps.{name}.channel")
            message = step.message if step.message is not None else self._load_ref(step, name)
            try:
                model = sender.message_model.model_validate(message)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise InvalidRequest(f"{first['msg']}", field=f"steps.{name}.message.{where}") from None
            self._models[key] = model
        return model

    @staticmethod
    def _load_ref(step: ActionStep, name: str) -> dict[str, Any]:
        from simulator.platform.journeys.messages import load_message

        assert step.message_ref is not None
        try:
            return load_message(step.message_ref)
        except (OSError, ValueError) as error:
            raise InvalidRequest(str(error), field=f"steps.{name}.message_ref") from None

    # -- entering ---------------------------------------------------------------------------------------------------

    def on_event(self, state: SandboxState, profile: Profile, event: dict[str, Any]) -> None:
        """Every platform event: exits, what instances wait for, then unitary-event entries."""
        book = self.book(state)
        kind = event_type(event)
        for instance in book.of_profile(profile.id):
            if self._exits_on(state, instance, profile, event, kind):
                continue
            waiting = instance.waiting
            if waiting is None:
                continue
            if waiting.kind == "event" and waiting.event == kind and self._holds(waiting.when, profile, event):
                step = instance.definition.steps[waiting.step]
                assert isinstance(step, WaitForEventStep)
                self._resume(state, instance, step.next, f"event {kind} came")
            elif self._reacts(waiting, event, kind):
                step = instance.definition.steps[waiting.step]
                assert isinstance(step, ReactionStep)
                self._resume(state, instance, step.next, f"message {waiting.reaction}")
        for record in list(book.journeys.values()):
            entry = record.latest.entry
            live = record.status == "live" and isinstance(entry, EventEntry) and entry.event == kind
            if live and self._holds(getattr(entry, "when", None), profile, event):
                self.enter(state, record, profile, event)

    @staticmethod
    def _reacts(waiting: Waiting, event: dict[str, Any], kind: str) -> bool:
        if waiting.kind != "reaction" or kind not in REACTION_EVENTS.get(waiting.reaction or "", ()):
            return False
        return waiting.source is None or event_source(event) == waiting.source

    def _exits_on(
        self, state: SandboxState, instance: Instance, profile: Profile, event: dict[str, Any], kind: str
    ) -> bool:
        for criterion in instance.definition.exit:
            if criterion.event is not None and criterion.event != kind:
                continue
            if self._holds(criterion.when, profile, event):
                self._finish(state, instance, "exited", f"exit criterion: {criterion.event or criterion.when}")
                return True
        return False

    def _holds(self, when: str | None, profile: Profile, event: dict[str, Any]) -> bool:
        if not when:
            return True
        try:
            return bool(evaluate(when, {"profile": profile_variables(profile), "event": event_fields(event)}))
        except RenderingError:
            return False

    def enter(
        self, state: SandboxState, record: JourneyRecord, profile: Profile, event: dict[str, Any]
    ) -> Instance | None:
        """Put a profile into a journey, if the entry rules let it; None when they do not."""
        book = self.book(state)
        key = (record.id, profile.id)
        now = state.clock.timestamp()
        if key in book.active:
            return None
        definition = record.latest
        previous = book.last_run.get(key)
        if previous is not None:
            if not definition.reentrance.allowed and now < previous.entered_at + GLOBAL_TIMEOUT:
                return None
            wait = _seconds(definition.reentrance.wait)
            if previous.ended_at is not None and now < previous.ended_at + wait:
                return None
        instance = Instance(
            id=state.sandbox.ids.uuid(), journey_id=record.id, version=len(record.versions), definition=definition,
            profile_id=profile.id, entered_at=now, event=event,
        )  # fmt: skip
        book.start(instance)
        instance.note(now, "", "entered", event_type(event) or "entry")
        instance.timers.append(state.clock.call_at(now + GLOBAL_TIMEOUT, lambda: self._timeout(state, instance)))
        state.clock.spawn(self._run(state, instance, definition.first_step))
        return instance

    def _timeout(self, state: SandboxState, instance: Instance) -> None:
        if instance.active:
            self._finish(state, instance, "exited", "global timeout (91 days)")

    def read_audience(self, state: SandboxState, record: JourneyRecord, profiles: list[Profile]) -> int:
        """Enter every profile of an audience read; returns how many entered."""
        return sum(1 for p in profiles if self.enter(state, record, p, {"xdm": {"eventType": "audience.read"}}))

    def _schedule_read(self, state: SandboxState, record: JourneyRecord) -> None:
        from simulator.platform.journeys.audiences import read_audience_now

        entry = record.latest.entry
        assert entry.type == "read_audience"
        first = entry.at.timestamp() if entry.at else state.clock.timestamp()
        period = {"daily": 86_400.0, "weekly": 604_800.0}.get(entry.every or "")

        def fire(at: float) -> None:
            if record.status != "live":
                return
            read_audience_now(self, state, record)
            if period:
                state.clock.call_at(at + period, lambda: fire(at + period))

        state.clock.call_at(first, lambda: fire(first))

    # -- running ------------------------------------------------------------------------------------------------

    def _resume(self, state: SandboxState, instance: Instance, next_step: str | None, why: str) -> None:
        waiting = instance.waiting
        instance.cancel_timers()
        instance.timers.append(
            state.clock.call_at(instance.entered_at + GLOBAL_TIMEOUT, lambda: self._timeout(state, instance))
        )
        instance.waiting = None
        instance.note(state.clock.timestamp(), waiting.step if waiting else "", "resumed", why)
        state.clock.spawn(self._run(state, instance, next_step))

    async def _run(self, state: SandboxState, instance: Instance, step_id: str | None) -> None:
        while instance.active:
            if step_id is None:
                self._finish(state, instance, "ended", "end of path")
                return
            instance.step = step_id
            step = instance.definition.steps[step_id]
            instance.note(state.clock.timestamp(), step_id, step.type)
            profile = state.profiles.get(instance.profile_id)
            if profile is None:
                self._finish(state, instance, "exited", "profile deleted")
                return
            result = await self._handlers[type(step)](state, instance, step, step_id)
            if result == PARKED:
                return
            step_id = result

    async def _action(self, state: SandboxState, instance: Instance, step: ActionStep, name: str) -> StepResult:
        profile = state.profiles.get(instance.profile_id)
        assert profile is not None
        message = self._message_model(instance.definition, name, step)
        source = f"journey:{instance.journey_id}:v{instance.version}:{name}"
        before = len(state.log.get(profile.id, []))
        context = {"event": event_fields(instance.event), "journey": {"id": instance.journey_id, "step": name}}
        if step.channel not in self.platform.channels:
            raise InvalidRequest(f"channel {step.channel.value!r} is not available", field=f"steps.{name}.channel")
        decision = await self.platform.dispatch(
            Dispatch(state, profile, source, step.category, step.app, message, context, is_templated(message)),
            step.channel,
        )
        outcomes = [r for r in state.log.get(profile.id, [])[before:] if r.source == source]
        detail = ", ".join(
            f"{r.outcome}{' ' + r.reason if r.reason else ''}{' ' + r.code if r.code else ''}" for r in outcomes
        )
        instance.note(state.clock.timestamp(), name, "message", f"{step.channel.value}: {detail or 'sent'}")
        instance.last_action = source
        if decision.kind == "discard":
            self._finish(state, instance, "exited", f"{name}: {decision.detail}")
            return PARKED
        return step.next

    async def _wait(self, state: SandboxState, instance: Instance, step: WaitStep, name: str) -> StepResult:
        now = state.clock.timestamp()
        if step.seconds is not None:
            due = now + step.seconds
        elif step.until is not None:
            due = step.until.timestamp()
        else:
            assert step.time_of_day is not None
            profile = state.profiles.get(instance.profile_id)
            due = _next_time_of_day(now, step.time_of_day, _zone(profile))
        if due > instance.entered_at + GLOBAL_TIMEOUT:
            self._finish(state, instance, "exited", f"{name}: the wait cannot end before the journey's timeout")
            return PARKED
        if due <= now:
            return step.next
        instance.waiting = Waiting("wait", name, until=due)
        instance.timers.append(state.clock.call_at(due, lambda: self._resume(state, instance, step.next, "wait over")))
        return PARKED

    async def _condition(self, state: SandboxState, instance: Instance, step: ConditionStep, name: str) -> StepResult:
        profile = state.profiles.get(instance.profile_id)
        assert profile is not None
        variables = {"profile": profile_variables(profile), "event": event_fields(instance.event),
                     "steps": {"branches": instance.branches}}  # fmt: skip
        for branch in step.branches:
            try:
                taken = bool(evaluate(branch.when, variables))
            except RenderingError as error:
                instance.note(state.clock.timestamp(), name, "error", str(error))
                taken = False
            if taken:
                instance.branches[name] = branch.name
                instance.note(state.clock.timestamp(), name, "branch", branch.name)
                return branch.next
        instance.branches[name] = "otherwise"
        instance.note(state.clock.timestamp(), name, "branch", "otherwise")
        return step.otherwise

    async def _split(self, state: SandboxState, instance: Instance, step: SplitStep, name: str) -> StepResult:
        digest = hashlib.sha256(f"{state.sandbox.seed}/{instance.journey_id}/{instance.profile_id}/{name}".encode())
        point = int.from_bytes(digest.digest()[:8], "big") / 2**64 * 100
        cumulative = 0.0
        for branch in step.branches:
            cumulative += branch.percent
            if point < cumulative:
                break
        instance.branches[name] = branch.name
        instance.note(state.clock.timestamp(), name, "branch", branch.name)
        return branch.next

    async def _wait_for_event(
        self, state: SandboxState, instance: Instance, step: WaitForEventStep, name: str
    ) -> StepResult:
        instance.waiting = Waiting("event", name, event=step.event, when=step.when)
        if step.timeout is not None:
            due = state.clock.timestamp() + _seconds(step.timeout)
            instance.waiting.until = due
            instance.timers.append(
                state.clock.call_at(due, lambda: self._resume(state, instance, step.timeout_next, "timed out"))
            )
        return PARKED

    async def _reaction(self, state: SandboxState, instance: Instance, step: ReactionStep, name: str) -> StepResult:
        due = state.clock.timestamp() + _seconds(step.timeout)
        instance.waiting = Waiting("reaction", name, until=due, reaction=step.on, source=instance.last_action)
        instance.timers.append(
            state.clock.call_at(due, lambda: self._resume(state, instance, step.timeout_next, "no reaction in time"))
        )
        return PARKED

    async def _update_profile(
        self, state: SandboxState, instance: Instance, step: UpdateProfileStep, name: str
    ) -> StepResult:
        profile = state.profiles.get(instance.profile_id)
        assert profile is not None
        variables = {"profile": profile_variables(profile), "event": event_fields(instance.event)}
        for key, value in step.attributes.items():
            try:
                profile.attributes[key] = render(value, variables) if isinstance(value, str) else value
            except RenderingError as error:
                instance.note(state.clock.timestamp(), name, "error", str(error))
        instance.note(state.clock.timestamp(), name, "updated", ", ".join(sorted(step.attributes)))
        self.platform.profile_changed(state, profile)
        return step.next

    async def _end(self, state: SandboxState, instance: Instance, step: EndStep, name: str) -> StepResult:
        return None

    def _finish(self, state: SandboxState, instance: Instance, status: str, reason: str) -> None:
        if not instance.active:
            return
        instance.cancel_timers()
        instance.status = status
        instance.waiting = None
        instance.ended_at = state.clock.timestamp()
        instance.exit_reason = reason
        instance.note(instance.ended_at, instance.step or "", status, reason)
        self.book(state).stop(instance)
        for hook in self.on_exit:
            hook(state, instance)

    # -- reading ------------------------------------------------------------------------------------------------

    def instances(
        self, state: SandboxState, journey_id: str | None = None, profile_id: str | None = None
    ) -> list[Instance]:
        """Instances, newest last, filtered by journey and/or profile."""
        return [
            i
            for i in self.book(state).instances.values()
            if (journey_id is None or i.journey_id == journey_id) and (profile_id is None or i.profile_id == profile_id)
        ]

    def report(self, state: SandboxState, journey_id: str) -> dict[str, Any]:
        """A journey's figures: entries, exits by reason, and per step who passed and what each action sent."""
        record = self.journey(state, journey_id)
        instances = self.instances(state, journey_id)
        steps: dict[str, dict[str, Any]] = {}
        for version, definition in enumerate(record.versions, start=1):
            for name, step in definition.steps.items():
                entry = steps.setdefault(name, {"type": step.type, "entered": 0})
                if isinstance(step, ActionStep):
                    counters = state.reports.get(f"journey:{journey_id}:v{version}:{name}")
                    if counters is not None:
                        merged = entry.setdefault("messages", {})
                        for key, value in counters.to_json().items():
                            if isinstance(value, int) and not isinstance(value, bool):
                                merged[key] = merged.get(key, 0) + value
        branches: dict[str, dict[str, int]] = {}
        exits: dict[str, int] = {}
        for instance in instances:
            for taken in instance.path:
                if taken.step in steps and taken.kind == steps[taken.step]["type"]:
                    steps[taken.step]["entered"] += 1
                if taken.kind == "branch":
                    decided = branches.setdefault(taken.step, {})
                    decided[taken.detail] = decided.get(taken.detail, 0) + 1
            if instance.status == "exited" and instance.exit_reason:
                exits[instance.exit_reason] = exits.get(instance.exit_reason, 0) + 1
        for name, counts in branches.items():
            steps[name]["branches"] = counts
        return {
            "journeyId": journey_id,
            "status": record.status,
            "versions": len(record.versions),
            "entered": len(instances),
            "active": sum(1 for i in instances if i.active),
            "ended": sum(1 for i in instances if i.status == "ended"),
            "exited": sum(1 for i in instances if i.status == "exited"),
            "exitReasons": exits,
            "steps": steps,
        }


def _seconds(value: Any) -> float:
    from simulator.platform.durations import parse_duration

    return parse_duration(value)


def _zone(profile: Profile | None) -> ZoneInfo:
    name = None if profile is None else profile.attributes.get("timezone") or profile.attributes.get("timeZone")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def _next_time_of_day(now: float, hhmm: str, zone: ZoneInfo) -> float:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    local = datetime.fromtimestamp(now, UTC).astimezone(zone)
    target = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if target.timestamp() <= now:
        target = (local + timedelta(days=1)).replace(hour=hours, minute=minutes, second=0, microsecond=0)
    return target.timestamp()


__all__ = ["Conflict", "JourneyEngine"]
