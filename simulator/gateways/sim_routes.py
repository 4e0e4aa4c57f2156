"""What every fake gateway serves the same way: its `/_sim/` routes, its error bodies, and never a traceback.

Each gateway app (`<provider>/app.py`) serves its provider's own routes next to a `/_sim/` control surface that
tests and the harness drive. The parts of that surface which behave alike in every gateway are built here, so they
answer alike:

- `recording_routes(path, records, ...)`: `GET {path}` lists what the gateway recorded, narrowed by query
  parameters (`filters`), as `{key: [...], "total": n}`; `GET {path}/{id}` is one record (`latest` names the
  newest) or 404 `{"detail": "no <noun> '<id>'"}`; `DELETE {path}` forgets them (`?sandbox=` for one sandbox) and
  answers `{"deleted": n}`. `listing_route()` and `clearing_route()` serve a log that is only listed or cleared
  (Twilio's `/_sim/requests`, WhatsApp's `/_sim/webhooks`);
- `fault_routes(faults)`: `GET /_sim/faults` → `{"faults": [...]}`; `POST` a `FaultRule` → 201 and the rule;
  `DELETE` → `{"deleted": n}`;
- `health_route(service)` → `{"status": "ok", "service": ...}`; `reset_route(reset)` → `{"reset": true}`.

Errors. Under `/_sim/` an error is `{"detail": ...}` with a 4xx status (`detail()`); a body that does not validate
is 422 with one `{"loc": ["body", <field path>...], "msg", "type"}` per problem, as FastAPI answers
(`validation_failed()`). Outside `/_sim/` a gateway answers as its provider does. Each gateway says how in one
`GatewayErrors`: the exceptions it answers, in order (its provider's own first, then the shared `INVALID_BODY`,
`NO_SANDBOX`, `INVALID_VALUE` as it needs them), its provider's answer to a path or method it does not serve, and
its provider's internal error. `gateway_app(routes, errors)` runs every route under `guarded()`, where an exception
no answer claims is logged and becomes that 500, and answers Starlette's own 404/405 (no such route, wrong method)
as `errors` says too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.gateways.faults import FaultInjector, FaultRule
from simulator.sandboxes import SandboxNotFound

Endpoint = Callable[[Request], Awaitable[Response]]
E = TypeVar("E", bound=Exception)
R = TypeVar("R")

Filter = Callable[[R, str], bool]
"""A query filter: whether a record matches the value the query gave (e.g. `status=400`)."""


# -- error bodies ------------------------------------------------------------------------------------------------------


def detail(status: int, message: Any) -> JSONResponse:
    """A simulator error: `{"detail": message}` (a sentence, or a list of validation problems) with `status`."""
    return JSONResponse({"detail": message}, status_code=status)


def validation_failed(error: ValidationError) -> JSONResponse:
    """422, one `{"loc": ["body", <field path>...], "msg", "type"}` per problem of a body that did not validate."""
    problems = [
        {"loc": ["body", *item["loc"]], "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False)
    ]
    return detail(422, problems)


def is_sim(request: Request) -> bool:
    """Whether `request` is for the simulator's own routes rather than the provider's."""
    return request.url.path.startswith("/_sim")


@dataclass(frozen=True, slots=True)
class Answer(Generic[E]):
    """Answer an exception of type `kind` (or a subclass) with `respond(error)`."""

    kind: type[E]
    respond: Callable[[E], Response]


INVALID_BODY = Answer(ValidationError, validation_failed)
NO_SANDBOX = Answer(SandboxNotFound, lambda error: detail(404, f"no sandbox {error.args[0]!r}"))
INVALID_VALUE = Answer(ValueError, lambda error: detail(422, str(error)))


@dataclass(frozen=True, slots=True)
class GatewayErrors:
    """How one gateway answers what goes wrong.

    `answers` are tried in order, the first whose kind matches answers; an exception none claims is logged on
    `logger` ("<service> gateway failed on ...") and answered 500. `unrouted(request, status)` is the provider's
    answer to a path (404) or method (405) it does not serve, outside `/_sim/` (None: the `{"detail"}` form);
    `internal()` is the provider's 500 outside `/_sim/` (None: `{"detail": "internal error"}` everywhere).
    """

    service: str
    logger: logging.Logger
    answers: Sequence[Answer[Any]]
    unrouted: Callable[[Request, int], Response | None] | None = None
    internal: Callable[[], Response] | None = None

    def internal_error(self, request: Request) -> Response:
        """The 500 for `request`: the provider's outside `/_sim/`, else `{"detail": "internal error"}`."""
        if self.internal is not None and not is_sim(request):
            return self.internal()
        return detail(500, "internal error")


def guarded(endpoint: Endpoint, errors: GatewayErrors) -> Endpoint:
    """`endpoint`, with every exception it raises answered as `errors` says: never a traceback."""

    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as error:
            for answer in errors.answers:
                if isinstance(error, answer.kind):
                    return answer.respond(error)
            errors.logger.exception("%s gateway failed on %s %s", errors.service, request.method, request.url.path)
            return errors.internal_error(request)

    return run


