"""The `docker` stack mode: `mjlab serve` in a container started by testcontainers.

`start_container(exit_stack, seed)` starts `$MJLAB_IMAGE` (default `mjlab/mjlab:dev`, built by `docker/build.sh`) and
returns a `ServedStack` once the server answers:

1. testcontainers gets the environment these machines need unless the user set it (`TESTCONTAINERS_DEFAULTS`);
2. a Docker engine must answer and the image must exist, else `StackUnavailable` says in one line what to do;
3. the container runs the image's `mjlab serve` with `--clock virtual --seed SEED`, every port the image exposes
   published on a free loopback port (so ports in use on the host never collide);
4. it is ready when `/_sim/health` answers 200 and `endpoints.json` is written; a container that exits or is not
   ready within `START_TIMEOUT` raises `StackUnavailable` with the end of its log;
5. each URL of `endpoints.json` (as seen inside the container) keeps its scheme and gets the host and published port
   of its container port, whatever keys the server lists.

`exit_stack` removes the container. `container_log(id)` reads its log, for failing scenarios.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import socket
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from harness.options import DEFAULT_SEED
from harness.runtime import ServedStack, StackUnavailable
from simulator.clock import monotonic, wait_real

DEFAULT_IMAGE = "mjlab/mjlab:dev"
ENDPOINTS_FILE = "/var/lib/mjlab/endpoints.json"
CORE_PORT = 8500
START_TIMEOUT = 60.0
LOG_TAIL = 40
#: Set by a CI run so it can remove, by label, whatever containers it started and a crash left behind.
RUN_ID_VARIABLE = "MJLAB_DOCKER_RUN_ID"
RUN_LABEL = "io.mjlab.run"
STACK_LABEL = "io.mjlab.stack"

#: What testcontainers needs on these machines, unless the user set it (docker/ci-env.sh sets the same).
TESTCONTAINERS_DEFAULTS = {
    # Ryuk, the reaper, is an image on Docker Hub, which cannot be pulled here; our exit stack removes the container.
    "TESTCONTAINERS_RYUK_DISABLED": "true",
    # These machines have /.dockerenv, so testcontainers would believe it runs in a container and connect to the
    # bridge gateway; connect to the published ports on the host instead, on loopback.
    "TESTCONTAINERS_CONNECTION_MODE": "docker_host",
    "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
}

#: Any engine answers a ping at this API version; the client asks no more of the engine until testcontainers starts.
MIN_API_VERSION = "1.24"
DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
NO_ENGINE = "no Docker engine answers: install Docker or run `docker/engine.sh` (as root)"


def image_name() -> str:
    """The image the docker mode starts."""
    return os.environ.get("MJLAB_IMAGE") or DEFAULT_IMAGE


def unavailable_reason(*, need_image: bool = True) -> str | None:
    """Why the docker mode cannot start here (no testcontainers, no engine, no image), or None when it can."""
    try:
        _testcontainers()
        _require_engine()
        if need_image:
            _image_attrs(image_name())
    except StackUnavailable as error:
        return str(error)
    return None


#: The base port the image documents (`mjlab serve --port 8500`); its exposed ports are offsets from it.
IMAGE_BASE_PORT = 8500


def _free_block(offsets: list[int]) -> int:
    """A base port such that base + every offset is free on loopback here."""
    for base in range(20_000, 60_000, 37):
        taken = []
        try:
            for offset in offsets:
                probe = socket.socket()
                taken.append(probe)
                probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for probe in taken:
                probe.close()
    raise StackUnavailable("no free block of loopback ports for the container")


def start_container(
    exit_stack: contextlib.ExitStack, seed: str = DEFAULT_SEED, *, extra_args: tuple[str, ...] = ()
) -> ServedStack:
    """Start the image with a virtual clock, wait until it is ready, and return its endpoints as reached from here.

    `extra_args` go after `--clock virtual --seed SEED` on the server's command line.
    """
    DockerContainer, errors = _testcontainers()
    _require_engine()
    image = image_name()
    ports = _exposed_ports(_image_attrs(image))
    # The server listens inside on the same ports it is published on outside, so the URLs it writes into its own
    # answers (tracked email links, a service account's token_uri, webhook URLs) are right from here too.
    base = _free_block([port - IMAGE_BASE_PORT for port in ports])
    command = ["--clock", "virtual", "--seed", seed, "--port", str(base), *extra_args]
    container = DockerContainer(image).with_command(command)
    exit_stack.callback(container.stop)  # removes the container (if started) and closes the client
    bindings: dict[str, Any] = container.ports
    for port in ports:
        inside = base + port - IMAGE_BASE_PORT
        bindings[f"{inside}/tcp"] = ("127.0.0.1", inside)
    run_id = os.environ.get(RUN_ID_VARIABLE)
    container.with_kwargs(labels={STACK_LABEL: "docker", **({RUN_LABEL: run_id} if run_id else {})})
    try:
        container.start()
    except errors.DockerException as error:
        raise StackUnavailable(f"docker could not start {image}: {_first_line(error)}") from None
    wrapped = container.get_wrapped_container()
    endpoints = _wait_until_ready(container, wrapped, image, base)
    published = _published_ports(wrapped.attrs)
    return ServedStack(
        "docker",
        rewrite_endpoints(endpoints, container.get_container_host_ip(), published, image),
        container_id=container.get_container_id(),
    )


def container_log(container_id: str, lines: int | None = None) -> str:
    """The last `lines` lines of a container's log (all of it when `lines` is None)."""
    _, errors = _testcontainers()
    try:
        with _docker_client() as client:
            raw: bytes = client.containers.get(container_id).logs(tail=lines if lines else "all")
    except errors.DockerException as error:
        return f"(the log of container {container_id[:12]} cannot be read: {_first_line(error)})\n"
    return raw.decode(errors="replace")


