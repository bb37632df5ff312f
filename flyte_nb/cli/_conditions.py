"""``flyte-nb conditions RUN [NAME VALUE]``: list a run's conditions and gates, or answer one.

Flyte 2's ``new_condition`` and flytekit's gates wait on the same signals; the answer is
typed by the condition (``yes``/``no`` for a bool, a number for an int or float).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_conditions_parser"]


def _conditions(args: argparse.Namespace) -> int:
    import flyte_nb as fl
    from flyte_nb.exceptions import FlyteValidationException
    from flyte_nb.union._gates import parse_signal_text

    fl.init()
    remote = fl.UnionRemote()
    signals = remote.list_signals(args.run)
    if args.name is None:
        if not signals:
            print(f"run {args.run} has no conditions waiting or answered (yet)")
            return 0
        print(f"{'name':<30} {'type':<6} {'state':<9} value")
        for s in signals:
            value = "" if s.value is None else repr(s.value)
            print(f"{s.id:<30} {s.type:<6} {s.state:<9} {value}")
        return 0
    if args.value is None:
        raise FlyteValidationException(
            f"give the answer too: flyte-nb conditions {args.run} {args.name} VALUE"
        )
    found = next((s for s in signals if s.id == args.name), None)
    if found is None:
        raise FlyteValidationException(
            f"run {args.run} has no condition {args.name!r} (yet): it exists once the task "
            "waits on it; list them with `flyte-nb conditions RUN`"
        )
    value = parse_signal_text(args.value, "bool" if found.kind == "approve" else found.type)
    answered = remote.set_signal(args.name, args.run, value)
    print(f"{answered.id}: {answered.state} {answered.value!r}")
    return 0


def add_conditions_parser(sub: Any) -> None:
    p = sub.add_parser(
        "conditions", help="list a run's conditions (Flyte 2) and gates, or answer one"
    )
    p.add_argument("run", help="the run's name")
    p.add_argument("name", nargs="?", help="the condition to answer")
    p.add_argument("value", nargs="?", help="the answer: yes/no, a number or text")
    p.set_defaults(func=_conditions)
