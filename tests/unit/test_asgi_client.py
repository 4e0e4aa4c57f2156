"""`AsgiClient` answers as `httpx.AsyncClient` over `httpx.ASGITransport` does, for the requests the harness makes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel

from simulator.asgi_client import AsgiClient

pytestmark = pytest.mark.anyio
BASE = "http://part.mjlab.test"


class Greeting(BaseModel):
    name: str
    times: int = 1


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/greetings", status_code=201)
    async def greet(body: Greeting, x_sandbox_name: str = Header("prod")) -> dict[str, Any]:
        return {"text": f"héllo {body.name}" * body.times, "sandbox": x_sandbox_name}

    @app.get("/search")
    async def search(q: str, request: Request) -> dict[str, Any]:
        return {"q": q, "host": request.headers["host"], "url": str(request.url)}

    @app.put("/yaml")
    async def yaml(request: Request) -> PlainTextResponse:
        return PlainTextResponse((await request.body()).decode().upper(), status_code=202)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            for word in ("one ", "two ", "three"):
                yield word.encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.delete("/nothing", status_code=204)
    async def nothing() -> None:
        return None

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    return app


@pytest.fixture
async def clients() -> Any:
    app = _app()
    reference = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    yield AsgiClient(app, BASE), reference
    await reference.aclose()


def _same(ours: httpx.Response, theirs: httpx.Response) -> None:
    assert ours.status_code == theirs.status_code
    assert ours.content == theirs.content
    assert ours.headers.get("content-type") == theirs.headers.get("content-type")
    assert str(ours.request.url) == str(theirs.request.url)


@pytest.mark.parametrize(
    ("method", "url", "options"),
    [
        ("POST", "/greetings", {"json": {"name": "Zoë", "times": 2}, "headers": {"x-sandbox-name": "s1"}}),
        ("POST", "/greetings", {"json": {"times": "many"}}),
        ("POST", "/greetings", {}),
        ("GET", "/search?q=caf%C3%A9&x=1", {}),
        ("PUT", "/yaml", {"content": "name: café\n", "headers": {"content-type": "application/yaml"}}),
        ("GET", "/stream", {}),
        ("DELETE", "/nothing", {}),
        ("GET", "/nowhere", {}),
        ("PATCH", "/greetings", {"json": {"name": "x"}}),
    ],
)
async def test_each_answer_is_the_one_httpx_gets(
    clients: tuple[AsgiClient, httpx.AsyncClient], method: str, url: str, options: dict[str, Any]
) -> None:
    ours, theirs = clients
    answer = await ours.request(method, url, **options)
    _same(answer, await theirs.request(method, url, **options))
    if answer.content and answer.headers.get("content-type", "").startswith("application/json"):
        assert answer.json() == (await theirs.request(method, url, **options)).json()


async def test_the_app_sees_the_host_and_url_of_the_part(clients: tuple[AsgiClient, httpx.AsyncClient]) -> None:
    ours, _ = clients
    answer = (await ours.request("GET", "/search?q=a")).json()
    assert answer == {"q": "a", "host": "part.mjlab.test", "url": f"{BASE}/search?q=a"}


async def test_what_the_app_raises_is_raised(clients: tuple[AsgiClient, httpx.AsyncClient]) -> None:
    ours, theirs = clients
    with pytest.raises(RuntimeError, match="the handler failed"):
        await theirs.request("GET", "/boom")
    with pytest.raises(RuntimeError, match="the handler failed"):
        await ours.request("GET", "/boom")
