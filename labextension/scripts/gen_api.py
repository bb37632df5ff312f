"""Regenerate the panel's API types from the backend's OpenAPI document.

    python labextension/scripts/gen_api.py          # write openapi.json and src/api.ts
    python labextension/scripts/gen_api.py --check  # exit 1 if either is out of date

``openapi.json`` is the backend app's document (``flyte_nb.server.create_app``) with its
version cleared, so a version bump alone does not make it stale; ``src/api.ts`` is
openapi-typescript's rendering of it (from ``labextension/node_modules``: ``jlpm install``
there first). tests/test_panel_openapi.py runs ``--check``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
REPO = HERE.parent
SPEC = HERE / "openapi.json"
TYPES = HERE / "src" / "api.ts"
GENERATOR = HERE / "node_modules" / ".bin" / "openapi-typescript"


def openapi_document() -> str:
    sys.path.insert(0, str(REPO))
    from flyte_nb.server import ServerConfig, create_app

    with tempfile.TemporaryDirectory() as home:
        doc = create_app(ServerConfig(home=Path(home), token="x", workers=1)).openapi()
    doc["info"]["version"] = "0"
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def typescript(spec: str) -> str:
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR} is missing: run `jlpm install` in {HERE} first")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "openapi.json", Path(tmp) / "api.ts"
        src.write_text(spec)
        subprocess.run(
            [str(GENERATOR), str(src), "--output", str(out)],
            check=True,
            capture_output=True,
            cwd=HERE,
        )
        return out.read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    check = parser.parse_args().check
    spec = openapi_document()
    types = typescript(spec)
    stale = [
        p for p, text in ((SPEC, spec), (TYPES, types)) if not p.exists() or p.read_text() != text
    ]
    if check:
        for path in stale:
            print(
                f"{path.relative_to(REPO)} is out of date: run {Path(__file__).relative_to(REPO)}"
            )
        return 1 if stale else 0
    for path, text in ((SPEC, spec), (TYPES, types)):
        path.write_text(text)
    print(f"wrote {SPEC.relative_to(REPO)} and {TYPES.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
