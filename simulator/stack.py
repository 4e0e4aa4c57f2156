"""Build a stack and hand out clients.

`Stack` is the set of parts running in one process: sandboxes, the device hub, the gateways and the platform, wired
so that the platform hands its validated requests straight to the gateways' own request chains (the same code their
HTTP routes run) and gateways hand accepted notifications to phones through the hub. `Stack.apps()` gives each
part's ASGI app, which `mjlab serve` puts on ports and the in-process client drives through `httpx.ASGITransport`.

`StackClient` is how the harness and tools use a stack, whatever its mode: HTTP clients for each part (ASGI
transports in-process, sockets in network mode), the sandbox's clock through `/_sim/clock`, and phones.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from simulator.clock import Clock, SystemClock, VirtualClock
from simulator.devices.hub import DeviceHub
from simulator.gateways.apns import ApnsGateway, ApnsRequest
from simulator.gateways.apns.app import create_app as apns_app
from simulator.gateways.apns.models import Environment
from simulator.gateways.fcm import FcmGateway
from simulator.gateways.fcm.app import create_app as fcm_app
from simulator.gateways.fcm.oauth import KeyFactory, generate_key
from simulator.gateways.smtp import wiring as smtp_wiring
from simulator.gateways.twilio import wiring as twilio_wiring
from simulator.gateways.webhooks import WebhookSender
from simulator.gateways.whatsapp import wiring as whatsapp_wiring
from simulator.platform.api import create_app as platform_app
from simulator.platform.capture import LandingPages, capture_router
from simulator.platform.channels import ChannelSender
from simulator.platform.channels.push import PushAnswer, PushChannel
from simulator.platform.journeys.api import journeys_router
from simulator.platform.journeys.engine import JourneyEngine
from simulator.platform.journeys.qualification import AudienceQualification
from simulator.platform.models import Channel
from simulator.platform.propositions import answer_edge, inbound_channels, withdraw
from simulator.platform.reports import reports_router
from simulator.platform.rules.api import rules_router
from simulator.platform.service import Platform
from simulator.sandboxes import Sandboxes

#: The base URL the in-process parts are known by (what a service account's token_uri points at).
INPROCESS_URLS = {
    "core": "http://core.mjlab.test",
    "apns": "http://apns.mjlab.test",
    "fcm": "http://fcm.mjlab.test",
}


class DirectApns:
    """The platform's APNs transport in one process: the gateway's request chain, no HTTP bytes."""

    def __init__(self, gateway: ApnsGateway) -> None:
        self.gateway = gateway

    async def send(
        self, sandbox: str, token: str, headers: dict[str, str], body: bytes, environment: str
    ) -> PushAnswer:
        """POST /3/device/{token}, handed over as the validated request model."""
        env: Environment = "sandbox" if environment == "sandbox" else "production"
        answer = await self.gateway.handle(ApnsRequest.from_headers(token, headers, body, env))
        return PushAnswer(answer.status, answer.reason, answer.apns_id)


class DirectFcm:
    """The platform's FCM transport in one process: the gateway's request chain, no HTTP bytes."""

    def __init__(self, gateway: FcmGateway) -> None:
        self.gateway = gateway

    async def access_token(self, sandbox: str, token_uri: str, assertion: str) -> tuple[str, float]:
        """Google's token endpoint, called directly."""
        answer = self.gateway.issue_access_token(assertion)
        return str(answer["access_token"]), float(answer["expires_in"])

    async def send(self, sandbox: str, project_id: str, access_token: str, message: dict[str, Any]) -> PushAnswer:
        """POST /v1/projects/{project}/messages:send, handed over as a parsed body."""
        status, body = await self.gateway.handle(project_id, f"Bearer {access_token}", {"message": message})
        if status == 200:
            return PushAnswer(200, None, str(body.get("name", "")).rsplit("/", 1)[-1] or None)
        error = body.get("error", {})
        reason = next((d.get("errorCode") for d in error.get("details", []) if "errorCode" in d), error.get("status"))
        return PushAnswer(status, reason)


def reused_key(generate: KeyFactory = generate_key, key: Any = None) -> KeyFactory:
    """A key factory that makes one RSA key and hands it out again.

    A 2048-bit key takes 50-100 ms to make, and every scenario creates a Firebase project: reusing the key keeps a
    scenario in milliseconds. Each service account still gets its own key id, and signatures are still checked.
    """
    made: list[Any] = [] if key is None else [key]

    def factory() -> Any:
        if not made:
            made.append(generate())
        return made[0]

    return factory


