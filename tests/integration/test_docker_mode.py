"""`--stack docker`: the features against `$MJLAB_IMAGE` in a container started by testcontainers.

The tests that start containers run only where a Docker engine answers and the image runs this checkout's server
(`docker/ci.sh` builds it); the others — no engine, the endpoint rewriting — run everywhere. `.ci/run` runs this module
right after building the image, with `MJLAB_DOCKER_IMAGE_FRESH=1` (no source comparison: the image was just built
from this checkout), and fails if anything here skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stack_runs import FAILING_FEATURE, INI, PUSH_FEATURE, RECORDING_TESTS, REPO, mjlab_run, recorded

from harness import docker as docker_mode
from harness.runtime import StackUnavailable
from simulator.clock import monotonic, wait_real

pytestmark = pytest.mark.network

#: The sources of the server the image runs (the steps and fixtures run here, not in the image).
SERVER_SOURCES = ("simulator", "harness/cli.py", "harness/commands")
#: Run in the image: the sha256 of each of those files as installed there.
HASH_INSTALLED = """
import hashlib, json, pathlib, simulator
site = pathlib.Path(simulator.__file__).parent.parent
names = {names!r}
files = [f for n in names for f in ([site / n] if n.endswith(".py") else (site / n).rglob("*.py"))]
print(json.dumps({{str(f.relative_to(site)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}}))
"""


@contextlib.contextmanager
def docker_client() -> Iterator[Any]:
    client = importlib.import_module("docker").from_env()
    try:
        yield client
    finally:
        client.close()


def outdated_image_reason() -> str | None:
    """Which server sources of this checkout differ from those in the image, or None when they are the same."""
    here = {
        str(f.relative_to(REPO)): hashlib.sha256(f.read_bytes()).hexdigest()
        for name in SERVER_SOURCES
        for f in ([REPO / name] if name.endswith(".py") else (REPO / name).rglob("*.py"))
    }
    script = HASH_INSTALLED.format(names=SERVER_SOURCES)
    with docker_client() as client:
        output = client.containers.run(
            docker_mode.image_name(), ["-c", script], entrypoint="python", remove=True, network_disabled=True
        )
    there: dict[str, str] = json.loads(output)
    differ = sorted(name for name in here.keys() | there.keys() if here.get(name) != there.get(name))
    if not differ:
        return None
    shown = ", ".join(differ[:3]) + (f" and {len(differ) - 3} more" if len(differ) > 3 else "")
    return f"{docker_mode.image_name()} runs other sources than this checkout ({shown}): run docker/build.sh"


@pytest.fixture(scope="module")
def engine() -> None:
    """Skip unless a Docker engine answers."""
    reason = docker_mode.unavailable_reason(need_image=False)
    if reason is not None:
        pytest.skip(f"docker mode not tested here: {reason}")


@pytest.fixture(scope="module")
def image(engine: None) -> str:
    """Skip unless the image exists and runs this checkout's server; its name."""
    reason = docker_mode.unavailable_reason()
    if reason is None and os.environ.get("MJLAB_DOCKER_IMAGE_FRESH") != "1":
        reason = outdated_image_reason()
    if reason is not None:
        pytest.skip(f"docker mode not tested here: {reason}")
    return docker_mode.image_name()


def containers_of_ours() -> set[str]:
    """Ids of the containers the docker mode started that still exist."""
    with docker_client() as client:
        return {c.id for c in client.containers.list(all=True, filters={"label": docker_mode.STACK_LABEL})}


@pytest.fixture
def no_leftovers(engine: None) -> Iterator[None]:
    """Fail if a test leaves a container of ours behind."""
    before = containers_of_ours()
    yield
    assert containers_of_ours() - before == set()


@pytest.mark.usefixtures("image", "no_leftovers")
def test_push_feature_passes_in_a_container(tmp_path: Path) -> None:
    run = mjlab_run(PUSH_FEATURE, "--stack", "docker", reports=tmp_path)

    assert run.status == 0, run.output
    assert len(run.outcomes) >= 12
    assert set(run.outcomes.values()) == {"passed"}


@pytest.mark.usefixtures("image", "no_leftovers")
def test_docker_workers_share_one_container(pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "records"
    out.mkdir()
    pytester.makeini(INI)
    pytester.makepyfile(test_recording=RECORDING_TESTS.format(out=str(out)))

    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--stack", "docker", timeout=90)

    result.assert_outcomes(passed=8)
    records = recorded(out)
    assert {r["worker"] for r in records} == {"gw0", "gw1"}
    containers = {r["container"] for r in records}
    assert len(containers) == 1, records
    assert None not in containers
    assert len({r["core"] for r in records}) == 1


@pytest.mark.usefixtures("image", "no_leftovers")
def test_a_failing_scenario_shows_the_container_log(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makefile(".feature", fail=FAILING_FEATURE)

    result = pytester.runpytest_subprocess("--stack", "docker", timeout=60)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*mjlab server log (docker container *), last 200 lines*"])


@pytest.mark.usefixtures("image", "no_leftovers")
def test_a_container_that_never_gets_healthy_shows_its_log() -> None:
    with contextlib.ExitStack() as stack, pytest.raises(StackUnavailable) as caught:
        docker_mode.start_container(stack, extra_args=("--port", "70000"))

    message = str(caught.value)
    assert "container exited (code 2) before it was ready; its log:" in message
    assert "--port must be between" in message


@pytest.mark.usefixtures("engine")
def test_a_missing_image_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MJLAB_IMAGE", "mjlab/no-such-image:never")

    with contextlib.ExitStack() as stack, pytest.raises(StackUnavailable, match=r"docker/build\.sh"):
        docker_mode.start_container(stack)


def test_no_engine_is_one_clear_line(tmp_path: Path) -> None:
    socket = tmp_path / "no-docker.sock"
    run = mjlab_run(PUSH_FEATURE, "--stack", "docker", reports=tmp_path, env={"DOCKER_HOST": f"unix://{socket}"})

    assert run.status == 3
    assert f"mjlab: {docker_mode.NO_ENGINE} (unix://{socket}: No such file or directory)" in run.output
    assert "Traceback" not in run.output
    assert "ResourceWarning" not in run.output


def test_endpoints_get_the_published_port_of_their_container_port() -> None:
    inside = {"core": "http://127.0.0.1:8500", "apns": "http://127.0.0.1:8501", "smtp": "smtp://127.0.0.1:8525"}
    published = {8500: 32768, 8501: 32769, 8525: 32770}

    assert docker_mode.rewrite_endpoints(inside, "127.0.0.1", published) == {
        "core": "http://127.0.0.1:32768",
        "apns": "http://127.0.0.1:32769",
        "smtp": "smtp://127.0.0.1:32770",
    }
    assert docker_mode.rewrite_endpoints({"core": "http://0.0.0.0:8500/"}, "::1", published) == {
        "core": "http://[::1]:32768/"
    }


def test_an_endpoint_on_a_port_the_image_does_not_expose_is_named() -> None:
    with pytest.raises(StackUnavailable, match=r"serves twilio on container port 8504, which it does not expose"):
        docker_mode.rewrite_endpoints({"twilio": "http://127.0.0.1:8504"}, "127.0.0.1", {8500: 1})


@pytest.mark.usefixtures("image", "no_leftovers")
def test_the_images_health_check_follows_the_port_the_server_listens_on() -> None:
    # `--stack docker` starts the server on ports other than the image's 8500: Docker must still see it healthy.
    with contextlib.ExitStack() as stack:
        served = docker_mode.start_container(stack)
        assert served.container_id is not None
        with docker_client() as client:
            container = client.containers.get(served.container_id)
            deadline = monotonic() + 40
            status = None
            while monotonic() < deadline:
                container.reload()
                status = container.attrs["State"]["Health"]["Status"]
                if status != "starting":
                    break
                wait_real(0.5)
            assert status == "healthy", container.attrs["State"]["Health"]
