"""The device link: phones living in another process, reached over one websocket.

A real phone keeps a connection to APNs or FCM; here the harness keeps one websocket to the server for all of its
phones (mounted at `/_sim/devices/link` on the core), and deliveries travel over it in batches. Frames are JSON:

    client → server   {"op": "attach", "rid", "device_id", "sandbox", "online"}
                      {"op": "online", "rid", "device_id", "online"}
                      {"op": "detach", "rid", "device_id"}
                      {"op": "ack", "seqs": [...]}
    server → client   {"op": "ok", "rid"} | {"op": "error", "rid", "message"}
                      {"op": "deliver", "items": [{"seq", "device_id", "delivery"}]}

A delivery counts as done when its phone acknowledges it; the server tracks the acknowledgement on the sandbox's
clock, so settling waits for it. When the link drops, its phones are detached.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.clock import pause
from simulator.devices.delivery import MessageDelivery, PushDelivery

#: How long a harness keeps trying to reach a restarted server: 600 times 0.1 s.
RECONNECT_ATTEMPTS = 600
RECONNECT_PAUSE = 0.1

if TYPE_CHECKING:
    from simulator.stack import Stack


class _Server:
    """One connected harness: its phones and the deliveries waiting for acknowledgement."""

    def __init__(self, websocket: WebSocket, stack: Stack) -> None:
        self.websocket = websocket
        self.stack = stack
        self.devices: set[str] = set()
        self._seq = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._outbox: list[dict[str, Any]] = []
        self._flushing = False

    def send_delivery(self, device_id: str, delivery: PushDelivery | MessageDelivery) -> Awaitable[None]:
        seq = next(self._seq)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[seq] = future
        kind = "push" if isinstance(delivery, PushDelivery) else "message"
        self._outbox.append({"seq": seq, "device_id": device_id, "kind": kind, "delivery": delivery.to_wire()})
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self._flush()))
        return future

    async def _flush(self) -> None:
        items, self._outbox, self._flushing = self._outbox, [], False
        if items:
            await self.websocket.send_text(json.dumps({"op": "deliver", "items": items}, separators=(",", ":")))

    def acknowledge(self, seqs: list[int]) -> None:
        for seq in seqs:
            future = self._waiting.pop(seq, None)
            if future is not None and not future.done():
                future.set_result(None)

    def close(self) -> None:
        for device_id in self.devices:
            self.stack.hub.detach(device_id)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("device link closed before acknowledgement"))
        self._waiting.clear()


class RemoteEndpoint:
    """A phone on the far side of a link, as the hub sees it."""

    __slots__ = ("_link", "device_id", "sandbox")

    def __init__(self, device_id: str, sandbox: str, link: _Server) -> None:
        self.device_id = device_id
        self.sandbox = sandbox
        self._link = link

    def receive_push(self, delivery: PushDelivery) -> Awaitable[None]:
        """Send the notification down the link; done when the phone acknowledges it."""
        return self._link.send_delivery(self.device_id, delivery)

    def receive_message(self, delivery: MessageDelivery) -> Awaitable[None]:
        """Send the message down the link; done when the phone acknowledges it."""
        return self._link.send_delivery(self.device_id, delivery)


def create_link_app(stack: Stack) -> Starlette:
    """The websocket endpoint phones in another process attach through (`/link`)."""

    async def link(websocket: WebSocket) -> None:
        await websocket.accept()
        server = _Server(websocket, stack)
        try:
            while True:
                frame = json.loads(await websocket.receive_text())
                op = frame.get("op")
                if op == "ack":
                    server.acknowledge([int(s) for s in frame.get("seqs", [])])
                    continue
                try:
                    _apply(stack, server, frame)
                except (LookupError, ValueError, KeyError) as error:
                    await websocket.send_text(
                        json.dumps({"op": "error", "rid": frame.get("rid"), "message": str(error)})
                    )
                else:
                    await websocket.send_text(json.dumps({"op": "ok", "rid": frame.get("rid")}))
        except WebSocketDisconnect:
            pass
        finally:
            server.close()

    return Starlette(routes=[WebSocketRoute("/link", link)])


def _apply(stack: Stack, server: _Server | None, frame: dict[str, Any]) -> None:
    """Carry out a link operation; `server` None means a replayed one (the phone is a stand-in)."""
    from simulator.persistence import ReplayedPhone

    op, device_id = frame.get("op"), str(frame.get("device_id", ""))
    if op == "attach":
        sandbox = str(frame["sandbox"])
        stack.sandboxes.get(sandbox)
        endpoint: Any = ReplayedPhone(device_id, sandbox)
        if server is not None:
            server.devices.add(device_id)
            endpoint = RemoteEndpoint(device_id, sandbox, server)
        stack.hub.attach(endpoint, online=bool(frame.get("online", True)))
        for address in frame.get("addresses", []):
            stack.hub.register_address(sandbox, str(address), device_id)
    elif op == "online":
        stack.hub.set_online(device_id, bool(frame["online"]))
    elif op == "detach":
        if server is not None:
            server.devices.discard(device_id)
        stack.hub.detach(device_id)
    else:
        raise ValueError(f"unknown op {op!r}")
    for listener in stack.link_listeners:
        listener({k: v for k, v in frame.items() if k != "rid"})


def replay_link_op(stack: Stack, frame: dict[str, Any]) -> None:
    """Carry out a journaled link operation during replay."""
    _apply(stack, None, frame)


class LinkedPhone(Protocol):
    """What the client side needs of a phone."""

    device_id: str
    sandbox: str

    def receive_push(self, delivery: PushDelivery) -> Awaitable[None] | None:
        """Take one notification."""

    def receive_message(self, delivery: MessageDelivery) -> Awaitable[None] | None:
        """Take one message."""


class LinkClient:
    """The harness side of the link: one websocket carrying every local phone's deliveries and acknowledgements."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._phones: dict[str, LinkedPhone] = {}
        self._rid = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._socket: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._addresses: dict[str, tuple[str, ...]] = {}

    async def connect(self) -> None:
        """Open the websocket (compression off: small frames, many of them)."""
        import websockets

        self._socket = await websockets.connect(self.url, compression=None, max_size=None, ping_interval=None)
        self._connected = asyncio.Event()
        self._connected.set()
        self._reader = asyncio.ensure_future(self._read_forever())

    async def connected(self) -> None:
        """Wait until the link is up with every phone attached (after a server restart, until it is back)."""
        if not self._connected.is_set():
            await self._connected.wait()

    async def close(self) -> None:
        """Close the websocket."""
        self._closing = True
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    _closing = False

    async def _read_forever(self) -> None:
        """Read frames; when the server goes away (a restart), reconnect and attach every phone again."""
        import websockets

        while not self._closing:
            with contextlib.suppress(websockets.ConnectionClosed, OSError):
                await self._read()
            if self._closing:
                return
            self._connected.clear()
            for future in self._replies.values():
                if not future.done():
                    future.set_exception(ConnectionError("the device link closed"))
            self._replies.clear()
            if not await self._reconnect():
                self._closing = True
                return

    async def _reconnect(self) -> bool:
        import websockets

        for _ in range(RECONNECT_ATTEMPTS):
            try:
                self._socket = await websockets.connect(self.url, compression=None, max_size=None, ping_interval=None)
            except OSError:
                await pause(RECONNECT_PAUSE)
                continue
            self._reattaching = asyncio.ensure_future(self._reattach())
            return True
        return False

    async def _reattach(self) -> None:
        for phone in list(self._phones.values()):
            addresses = list(self._addresses.get(phone.device_id, ()))
            online = getattr(phone, "online", True)
            frame = {"op": "attach", "device_id": phone.device_id, "sandbox": phone.sandbox, "online": online}
            await self._request({**frame, "addresses": addresses})
        self._connected.set()

    _reattaching: asyncio.Future[None] | None = None

    async def _request(self, frame: dict[str, Any]) -> None:
        rid = next(self._rid)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[rid] = future
        await self._socket.send(json.dumps({**frame, "rid": rid}))
        reply = await future
        if reply.get("op") == "error":
            raise LookupError(reply.get("message"))

    async def attach(self, phone: LinkedPhone, online: bool = True, addresses: tuple[str, ...] = ()) -> None:
        """Make a local phone reachable by the server's gateways, also at its number and email `addresses`."""
        self._phones[phone.device_id] = phone
        self._addresses[phone.device_id] = addresses
        frame = {"op": "attach", "device_id": phone.device_id, "sandbox": phone.sandbox, "online": online}
        await self._request({**frame, "addresses": list(addresses)})

    async def set_online(self, device_id: str, online: bool) -> None:
        """Tell the server the phone's connectivity changed."""
        await self._request({"op": "online", "device_id": device_id, "online": online})

    async def detach(self, device_id: str) -> None:
        """Forget a local phone."""
        self._phones.pop(device_id, None)
        await self._request({"op": "detach", "device_id": device_id})

    async def _read(self) -> None:
        async for raw in self._socket:
            frame = json.loads(raw)
            op = frame.get("op")
            if op == "deliver":
                acks: list[int] = []
                for item in frame["items"]:
                    phone = self._phones.get(item["device_id"])
                    if phone is not None:
                        if item.get("kind") == "message":
                            pending = phone.receive_message(MessageDelivery.from_wire(item["delivery"]))
                        else:
                            pending = phone.receive_push(PushDelivery.from_wire(item["delivery"]))
                        if pending is not None:
                            await pending
                    acks.append(item["seq"])
                await self._socket.send(json.dumps({"op": "ack", "seqs": acks}))
            elif op in ("ok", "error"):
                future = self._replies.pop(int(frame["rid"]), None)
                if future is not None and not future.done():
                    future.set_result(frame)
