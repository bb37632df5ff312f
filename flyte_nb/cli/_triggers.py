"""``flyte-nb triggers [--activate NAME | --deactivate NAME]``: Flyte 2 triggers deployed
with ``fl.deploy(env)`` on the backend of this home (``flyte_nb.durable._deploy``)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_triggers_parser"]


def _triggers(args: argparse.Namespace) -> int:
    import flyte_nb as fl
    from flyte_nb.durable._deploy import set_trigger_active, triggers

    fl.init()
    if args.activate or args.deactivate:
        entry = set_trigger_active(args.activate or args.deactivate, bool(args.activate))
        print(f"{entry['name']}: {'active' if entry['active'] else 'inactive'}")
        return 0
    found = triggers()
    if not found:
        print("no triggers deployed; deploy them with fl.deploy(env) from Python")
        return 0
    print(f"{'name':<40} {'active':<8} schedule")
    for t in found:
        s = t["schedule"] or {}
        when = s.get("schedule") or f"every {s.get('seconds', 0) / 60:g} min"
        print(f"{t['name']:<40} {'yes' if t['active'] else 'no':<8} {when}")
    return 0


def add_triggers_parser(sub: Any) -> None:
    p = sub.add_parser("triggers", help="list Flyte 2 triggers; activate or deactivate one")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--activate", metavar="NAME", help="start firing this trigger")
    group.add_argument("--deactivate", metavar="NAME", help="stop firing this trigger")
    p.set_defaults(func=_triggers)
