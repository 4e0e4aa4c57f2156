"""The mail gateway on a real SMTP port, in the caller's event loop.

`serve_smtp()` runs aiosmtpd's `SMTP` protocol with the gateway as its handler on `loop.create_server`, so one
event loop serves the platform, the gateways and SMTP together (aiosmtpd's `Controller` starts a thread with its own
loop, and cannot take port 0: it connects to its own port to check that it started). Port 0 picks a free port; read
it from `server.sockets[0].getsockname()[1]`.

The server runs without TLS or AUTH (a local fake), with the 10 MiB size limit enforced by the gateway itself, so
an oversized message is recorded like any refusal; Nagle is off on accepted sockets, as on every served socket.
"""

from __future__ import annotations

import asyncio
import socket

from aiosmtpd.smtp import SMTP

from simulator.gateways.smtp.dsn import HOSTNAME
from simulator.gateways.smtp.service import MailGateway

#: The greeting's software name: `220 mx.mjlab.test ESMTP mjlab`.
IDENT = "ESMTP mjlab"


class _Protocol(SMTP):
    """aiosmtpd's SMTP protocol with Nagle turned off: replies are small and each waits for the next command."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


async def serve_smtp(gateway: MailGateway, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Listen for SMTP on `host:port` (0: any free port) in the running loop; close the server to stop."""
    loop = asyncio.get_running_loop()

    def protocol() -> SMTP:
        return _Protocol(
            gateway,
            hostname=HOSTNAME,
            ident=IDENT,
            data_size_limit=None,
            enable_SMTPUTF8=True,
            loop=loop,
        )

    return await loop.create_server(protocol, host, port, reuse_address=True, backlog=1024)