def rewrite_endpoints(
    endpoints: Mapping[str, str], host: str, published: Mapping[int, int], image: str = DEFAULT_IMAGE
) -> dict[str, str]:
    """Each URL with `host` and the published port of its container port, scheme and path kept."""
    reachable: dict[str, str] = {}
    for name, url in endpoints.items():
        parts = urlsplit(url)
        if parts.port is None:
            raise StackUnavailable(f"endpoints.json of {image} lists {name} = {url!r}, with no port")
        if parts.port not in published:
            raise StackUnavailable(
                f"{image} serves {name} on container port {parts.port}, which it does not expose: "
                f"add it to EXPOSE in docker/Dockerfile and rebuild with `docker/build.sh`"
            )
        reachable[name] = urlunsplit(parts._replace(netloc=_netloc(host, published[parts.port])))
    return reachable


def _testcontainers() -> tuple[Any, Any]:
    """testcontainers' `DockerContainer` and docker's `errors`, imported once its environment is set."""
    defaulted = [name for name in TESTCONTAINERS_DEFAULTS if name not in os.environ]
    for name in defaulted:
        os.environ[name] = TESTCONTAINERS_DEFAULTS[name]
    try:
        from testcontainers.core.config import ConnectionMode, testcontainers_config
        from testcontainers.core.container import DockerContainer

        errors = importlib.import_module("docker.errors")  # by name: for mypy, the docker/ folder shadows it
    except ImportError as error:
        raise StackUnavailable(
            f"--stack docker needs testcontainers ({error}): `.venv/bin/pip install -e '.[dev]'`"
        ) from None
    # testcontainers reads its environment when first imported, which may have been before we set it.
    if "TESTCONTAINERS_RYUK_DISABLED" in defaulted:
        testcontainers_config.ryuk_disabled = True
    if "TESTCONTAINERS_CONNECTION_MODE" in defaulted:
        testcontainers_config.connection_mode_override = ConnectionMode.docker_host
    if "TESTCONTAINERS_HOST_OVERRIDE" in defaulted and "TC_HOST" not in os.environ:
        testcontainers_config.tc_host_override = TESTCONTAINERS_DEFAULTS["TESTCONTAINERS_HOST_OVERRIDE"]
    return DockerContainer, errors


