"""Workers for the channel figures (each prints one JSON object; `benchmarks/suite/channels.py` runs them):

python -m benchmarks.channels journey-floor --profiles N   # a bare virtual clock firing the journey's timers
python -m benchmarks.channels sms-network --messages N     # Twilio Messages API over loopback, `mjlab serve`
python -m benchmarks.channels smtp --messages N            # emails/s over SMTP into the stack's mail provider
python -m benchmarks.channels smtp-sink --messages N       # the same clients against a do-nothing aiosmtpd
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STEPS_PER_PROFILE = 10  # five actions and five waits in benchmarks.journey


async def journey_floor(profiles: int) -> dict[str, Any]:
    """The floor of a journey run: the clock alone firing the same number of timers, in the same time order."""
    from simulator.clock import VirtualClock

    clock = VirtualClock(start=0.0)
    fired = 0

    def step(remaining: int, at: float) -> None:
        nonlocal fired
        fired += 1
        if remaining > 1:
            clock.call_at(at + 86_400, lambda: step(remaining - 1, at + 86_400))

    began = time.perf_counter()
    for _ in range(profiles):
        clock.call_at(0.0, lambda: step(STEPS_PER_PROFILE, 0.0))
    await clock.advance(31 * 86_400)
    elapsed = time.perf_counter() - began
    assert fired == profiles * STEPS_PER_PROFILE, fired
    return {"profiles": profiles, "profiles_per_second": round(profiles / elapsed, 1), "timers": fired}


async def sms_network(messages: int, concurrency: int = 32) -> dict[str, Any]:
    """Messages created per second through `POST .../Messages.json` on a served stack, with a phone holding the
    number (so each message runs its whole lifecycle)."""
    import httpx

    from benchmarks.served import ServedStack
    from simulator.client import StackClient
    from simulator.devices.phone import OS

    with ServedStack(Path(tempfile.mkdtemp(prefix="bench-sms-")), clock="system") as served:
        client = await StackClient.connect(served.endpoints)
        grant = await client.call("twilio", "POST", "/_sim/accounts", json={"sandbox": "prod"})
        sender = "+15550100001"
        body = {"account_sid": grant["account_sid"], "phone_number": sender}
        await client.call("twilio", "POST", "/_sim/numbers", json=body)
        recipients = [f"+1415555{n:04d}" for n in range(50)]
        for number in recipients:
            await client.new_phone("prod", OS.ANDROID, phone_number=number)
        path = f"/2010-04-01/Accounts/{grant['account_sid']}/Messages.json"
        auth = (grant["account_sid"], grant["auth_token"])
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=served.endpoints["twilio"], auth=auth, limits=limits) as http:
            queue = iter(range(messages))
            created = 0

            async def sender_task() -> None:
                nonlocal created
                for n in queue:
                    form = {"To": recipients[n % len(recipients)], "From": sender, "Body": f"Message {n}"}
                    answer = await http.post(path, data=form)
                    assert answer.status_code == 201, answer.text
                    created += 1

            began = time.perf_counter()
            await asyncio.gather(*(sender_task() for _ in range(concurrency)))
            elapsed = time.perf_counter() - began
            floor_queue = iter(range(messages))

            async def trivial_task() -> None:
                for _ in floor_queue:
                    assert (await http.get("/_sim/health")).status_code == 200

            floor_began = time.perf_counter()
            await asyncio.gather(*(trivial_task() for _ in range(concurrency)))
            floor = messages / (time.perf_counter() - floor_began)
        await client.aclose()
    return {
        "messages": created,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(created / elapsed, 1),
        "trivial_requests_per_second": round(floor, 1),
    }


def _sink_client(port: int, count: int, start: Any, done: Any) -> None:
    import smtplib

    raw = b"From: a@example.com\r\nTo: u0@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        start.wait()
        for _ in range(count):
            smtp.sendmail("a@example.com", ["u0@example.com"], raw)
    done.put(count)


async def smtp_sink(messages: int) -> dict[str, Any]:
    """The floor for SMTP: aiosmtpd itself with a handler that accepts and drops, one `smtplib` connection sending
    pre-rendered messages."""
    from aiosmtpd.smtp import SMTP

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Sink()), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    worker = context.Process(target=_sink_client, args=(port, messages, start, done))
    worker.start()
    await asyncio.to_thread(time.sleep, 1.0)
    began = time.perf_counter()
    start.set()
    sent = await asyncio.to_thread(done.get)
    elapsed = time.perf_counter() - began
    await asyncio.to_thread(worker.join)
    server.close()
    return {"messages": sent, "messages_per_second": round(sent / elapsed, 1)}


async def smtp_stack(messages: int) -> dict[str, Any]:
    """Emails/s over SMTP into the stack's mail provider, delivered to mailboxes (pre-rendered, one connection)."""
    from benchmarks.bench_smtp import smtp_rate

    rate = await smtp_rate(messages, 1, "sendmail")
    return {"messages": messages, "messages_per_second": round(rate, 1)}


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["journey-floor", "sms-network", "smtp", "smtp-sink"])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=2_000)
    args = parser.parse_args(argv)
    runs = {
        "journey-floor": lambda: journey_floor(args.profiles),
        "sms-network": lambda: sms_network(args.messages),
        "smtp": lambda: smtp_stack(args.messages),
        "smtp-sink": lambda: smtp_sink(args.messages),
    }
    print(json.dumps(asyncio.run(runs[args.what]())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
