"""The ``flyte-nb`` command: ``demo``, ``run``, ``runs``, ``server start|stop|status``, ``apps``,
``artifacts``, ``secrets set|list|delete``, ``image dockerfile|name|exists``.

Kept to argparse so the command starts as fast as the library imports; each subcommand
imports only what it uses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from ._apps import add_apps_parser
from ._artifacts import add_artifacts_parser
from ._conditions import add_conditions_parser
from ._gc import add_gc_parser
from ._image import add_image_parser
from ._invocation import flyte_nb_command
from ._load import load_object
from ._secrets import add_secrets_parser
from ._server import add_server_parser
from ._triggers import add_triggers_parser

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    import flyte_nb as fl

    from ._demo import main as demo_main

    start = time.perf_counter()
    if args.local:
        fl.init(local=True)
    else:
        from flyte_nb.client import current

        fl.init()  # the embedded backend of this home: started if none answers
        session = current()
        assert session is not None
        print(f"backend: {session.endpoint} (started in {time.perf_counter() - start:.2f} s)")
    start = time.perf_counter()
    run = fl.run(demo_main, n=args.n).wait()
    elapsed = time.perf_counter() - start
    actions = run.actions()
    hits = sum(a.cache_hit for a in actions)
    print(f"run {run.name} ({run.mode}): {run.phase}, output {run.outputs()}")
    print(f"{len(actions)} actions ({hits} from cache) in {elapsed:.3f} s")
    print(f"records: {fl._config.database_path()}")
    command = flyte_nb_command()
    print(f"list runs:   {command} runs")
    print(f"in Python:   flyte_nb.remote.Run.get({run.name!r})")
    if not args.local:
        print(f"the backend keeps running for your notebooks; stop it: {command} server stop")
    from flyte_nb.jupyter import panel_not_built

    missing = panel_not_built()
    if missing is not None:
        print(f"note: {missing}")
    return 0


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _run(args: argparse.Namespace) -> int:
    import flyte_nb as fl
    from flyte_nb.tasks import TaskTemplate

    task = load_object("run", args.file, args.task, TaskTemplate, "a task")
    if task is None:
        return 2
    inputs: dict[str, Any] = {}
    for item in args.inputs:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"flyte-nb run: inputs are name=value, got {item!r}", file=sys.stderr)
            return 2
        inputs[key] = _parse_value(value)
    run = fl.with_runcontext(name=args.name).run(task, **inputs)
    print(f"run {run.name}: {run.phase}")
    print(json.dumps(run.outputs(), default=repr))
    return 0


def _runs(args: argparse.Namespace) -> int:
    import flyte_nb as fl

    runs = fl.remote.Run.listall(phase=args.phase, limit=args.limit)
    if not runs:
        print(f"no runs recorded yet; try `{flyte_nb_command()} demo`")
        return 0
    print(f"{'name':<22} {'task':<28} {'phase':<10} {'actions':>7} {'seconds':>8}")
    for run in runs:
        secs = f"{run.duration:.3f}" if run.duration is not None else "-"
        print(f"{run.name:<22} {run.task_name:<28} {run.phase:<10} {run.action_count:>7} {secs:>8}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flyte-nb",
        description=(
            "flyte_nb's command line: run the demo or a task from a file, list runs, and "
            "manage the local backend, its secrets, images, artifacts and apps."
        ),
        epilog="Run `flyte-nb COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the demo fan-out on the embedded backend")
    demo.add_argument("--n", type=int, default=100, help="number of squares (default 100)")
    demo.add_argument(
        "--local", action="store_true", help="run in this process instead of on the backend"
    )
    demo.set_defaults(func=_demo)
    run = sub.add_parser(
        "run", help="run a task from a Python file: run FILE TASK [name=value ...]"
    )
    run.add_argument("file")
    run.add_argument("task")
    run.add_argument("inputs", nargs="*", help="inputs as name=value (values parsed as JSON)")
    run.add_argument("--name", default=None, help="run name (default: random)")
    run.set_defaults(func=_run)
    runs = sub.add_parser("runs", help="list recorded runs, newest first")
    runs.add_argument("--phase", default=None)
    runs.add_argument("--limit", type=int, default=20)
    runs.set_defaults(func=_runs)
    add_server_parser(sub)
    add_secrets_parser(sub)
    add_image_parser(sub)
    add_artifacts_parser(sub)
    add_apps_parser(sub)
    add_triggers_parser(sub)
    add_conditions_parser(sub)
    add_gc_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:  # a user's error: one line, not our traceback
        from flyte_nb.exceptions import FlyteNbException

        if isinstance(exc, FlyteNbException):
            print(f"flyte-nb {args.command}: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
