"""Features against a server outside the test process: `--stack url=` against a running `mjlab serve`, and
pytest-xdist workers sharing the one `network` server their controller started, with a serial run's results."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from stack_runs import FAILING_FEATURE, INI, PUSH_FEATURE, RECORDING_TESTS, mjlab_run, mjlab_serve, recorded

pytestmark = pytest.mark.network


def test_url_mode_runs_the_push_feature_against_a_running_server(tmp_path: Path) -> None:
    with mjlab_serve() as endpoints:
        run = mjlab_run(PUSH_FEATURE, "--stack", f"url={endpoints['core']}", reports=tmp_path)

        assert run.status == 0, run.output
        assert len(run.outcomes) >= 12
        assert set(run.outcomes.values()) == {"passed"}
        # every scenario closed its sandbox: the server is left as it was found
        assert httpx.get(endpoints["core"] + "/_sim/sandboxes").json()["sandboxes"] == ["prod"]


def test_url_mode_says_when_no_server_answers(tmp_path: Path) -> None:
    run = mjlab_run(PUSH_FEATURE, "--stack", "url=http://127.0.0.1:9", reports=tmp_path)

    assert run.status == 3
    assert "no Mobile Journey Lab server answers at http://127.0.0.1:9" in run.output
    assert "Traceback" not in run.output


def test_network_workers_share_one_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "records"
    out.mkdir()
    pytester.makeini(INI)
    pytester.makepyfile(test_recording=RECORDING_TESTS.format(out=str(out)))

    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist", "--stack", "network", timeout=90)

    result.assert_outcomes(passed=8)
    records = recorded(out)
    assert {r["worker"] for r in records} == {"gw0", "gw1"}
    assert len({r["core"] for r in records}) == 1, records
    for record in records:
        assert record["sandbox"] in record["open"]
        assert str(record["sandbox"]).startswith(str(record["worker"]) + "-")
    with pytest.raises(httpx.ConnectError):  # the controller stopped it
        httpx.get(str(records[0]["core"]) + "/_sim/health")


def test_two_workers_on_one_network_server_give_the_serial_results(tmp_path: Path) -> None:
    parallel = mjlab_run(PUSH_FEATURE, "--stack", "network", "-n", "2", reports=tmp_path / "parallel")
    serial = mjlab_run(PUSH_FEATURE, "--stack", "inprocess", reports=tmp_path / "serial")

    assert parallel.status == 0, parallel.output
    assert parallel.outcomes == serial.outcomes
    assert len(parallel.outcomes) >= 12


def test_a_failing_scenario_shows_the_server_log(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makefile(".feature", fail=FAILING_FEATURE)

    result = pytester.runpytest_subprocess("--stack", "network", timeout=60)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*mjlab server log (mjlab serve, log */server.log), last 200 lines*"])
