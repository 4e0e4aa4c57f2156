"""Start-up workers: the in-process stack, and the floors the stacks' start-up is compared to.

    python -m benchmarks.startup inprocess [--profile]  # Stack.build + StackClient.inprocess, cold then warm
    python -m benchmarks.startup floor-inprocess  # one FastAPI app with one route and its in-process client
    python -m benchmarks.startup serve-floor --endpoints-file F   # a one-route uvicorn server (network floor)

The first two print one JSON object; imports are timed apart (`import_s`), the figures are what follows them.
`serve-floor` serves until interrupted, writing `{"core": url}` to F once it listens, as `mjlab serve` does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.profiling import summarize

WARM_RUNS = 5


async def _stack() -> Callable[[], Awaitable[None]]:
    from simulator.client import StackClient
    from simulator.stack import Stack

    client = await StackClient.inprocess(Stack.build(seed="bench"))

    async def first_request() -> None:
        await client.open_sandbox("startup")
        await client.aclose()

    return first_request


async def _floor() -> Callable[[], Awaitable[None]]:
    import httpx
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Ping(BaseModel):
        name: str

    app = FastAPI()

    @app.post("/ping")
    async def ping(body: Ping) -> dict[str, str]:
        return {"name": body.name}

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://floor.test")

    async def first_request() -> None:
        await client.post("/ping", json={"name": "startup"})
        await client.aclose()

    return first_request


async def _measure(
    build: Callable[[], Awaitable[Callable[[], Awaitable[None]]]], *, profile: bool = False
) -> dict[str, Any]:
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    started = time.perf_counter()
    first_request = await build()
    cold = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
    started = time.perf_counter()
    await first_request()
    first = time.perf_counter() - started
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        again = await build()
        warm.append(time.perf_counter() - started)
        await again()
    result: dict[str, Any] = {
        "cold_ms": round(cold * 1000, 3),
        "first_request_ms": round(first * 1000, 3),
        "warm_median_ms": round(statistics.median(warm) * 1000, 3),
    }
    if profiler is not None:
        result["profile"] = summarize(profiler)
    return result


def _imports(modules: list[str]) -> float:
    started = time.perf_counter()
    for module in modules:
        importlib.import_module(module)
    return round((time.perf_counter() - started) * 1000, 1)


def _serve_floor(endpoints_file: str) -> None:
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"status":"ok"}'})

    async def serve() -> None:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        task = asyncio.ensure_future(server.serve())
        while not server.started:
            await asyncio.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        partial = endpoints_file + ".partial"
        with open(partial, "w") as file:
            json.dump({"core": f"http://127.0.0.1:{port}"}, file)
        os.replace(partial, endpoints_file)
        await task

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["inprocess", "floor-inprocess", "serve-floor"])
    parser.add_argument("--endpoints-file", help="serve-floor: where to write the URL")
    parser.add_argument("--profile", action="store_true", help="profile the cold build (cProfile)")
    args = parser.parse_args(argv)
    if args.what == "serve-floor":
        if not args.endpoints_file:
            parser.error("serve-floor needs --endpoints-file")
        _serve_floor(args.endpoints_file)
        return 0
    if args.what == "inprocess":
        import_ms = _imports(["simulator.stack", "simulator.client", "httpx"])
        result = asyncio.run(_measure(_stack, profile=args.profile))
    else:
        import_ms = _imports(["fastapi", "pydantic", "httpx"])
        result = asyncio.run(_measure(_floor))
    print(json.dumps({**result, "import_ms": import_ms}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
