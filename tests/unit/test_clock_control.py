"""In one process the client reads, moves and settles the clock without HTTP, answering and refusing like the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from simulator.client import StackClient, StackError
from simulator.stack import Stack

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client() -> AsyncIterator[StackClient]:
    stack_client = await StackClient.inprocess(Stack.build(seed="clock-control"))
    await stack_client.open_sandbox("direct")
    await stack_client.open_sandbox("routed")
    yield stack_client
    await stack_client.aclose()


async def _refusal(call: Any) -> tuple[int, Any, str]:
    with pytest.raises(StackError) as refused:
        await call
    return refused.value.status, refused.value.body, str(refused.value)


async def test_reading_moving_and_settling_answer_as_the_routes_do(client: StackClient) -> None:
    assert await client.now("direct") == await client.call("core", "GET", "/_sim/clock", sandbox="routed")
    moved = await client.advance("direct", 90)
    routed = await client.call("core", "POST", "/_sim/clock/advance", sandbox="routed", json={"seconds": 90})
    assert moved == routed
    assert moved["now"].endswith("09:01:30+00:00")
    assert await client.advance_to("direct", "2026-01-06T08:00:00+01:00") == await client.call(
        "core", "POST", "/_sim/clock/advance", sandbox="routed", json={"to": "2026-01-06T08:00:00+01:00"}
    )
    assert await client.settle("direct") == await client.call("core", "POST", "/_sim/settle", sandbox="routed")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"seconds": -1}, "ValidationError"),
        ({"to": "not a time"}, "InvalidRequest"),
        ({"to": "2026-01-06T08:00:00"}, "InvalidRequest"),
        ({"to": "2020-01-01T00:00:00Z"}, "InvalidRequest"),
    ],
)
async def test_a_refused_move_is_the_routes_refusal(client: StackClient, body: dict[str, Any], code: str) -> None:
    direct = client.advance("direct", body["seconds"]) if "seconds" in body else client.advance_to("direct", body["to"])
    status, answer, text = await _refusal(direct)
    routed = await client.call("core", "POST", "/_sim/clock/advance", sandbox="direct", json=body, ok=False)
    assert (status, answer) == (422, routed)
    assert answer["error"]["code"] == code
    assert text.startswith("POST http://") and "/_sim/clock/advance answered 422" in text


async def test_an_unknown_sandbox_is_the_routes_404(client: StackClient) -> None:
    for call, method, path in (
        (client.now("nowhere"), "GET", "/_sim/clock"),
        (client.settle("nowhere"), "POST", "/_sim/settle"),
        (client.advance("nowhere", 1), "POST", "/_sim/clock/advance"),
    ):
        status, answer, _ = await _refusal(call)
        body = {"seconds": 1} if path.endswith("advance") else None
        routed = await client.call("core", method, path, sandbox="nowhere", json=body, ok=False)
        assert (status, answer) == (404, routed)
        assert answer["error"]["field"] == "x-sandbox-name"