def _require_engine() -> None:
    """Raise `StackUnavailable` unless a Docker engine answers.

    A local socket is probed with a socket of our own first: docker-py leaks the socket of a failed connection.
    """
    host = _docker_host()
    if host.startswith("unix://"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(5)
            try:
                probe.connect(host.removeprefix("unix://"))
            except OSError as error:
                raise StackUnavailable(f"{NO_ENGINE} ({host}: {error.strerror or error})") from None
    try:
        with _docker_client() as client:
            client.ping()
    except Exception as error:  # requests' connection errors as much as docker's own
        raise StackUnavailable(f"{NO_ENGINE} ({host}: {_first_line(error)})") from None


def _image_attrs(image: str) -> dict[str, Any]:
    """`docker image inspect` of the image; `StackUnavailable` saying how to build it when it is missing."""
    _, errors = _testcontainers()
    try:
        with _docker_client() as client:
            attrs: dict[str, Any] = client.images.get(image).attrs
    except errors.ImageNotFound:
        raise StackUnavailable(
            f"no Docker image {image}: build it with `docker/build.sh` (or set MJLAB_IMAGE to an image that exists)"
        ) from None
    return attrs


def _docker_host() -> str:
    """The engine testcontainers talks to: its tc.host property, DOCKER_HOST or the docker context; else the socket."""
    from testcontainers.core.docker_client import get_docker_host

    return get_docker_host() or DEFAULT_DOCKER_HOST


@contextlib.contextmanager
def _docker_client() -> Iterator[Any]:
    """A docker-py client for the same engine, closed on exit."""
    docker = importlib.import_module("docker")  # by name: for mypy, the repository's docker/ folder shadows it
    client = docker.DockerClient(base_url=_docker_host(), version=MIN_API_VERSION, timeout=30)
    try:
        yield client
    finally:
        client.close()


def _exposed_ports(image_attrs: Mapping[str, Any]) -> list[int]:
    """The TCP ports the image exposes (`EXPOSE`), the core's always among them."""
    exposed = (image_attrs.get("Config") or {}).get("ExposedPorts") or {}
    ports = {int(key.split("/")[0]) for key in exposed if key.endswith("/tcp")}
    return sorted(ports | {CORE_PORT})


def _published_ports(container_attrs: Mapping[str, Any]) -> dict[int, int]:
    """Container port -> host port, from `docker inspect`'s NetworkSettings.Ports."""
    published: dict[int, int] = {}
    for key, bindings in ((container_attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
        if key.endswith("/tcp") and bindings:
            published[int(key.split("/")[0])] = int(bindings[0]["HostPort"])
    return published


def _wait_until_ready(container: Any, wrapped: Any, image: str, core_port: int = 0) -> dict[str, str]:
    """Wait until `/_sim/health` answers 200 and endpoints.json is written; return its endpoints."""
    deadline = monotonic() + START_TIMEOUT
    last = "no answer yet"
    health: str | None = None
    while True:
        wrapped.reload()
        if wrapped.status in ("exited", "dead"):
            code = wrapped.attrs.get("State", {}).get("ExitCode")
            raise StackUnavailable(f"the {image} container exited (code {code}) before it was ready; its log:\n"
                                   + _tail(wrapped))  # fmt: skip
        if health is None and wrapped.status == "running":
            core = _published_ports(wrapped.attrs).get(core_port or CORE_PORT)
            if core is not None:
                health = f"http://{_netloc(container.get_container_host_ip(), core)}/_sim/health"
        if health is not None:
            with contextlib.suppress(httpx.HTTPError):
                response = httpx.get(health, timeout=2)
                last = f"answered {response.status_code}"
                if response.status_code == 200:
                    result = wrapped.exec_run(["cat", ENDPOINTS_FILE])
                    if result.exit_code == 0:
                        return {str(k): str(v) for k, v in json.loads(result.output).items()}
                    last = f"answered 200 but {ENDPOINTS_FILE} is not written yet"
        if monotonic() > deadline:
            raise StackUnavailable(
                f"the {image} container was not ready within {START_TIMEOUT:.0f} s "
                f"({health or f'port {core_port or CORE_PORT} not published'}: {last}); its log:\n" + _tail(wrapped)
            )
        wait_real(0.1)


def _tail(wrapped: Any) -> str:
    try:
        raw: bytes = wrapped.logs(tail=LOG_TAIL)
    except Exception as error:  # the log is a courtesy on a path that already fails
        return f"(cannot read it: {_first_line(error)})"
    return raw.decode(errors="replace").rstrip() or "(empty)"


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
