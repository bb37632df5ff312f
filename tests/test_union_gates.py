"""Gate nodes (``approve``, ``wait_for_input``, ``sleep``) on a real backend process, answered
with ``UnionRemote``; their local (kernel) behaviour in a real subprocess with a stdin; and
their bad inputs."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server, wait_for

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.exceptions import FlyteValidationException, RunNotFoundError
from flyte_nb.remote import UnionRemote
from flyte_nb.union import approve, sleep, task, wait_for_input, workflow

HOUR = datetime.timedelta(hours=1)


@task
def make_report(n: int) -> str:
    return f"report of {n}"


@task
def publish(report: str, title: str) -> str:
    return f"{title}: {report}"


@workflow
def review(n: int) -> str:
    report = make_report(n=n)
    title = wait_for_input(name="title", timeout=HOUR, expected_type=str)
    approved = approve(report, name="approve-report", timeout=HOUR)
    return publish(report=approved, title=title)


@workflow
def nap() -> str:
    pause = sleep(datetime.timedelta(seconds=0.2))
    report = make_report(n=1)
    pause >> report
    return report


@workflow
def short_wait() -> int:
    return wait_for_input(name="count", timeout=datetime.timedelta(seconds=0.5), expected_type=int)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _daemon.ServerInfo]]:
    home = tmp_path_factory.mktemp("gates-home")
    with running_server(home) as info:
        yield home, info


@pytest.fixture
def remote(server: tuple[Path, _daemon.ServerInfo], home: Path) -> UnionRemote:
    fl.init(home=server[0])
    return UnionRemote()


def _waiting(remote: UnionRemote, run: str, *names: str) -> None:
    def ready() -> bool:
        states = {s.id: s.state for s in remote.list_signals(run)}
        return all(states.get(n) == "WAITING" for n in names)

    wait_for(ready, 30, f"signals {names} of {run}")


def test_gates_wait_for_answers_then_the_workflow_goes_on(remote: UnionRemote) -> None:
    ex = remote.execute(review, inputs={"n": 3})
    _waiting(remote, ex.id.name, "title", "approve-report")
    signals = {s.id: s for s in remote.list_signals(ex.id.name)}
    assert (signals["title"].kind, signals["title"].type) == ("input", "str")
    assert (signals["approve-report"].kind, signals["approve-report"].type) == ("approve", "bool")
    assert remote.sync(ex).phase == "RUNNING"  # nothing finishes while the gates wait

    with pytest.raises(FlyteValidationException, match="expects a str"):
        remote.set_input("title", ex.id.name, 5)  # the backend checks the gate's type
    answered = remote.set_input("title", ex.id.name, "Weekly")
    assert (answered.state, answered.value) == ("SET", "Weekly")
    with pytest.raises(FlyteValidationException, match="already answered"):
        remote.set_input("title", ex.id.name, "Again")
    remote.approve("approve-report", ex.id.name)

    done = remote.wait(ex, timeout=60)
    assert done.outputs == {"o0": "Weekly: report of 3"}
    gates = [a for a in done.node_executions.values() if a.task_name.startswith("flyte-nb-gates")]
    assert sorted(a.task_name for a in gates) == [
        "flyte-nb-gates.approve",
        "flyte-nb-gates.input",
    ]
    assert all(a.phase == "SUCCEEDED" for a in gates)


def test_a_rejected_approval_fails_the_workflow(remote: UnionRemote) -> None:
    ex = remote.execute(review, inputs={"n": 4})
    _waiting(remote, ex.id.name, "approve-report")
    remote.set_input("title", ex.id.name, "T")
    rejected = remote.reject("approve-report", ex.id.name)
    assert rejected.state == "REJECTED"
    done = remote.wait(ex, timeout=60)
    assert done.phase == "FAILED"
    assert "FlyteDisapprovedException" in str(done.error)


def test_sleep_and_a_gate_timeout(remote: UnionRemote) -> None:
    assert remote.execute(nap, wait=True).outputs == {"o0": "report of 1"}
    ex = remote.execute(short_wait, wait=True)
    assert ex.phase in ("FAILED", "TIMED_OUT")
    assert "not answered within" in str(ex.error)


def test_bad_answers(remote: UnionRemote) -> None:
    ex = remote.execute(review, inputs={"n": 5})
    _waiting(remote, ex.id.name, "approve-report")
    with pytest.raises(RunNotFoundError, match="no signal 'nope'"):
        remote.approve("nope", ex.id.name)
    with pytest.raises(FlyteValidationException, match="an approval"):
        remote.set_input("approve-report", ex.id.name, "yes please")
    with pytest.raises(FlyteValidationException, match="int, float, str or bool"):
        remote.set_input("title", ex.id.name, [1, 2])
    with pytest.raises(FlyteValidationException, match="execution_name"):
        remote.approve("approve-report", None)  # type: ignore[arg-type]
    remote.terminate(ex, cause="test over")


def test_gates_only_inside_workflows_and_checked() -> None:
    with pytest.raises(FlyteValidationException, match="inside a @workflow body"):
        approve(1, name="x", timeout=HOUR)

    @workflow
    def bad_type() -> list[int]:
        return wait_for_input(name="xs", timeout=HOUR, expected_type=list)

    @workflow
    def bad_sleep() -> None:
        sleep(datetime.timedelta(seconds=-1))

    @workflow
    def bad_name() -> int:
        return wait_for_input(name="has space", timeout=HOUR, expected_type=int)

    # A workflow body runs (and so checks its gates) when it is compiled: on first call.
    for wf, message in [
        (bad_type, "expected_type must be one of"),
        (bad_sleep, "positive datetime.timedelta"),
        (bad_name, "signal name"),
    ]:
        with pytest.raises(FlyteValidationException, match=message):
            wf.compile()


_LOCAL = textwrap.dedent(
    """
    import datetime
    from flyte_nb.union import approve, task, wait_for_input, workflow

    @task
    def double(x: int) -> int:
        return 2 * x

    @workflow
    def wf() -> int:
        x = wait_for_input(name="x", timeout=datetime.timedelta(hours=1), expected_type=int)
        return approve(double(x=x), name="ok", timeout=datetime.timedelta(hours=1))

    try:
        print("result", wf())
    except Exception as exc:
        print("error", type(exc).__name__, exc)
    """
)


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ("21\ny\n", "result 42"),
        ("21\nn\n", "error FlyteDisapprovedException"),
        ("", "error GateNotAnsweredError"),
    ],
)
def test_local_gates_ask_on_stdin(home: Path, tmp_path: Path, stdin: str, expected: str) -> None:
    script = tmp_path / "wf.py"
    script.write_text(_LOCAL)
    out = subprocess.run(
        [sys.executable, str(script)], input=stdin, capture_output=True, text=True, timeout=120
    )
    assert expected in out.stdout, out.stdout + out.stderr
