"""`--stack docker`: the features against `$MJLAB_IMAGE` in a container started by testcontainers.

The tests that start containers run only where a Docker engine answers and the image exists, built after the last
change to the server's sources (`docker/ci.sh` gets both; `.ci/run` runs this module again once it has); the others —
a missing engine, the endpoint rewriting — run everywhere.
"""

from __future__ import annotations

import contextlib
import importlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from stack_runs import FAILING_FEATURE, INI, PUSH_FEATURE, RECORDING_TESTS, REPO, mjlab_run, recorded

from harness import docker as docker_mode
from harness.runtime import StackUnavailable

pytestmark = pytest.mark.network

#: What goes into the server the image runs: an image older than any of them runs yesterday's server.
SERVER_SOURCES = ("simulator", "harness/cli.py", "harness/commands", "pyproject.toml")


def stale_image_reason() -> str | None:
    """Why the image does not run the server of this checkout (it was built before a source changed), or None."""
    client = importlib.import_module("docker").from_env()
    try:
        created = client.images.get(docker_mode.image_name()).attrs["Created"]
    finally:
        client.close()
    built = datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
    paths = [REPO / name for name in SERVER_SOURCES]
    files = [f for path in paths for f in ([path] if path.is_file() else path.rglob("*.py"))]
    newest = max(files, key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime > built:
        return f"{docker_mode.image_name()} was built before {newest.relative_to(REPO)} changed: run docker/build.sh"
    return None


UNAVAILABLE = docker_mode.unavailable_reason() or stale_image_reason()
needs_docker = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"docker mode not tested here: {UNAVAILABLE}")


def containers_of_ours() -> list[str]:
    """Ids of the containers the docker mode started that still exist."""
    client = importlib.import_module("docker").from_env()
    try:
        return [c.id for c in client.containers.list(all=True, filters={"label": docker_mode.STACK_LABEL})]
    finally:
        client.close()


@pytest.fixture
def no_leftovers() -> Any:
    """Fail if a test leaves a container of ours behind."""
    before = set(containers_of_ours())
    yield
    assert set(containers_of_ours()) - before == set()


@needs_docker
@pytest.mark.usefixtures("no_leftovers")
def test_push_feature_passes_in_a_container(tmp_path: Path) -> None:
    run = mjlab_run(PUSH_FEATURE, "--stack", "docker", reports=tmp_path)

    assert run.status == 0, run.output
    assert len(run.outcomes) >= 12
    assert set(run.outcomes.values()) == {"passed"}


@needs_docker
@pytest.mark.usefixtures("no_leftovers")
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


@needs_docker
@pytest.mark.usefixtures("no_leftovers")
def test_a_failing_scenario_shows_the_container_log(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makefile(".feature", fail=FAILING_FEATURE)

    result = pytester.runpytest_subprocess("--stack", "docker", timeout=60)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*mjlab server log (docker container *), last 200 lines*"])


@needs_docker
@pytest.mark.usefixtures("no_leftovers")
def test_a_container_that_never_gets_healthy_shows_its_log() -> None:
    with contextlib.ExitStack() as stack, pytest.raises(StackUnavailable) as caught:
        docker_mode.start_container(stack, extra_args=("--port", "70000"))

    message = str(caught.value)
    assert "container exited (code 2) before it was ready; its log:" in message
    assert "--port must be between" in message


@needs_docker
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