#: The person-to-person gateways and their channels, each added by its package's `wiring.install(stack)`.
MESSAGING = (twilio_wiring, whatsapp_wiring, smtp_wiring)


#: Collector thresholds for a process holding a stack: a fleet of phones is hundreds of thousands of long-lived
#: objects, and with the defaults a full collection over them takes a third of a campaign's fan-out.
GC_THRESHOLDS = (50_000, 20, 100)


def _tune_garbage_collector() -> None:
    """Raise (never lower) the collector's thresholds for this process."""
    current = gc.get_threshold()
    gc.set_threshold(*(max(old, new) for old, new in zip(current, GC_THRESHOLDS, strict=True)))


def _withdraw_inbound(state: Any, instance: Any) -> None:
    """An in-app message, card or experience a journey made live is withdrawn when the profile leaves it."""
    prefix = f"journey:{instance.journey_id}:"
    withdraw(state, instance.profile_id, lambda source: source.startswith(prefix))


@dataclass(eq=False)
class Stack:
    """Every part of the simulator, wired together in one process."""

    sandboxes: Sandboxes
    hub: DeviceHub
    apns: ApnsGateway
    fcm: FcmGateway
    platform: Platform
    urls: dict[str, str]
    webhooks: WebhookSender
    journeys: JourneyEngine
    link_listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    """Called with every device-link operation (attach, online, detach): the journal records them."""
    messaging: dict[str, Any] = field(default_factory=dict)
    """The person-to-person gateways by endpoint name (twilio, whatsapp, smtp)."""

    @classmethod
    def build(
        cls, *, seed: str = "mjlab", clock: str = "virtual", urls: dict[str, str] | None = None, rsa_key: Any = None
    ) -> Stack:
        """Build all parts. `clock` is `virtual` (tests: time moves when told) or `system` (wall time); `rsa_key`
        is the key Firebase service accounts get (a persisted stack keeps its own)."""
        _tune_garbage_collector()
        factory: type[Clock] = VirtualClock if clock == "virtual" else SystemClock
        sandboxes = Sandboxes(clock_factory=factory, seed=seed)
        hub = DeviceHub(sandboxes)
        apns = ApnsGateway(sandboxes, hub)
        fcm = FcmGateway(sandboxes, hub, key_factory=reused_key(key=rsa_key))
        push = PushChannel(DirectApns(apns), DirectFcm(fcm))
        channels: dict[Channel, ChannelSender] = {Channel.PUSH: push}
        platform = Platform(sandboxes, channels)
        platform.channels.update(inbound_channels())
        platform.edge_handlers.append(answer_edge)
        stack_urls = dict(urls or INPROCESS_URLS)
        stack: Stack
        webhooks = WebhookSender(stack_urls, lambda: stack.apps())
        stack = cls(sandboxes, hub, apns, fcm, platform, stack_urls, webhooks, JourneyEngine(platform))
        AudienceQualification(platform, stack.journeys)
        stack.journeys.on_exit.append(_withdraw_inbound)
        for wiring in MESSAGING:
            wiring.install(stack)
        return stack

    async def _endpoints(self) -> dict[str, str]:
        """The base URL of each part (what `mjlab serve --endpoints-file` writes)."""
        return dict(self.urls)

    def apps(self) -> dict[str, ASGIApp]:
        """Each part's ASGI app, by endpoint name (built once)."""
        if self._apps is None:
            self._apps = self._build_apps()
        return self._apps

    _apps: dict[str, ASGIApp] | None = None

    def _build_apps(self) -> dict[str, ASGIApp]:
        from simulator.devices.link import create_link_app

        core = platform_app(self.platform)
        core.include_router(journeys_router(self.journeys))
        core.include_router(rules_router(self.platform))
        core.include_router(reports_router(self.platform, self.journeys))
        core.include_router(capture_router(LandingPages(self.platform)))
        core.add_api_route("/_sim/endpoints", self._endpoints, methods=["GET"], tags=["_sim"])
        core.mount("/_sim/devices", create_link_app(self))
        return {"core": core, "apns": apns_app(self.apns), "fcm": fcm_app(self.fcm)}
