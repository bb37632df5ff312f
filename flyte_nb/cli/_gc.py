"""``flyte-nb gc --older-than 30d [--dry-run]``: remove old runs, their logs and unused blobs.

Only argparse is imported here; the store's ``_gc`` (SQLAlchemy) is imported when the
command runs. The policy (what counts as old, what is kept) is ``flyte_nb.store._gc``'s.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from flyte_nb.exceptions import FlyteValidationException

__all__ = ["add_gc_parser", "parse_age"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` as seconds; anything else is refused."""
    match = _AGE.match(text) if isinstance(text, str) else None
    if match is None:
        raise FlyteValidationException(
            f"--older-than takes a number and a unit (s, m, h, d or w), e.g. 30d or 12h; "
            f"got {text!r}"
        )
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise FlyteValidationException(f"--older-than must be more than 0; got {text!r}")
    return seconds


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _gc(args: argparse.Namespace) -> int:
    from flyte_nb.client._settings import load_server_config
    from flyte_nb.store._gc import collect

    age = parse_age(args.older_than)
    config = load_server_config(args.home)
    blob_root = Path(config.blob_url)
    local_blobs = "://" not in config.blob_url or config.blob_url.startswith("file://")
    report = collect(
        config.db_url,
        blob_root if local_blobs and blob_root.is_absolute() else None,
        config.home / "raw",
        age,
        dry_run=args.dry_run,
    )
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {len(report.runs)} runs ({report.log_lines} log lines, "
        f"{report.raw_folders} raw data folders) and {report.blobs} unreferenced blobs "
        f"({_size(report.blob_bytes)}) older than {args.older_than} from {config.home}"
    )
    if not local_blobs:
        print(f"blobs at {config.blob_url} were not scanned (not a local folder)", file=sys.stderr)
    return 0


def add_gc_parser(sub: Any) -> None:
    """Add ``gc`` to the top-level subparsers ``sub``."""
    gc = sub.add_parser(
        "gc", help="remove finished runs older than an age, their logs and unused blobs"
    )
    gc.add_argument(
        "--older-than", required=True, help="age of runs to remove: 30d, 12h, 90m, 2w, ..."
    )
    gc.add_argument("--dry-run", action="store_true", help="report what would go; remove nothing")
    gc.add_argument("--home", default=None, help="home folder (default: $FLYTE_NB_HOME)")
    gc.set_defaults(func=_gc)
