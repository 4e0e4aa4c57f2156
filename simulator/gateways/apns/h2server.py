"""A small HTTP/2 cleartext server (h2c, prior knowledge) that runs an ASGI app per stream, written on `h2`.

Why not hypercorn: it ends a response with an empty DATA frame carrying END_STREAM, and aioapns parses every DATA
frame as JSON, so it breaks on every success. Here a response whose body is empty goes out as one HEADERS frame
with END_STREAM; a body goes out as HEADERS then DATA, the last DATA frame carrying END_STREAM (one frame when it
fits the peer's frame size and window, as every APNs answer does). A streamed body holds back its latest chunk so
the stream never ends on an empty frame either.

Each request runs once its stream has ended (APNs requests are small), as its own task; many streams run
concurrently on one connection (up to `MAX_CONCURRENT_STREAMS`). Received data is acknowledged as it arrives, with
large windows, so a client never stalls on flow control; sending waits for the peer's window when it must.
Responses produced in the same loop iteration leave in one socket write. The `:authority` pseudo-header reaches
the app as `host` (unless the client also sent `host`). Closing the returned server stops accepting connections,
lets each open connection finish its streams, then says GOAWAY and closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import unquote

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.events import (
    ConnectionTerminated,
    DataReceived,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from h2.exceptions import ProtocolError
from h2.settings import SettingCodes, Settings
from starlette.types import ASGIApp, Message, Scope

logger = logging.getLogger(__name__)

MAX_CONCURRENT_STREAMS = 1000
STREAM_WINDOW = 1 << 20
CONNECTION_WINDOW = 1 << 24
#: How long a closing server lets a connection finish its streams before cutting it.
SHUTDOWN_GRACE_SECONDS = 5.0
_DEFAULT_WINDOW = 65_535
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"})


async def serve_h2(app: ASGIApp, host: str, port: int) -> asyncio.Server:
    """Serve `app` over HTTP/2 cleartext on `host:port` (0 picks a free port: read `server.sockets[0]`)."""
    loop = asyncio.get_running_loop()
    connections: set[_Connection] = set()
    server = await loop.create_server(lambda: _Connection(app, connections), host, port)
    # asyncio builds the Server itself; adopting it as an H2Server lets close() also wind down open connections.
    server.__class__ = H2Server
    assert isinstance(server, H2Server)
    server.h2_connections = connections
    return server


class H2Server(asyncio.Server):
    """The asyncio server `serve_h2` returns: `close()` also ends each open connection with GOAWAY."""

    h2_connections: set[_Connection]

    def close(self) -> None:
        """Stop accepting; let open connections finish their streams, then send GOAWAY and close them."""
        super().close()
        for connection in list(self.h2_connections):
            connection.shut_down()


class _Stream:
    """One request/response exchange, handed to the ASGI app as its `receive` and `send`."""

    __slots__ = (
        "body",
        "connection",
        "disconnected",
        "finished",
        "headers",
        "headers_sent",
        "pending",
        "request_read",
        "reset",
        "response_headers",
        "status",
        "stream_id",
        "window_open",
    )

    def __init__(self, connection: _Connection, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.connection = connection
        self.stream_id = stream_id
        self.headers = headers
        self.body = bytearray()
        self.status = 500
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.headers_sent = False
        self.pending: bytes | None = None
        self.finished = False
        self.reset = False
        self.request_read = False
        self.disconnected: asyncio.Future[None] | None = None
        self.window_open: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        """ASGI receive: the whole request body once, then wait for the stream to go away."""
        if not self.request_read:
            self.request_read = True
            return {"type": "http.request", "body": bytes(self.body), "more_body": False}
        if not self.reset:
            if self.disconnected is None:
                self.disconnected = asyncio.get_running_loop().create_future()
            await self.disconnected
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        """ASGI send: keep the status and headers, then write the body without ever ending on an empty frame."""
        if self.reset or self.finished:
            return
        kind = message["type"]
        if kind == "http.response.start":
            self.status = int(message["status"])
            self.response_headers = [
                (bytes(name).lower(), bytes(value))
                for name, value in message.get("headers", ())
                if bytes(name).lower() not in _HOP_BY_HOP
            ]
        elif kind == "http.response.body":
            body = bytes(message.get("body", b""))
            if message.get("more_body", False):
                if body:
                    if self.pending:
                        await self.connection.respond(self, self.pending, end=False)
                    self.pending = body
                return
            data = self.pending + body if self.pending else body
            self.pending = None
            self.finished = True
            await self.connection.respond(self, data, end=True)

    def gone(self) -> None:
        """The peer reset the stream or the connection dropped: wake whatever waits on it."""
        self.reset = True
        for waiter in (self.disconnected, self.window_open):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


class _Connection(asyncio.Protocol):
    """One HTTP/2 connection: h2's state machine, its streams, and the tasks running the app."""

    def __init__(self, app: ASGIApp, registry: set[_Connection]) -> None:
        self._app = app
        self._registry = registry
        self._h2 = H2Connection(config=H2Configuration(client_side=False, header_encoding=None))
        self._transport: asyncio.Transport | None = None
        self._streams: dict[int, _Stream] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._flush_scheduled = False
        self._closing = False
        self._server: tuple[str, int] | None = None
        self._client: tuple[str, int] | None = None

    # -- transport events -------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._registry.add(self)
        sockname, peername = transport.get_extra_info("sockname"), transport.get_extra_info("peername")
        self._server = (str(sockname[0]), int(sockname[1])) if sockname else None
        self._client = (str(peername[0]), int(peername[1])) if peername else None
        self._h2.local_settings = Settings(
            client=False,
            initial_values={
                SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
                SettingCodes.MAX_HEADER_LIST_SIZE: 1 << 16,
            },
        )
        self._h2.initiate_connection()
        self._h2.increment_flow_control_window(CONNECTION_WINDOW - _DEFAULT_WINDOW)
        self._flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self._h2.receive_data(data)
        except ProtocolError as error:
            logger.debug("HTTP/2 protocol error from %s: %s", self._client, error)
            self._flush()  # h2 queued a GOAWAY with the error code
            self._abort()
            return
        for event in events:
            if isinstance(event, RequestReceived):
                self._request_received(event)
            elif isinstance(event, DataReceived):
                self._data_received(event)
            elif isinstance(event, StreamEnded):
                self._stream_ended(event.stream_id)
            elif isinstance(event, StreamReset):
                self._stream_reset(event.stream_id)
            elif isinstance(event, WindowUpdated | RemoteSettingsChanged):
                self._window_opened(event.stream_id if isinstance(event, WindowUpdated) else 0)
            elif isinstance(event, ConnectionTerminated):
                self._flush()
                self._abort()
                return
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        for stream in self._streams.values():
            stream.gone()
        self._streams.clear()
        self._transport = None

    # -- requests ---------------------------------------------------------------------------------------------

    def _request_received(self, event: RequestReceived) -> None:
        stream_id = event.stream_id
        if self._closing:
            self._h2.reset_stream(stream_id, ErrorCodes.REFUSED_STREAM)
            return
        self._streams[stream_id] = _Stream(self, stream_id, list(event.headers))

    def _data_received(self, event: DataReceived) -> None:
        stream = self._streams.get(event.stream_id)
        if stream is not None and event.data:
            stream.body += event.data
        if event.flow_controlled_length:
            self._h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)

    def _stream_ended(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(stream))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _stream_reset(self, stream_id: int) -> None:
        stream = self._streams.pop(stream_id, None)
        if stream is not None:
            stream.gone()
        if self._closing and not self._streams:
            self._say_goodbye()

    def _window_opened(self, stream_id: int) -> None:
        """The peer opened a window: the connection's (stream 0) wakes every stream, a stream's wakes that one."""
        if stream_id == 0:
            streams = list(self._streams.values())
        else:
            one = self._streams.get(stream_id)
            streams = [one] if one is not None else []
        for stream in streams:
            waiter = stream.window_open
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def _run(self, stream: _Stream) -> None:
        try:
            await self._app(self._scope(stream), stream.receive, stream.send)
            if not stream.finished:
                await stream.send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception:
            logger.exception("ASGI app failed on HTTP/2 stream %d", stream.stream_id)
            if not stream.headers_sent and not stream.reset:
                stream.status, stream.response_headers, stream.finished = 500, [], True
                await self.respond(stream, b"", end=True)
        finally:
            self._streams.pop(stream.stream_id, None)
            if self._closing and not self._streams:
                self._say_goodbye()

    def _scope(self, stream: _Stream) -> Scope:
        method, path, authority, scheme = b"GET", b"/", b"", b"http"
        headers: list[tuple[bytes, bytes]] = []
        has_host = False
        for name, value in stream.headers:
            if name[:1] == b":":
                if name == b":method":
                    method = value
                elif name == b":path":
                    path = value
                elif name == b":authority":
                    authority = value
                elif name == b":scheme":
                    scheme = value
            else:
                has_host = has_host or name == b"host"
                headers.append((name, value))
        if authority and not has_host:
            headers.insert(0, (b"host", authority))
        raw_path, _, query = path.partition(b"?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "2",
            "method": method.decode("latin-1"),
            "scheme": scheme.decode("latin-1"),
            "path": unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": self._client,
            "server": self._server,
        }
        return scope

    # -- responses --------------------------------------------------------------------------------------------

    async def respond(self, stream: _Stream, data: bytes, *, end: bool) -> None:
        """Send the headers (once) and `data`; an empty final body ends the stream on the HEADERS frame."""
        if stream.reset or self._transport is None:
            return
        stream_id = stream.stream_id
        try:
            if not stream.headers_sent:
                stream.headers_sent = True
                headers = [(b":status", str(stream.status).encode()), *stream.response_headers]
                self._h2.send_headers(stream_id, headers, end_stream=end and not data)
            view = memoryview(data)
            while view:
                size = min(len(view), self._h2.local_flow_control_window(stream_id), self._h2.max_outbound_frame_size)
                if size <= 0:
                    self._flush()
                    stream.window_open = asyncio.get_running_loop().create_future()
                    await stream.window_open
                    stream.window_open = None
                    if stream.reset or self._transport is None:
                        return
                    continue
                self._h2.send_data(stream_id, view[:size].tobytes(), end_stream=end and size == len(view))
                view = view[size:]
        except ProtocolError as error:
            logger.debug("HTTP/2 stream %d closed before its answer: %s", stream_id, error)
            return
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = self._h2.data_to_send()
        if data and self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    # -- closing ----------------------------------------------------------------------------------------------

    def shut_down(self) -> None:
        """Refuse new streams; once the open ones are answered, send GOAWAY and close (or after a grace period)."""
        if self._closing or self._transport is None:
            return
        self._closing = True
        if not self._streams:
            self._say_goodbye()
            return
        asyncio.get_running_loop().call_later(SHUTDOWN_GRACE_SECONDS, self._say_goodbye)

    def _say_goodbye(self) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        # h2 refuses when the connection is already closed on its side (the peer said GOAWAY first).
        with contextlib.suppress(ProtocolError):
            self._h2.close_connection(ErrorCodes.NO_ERROR)
        self._flush()
        self._abort()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.close()