def gateway_app(routes: Iterable[Route], errors: GatewayErrors) -> Starlette:
    """The ASGI app serving `routes` (function endpoints), each under `guarded()`, in the order given.

    Starlette's own 404 and 405 are answered by `errors.unrouted` outside `/_sim/` and as `{"detail"}` under it;
    whatever escapes is `errors.internal_error`. A path is matched as written: no redirect adds or drops a slash.
    """

    async def not_served(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if errors.unrouted is not None and not is_sim(request):
            answer = errors.unrouted(request, status)
            if answer is not None:
                return answer
        return detail(status, exc.detail if isinstance(exc, HTTPException) else "error")

    async def escaped(request: Request, exc: Exception) -> Response:
        return errors.internal_error(request)

    app = Starlette(
        routes=[Route(r.path, guarded(r.endpoint, errors), methods=r.methods, name=r.name) for r in routes],
        exception_handlers={HTTPException: not_served, Exception: escaped},
    )
    app.router.redirect_slashes = False
    return app


# -- what a gateway recorded -------------------------------------------------------------------------------------------


class Records(Protocol[R]):
    """What a gateway records (a `CallLog`, Twilio's `MessageLog`...): narrowed by a predicate, found by id."""

    def filter(self, predicate: Callable[[R], bool], /) -> list[R]:
        """The records for which `predicate` holds, oldest first."""
        ...

    def get(self, record_id: str, /) -> R | None:
        """A record by id (`latest` names the newest), or None."""
        ...

    def clear(self, sandbox: str | None = None, /) -> int:
        """Forget records (of one sandbox, or all); how many were dropped."""
        ...


def equals(read: Callable[[R], object]) -> Filter[R]:
    """A filter: `read(record)`, as text, equals the query value (`status=400` matches 400, `error=None` None)."""
    return lambda record, value: str(read(record)) == value


def attributes_equal(*names: str) -> dict[str, Filter[Any]]:
    """Filters named as the record's attributes, each `equals()` that attribute."""
    return {name: equals(attrgetter(name)) for name in names}


def listing_route(
    path: str,
    records: Records[R],
    *,
    key: str,
    filters: Mapping[str, Filter[R]],
    describe: Callable[[R], dict[str, Any]],
) -> Route:
    """`GET {path}`: `{key: [describe(record)...], "total": n}`, the records every given query filter matches.

    A query parameter that names no filter is ignored.
    """

    async def list_records(request: Request) -> Response:
        query = request.query_params
        wanted = [(test, query[name]) for name, test in filters.items() if name in query]
        found = records.filter(lambda record: all(test(record, value) for test, value in wanted))
        return JSONResponse({key: [describe(record) for record in found], "total": len(found)})

    return Route(path, list_records, methods=["GET"])


def clearing_route(path: str, clear: Callable[[str | None], int]) -> Route:
    """`DELETE {path}`: `clear(sandbox)` (`?sandbox=` for one sandbox, else all), answered `{"deleted": n}`."""

    async def clear_records(request: Request) -> Response:
        return JSONResponse({"deleted": clear(request.query_params.get("sandbox"))})

    return Route(path, clear_records, methods=["DELETE"])


def recording_routes(
    path: str,
    records: Records[R],
    *,
    key: str,
    noun: str,
    filters: Mapping[str, Filter[R]],
    describe: Callable[[R], dict[str, Any]],
    clear: Callable[[str | None], int] | None = None,
    id_convertor: Literal["str", "path"] = "str",
) -> list[Route]:
    """List (`GET {path}`), forget (`DELETE {path}`) and fetch (`GET {path}/{id}`) what a gateway recorded.

    `key` names the list in the listing (`"notifications"`, `"messages"`), `noun` one record in a 404 (`"no
    message 'x'"`); `clear` forgets more than `records` does (default `records.clear`); `id_convertor="path"` lets
    an id hold a slash.
    """

    async def get_record(request: Request) -> Response:
        record_id = request.path_params["id"]
        record = records.get(record_id)
        if record is None:
            return detail(404, f"no {noun} {record_id!r}")
        return JSONResponse(describe(record))

    return [
        listing_route(path, records, key=key, filters=filters, describe=describe),
        clearing_route(path, clear or records.clear),
        Route(f"{path}/{{id:{id_convertor}}}", get_record, methods=["GET"]),
    ]


# -- faults, health, reset ---------------------------------------------------------------------------------------------


def fault_routes(faults: FaultInjector, *, check: Callable[[FaultRule], None] | None = None) -> list[Route]:
    """`GET`/`POST`/`DELETE /_sim/faults` over `faults`.

    `POST` validates a `FaultRule` (422 with the field path when it does not), then `check(rule)`, which raises
    ValueError (422, its message the detail, through `INVALID_VALUE`) when the provider cannot fail that way.
    """

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [rule.model_dump() for rule in faults.rules]})

    async def add_fault(request: Request) -> Response:
        rule = FaultRule.model_validate_json(await request.body())
        if check is not None:
            check(rule)
        faults.add(rule)
        return JSONResponse(rule.model_dump(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        dropped = len(faults.rules)
        faults.clear()
        return JSONResponse({"deleted": dropped})

    return [
        Route("/_sim/faults", list_faults, methods=["GET"]),
        Route("/_sim/faults", add_fault, methods=["POST"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
    ]


def health_route(service: str, *, details: Callable[[], dict[str, Any]] | None = None) -> Route:
    """`GET /_sim/health`: `{"status": "ok", "service": service}`, and `details()` after them."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": service, **(details() if details is not None else {})})

    return Route("/_sim/health", health, methods=["GET"])


def reset_route(reset: Callable[[], None]) -> Route:
    """`POST /_sim/reset`: `reset()`, answered `{"reset": true}`."""

    async def reset_gateway(request: Request) -> Response:
        reset()
        return JSONResponse({"reset": True})

    return Route("/_sim/reset", reset_gateway, methods=["POST"])
