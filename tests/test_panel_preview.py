"""``GET /flyte-nb/preview/<blob>`` (``flyte_nb/jupyter/_preview.py``): a file value's text
head or image, through a real Jupyter server (pytest-jupyter's ``jp_fetch``) against a real
backend, plus the pure parts (what is an image, what is text). The panel's rendering of
them is checked in tests/test_panel_console_browser.py.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _backend_util import running_server
from pytest_jupyter.jupyter_server import *  # noqa: F403 (fixtures, scoped to this module)
from tornado.httpclient import HTTPResponse

import flyte_nb as fl
from flyte_nb.io import FlyteFile
from flyte_nb.jupyter._preview import MAX_TEXT, image_type, text_head

preview_env = fl.TaskEnvironment("panel_preview")


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@preview_env.task
def written(name: str, data: bytes) -> FlyteFile:
    import tempfile

    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(data)
    return FlyteFile(str(path))


def test_images_are_known_by_their_bytes_not_their_name() -> None:
    assert image_type(_png(2, 2)) == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert image_type(b"GIF89a....") == "image/gif"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>") is None
    assert image_type(b"") is None


def test_text_is_utf8_without_nul_and_a_cut_character_is_dropped() -> None:
    assert text_head(b"a,b\n1,2\n", 8) == {
        "kind": "text",
        "text": "a,b\n1,2\n",
        "truncated": False,
        "size": 8,
    }
    cut = "é".encode()[:1]
    assert text_head(b"caf" + cut, 100) == {
        "kind": "text",
        "text": "caf",
        "truncated": True,
        "size": 100,
    }
    assert text_head(b"caf" + cut, 4) is None  # whole file, invalid UTF-8: binary
    assert text_head(b"\x00\x01\x02", 3) is None


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"flyte_nb.jupyter": True}}}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    home = tmp_path_factory.mktemp("preview-home")
    with running_server(home, workers=1) as info:
        yield home, info


@pytest.fixture
def fetch(
    jp_fetch: Any,
    jp_asyncio_loop: asyncio.AbstractEventLoop,
    backend: tuple[Path, Any],
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
) -> Any:
    """``jp_fetch`` of a Jupyter server using the module's backend; answers not raised."""
    monkeypatch.setenv("FLYTE_NB_HOME", str(backend[0]))
    fl.init(home=backend[0])

    def call(*parts: str) -> HTTPResponse:
        return jp_asyncio_loop.run_until_complete(jp_fetch("flyte-nb", *parts, raise_error=False))

    return call


def _file_blob(fetch: Any, name: str, data: bytes) -> str:
    """The blob id of a file a task wrote, as the panel reads it (the run's outputs)."""
    run = fl.run(written, name, data).wait(timeout=60)
    assert run.phase == "SUCCEEDED", run.error
    outputs = json.loads(fetch("api", "v1", "runs", run.name, "outputs").body)["values"]
    return str(outputs["o0"]["$file"])


def test_a_text_file_answers_its_head_and_an_image_its_bytes(fetch: Any) -> None:
    text_blob = _file_blob(fetch, "notes.csv", b"a,b\n1,2\n")
    answer = fetch("preview", text_blob)
    assert answer.code == 200
    assert json.loads(answer.body) == {
        "kind": "text",
        "text": "a,b\n1,2\n",
        "truncated": False,
        "size": 8,
    }
    assert answer.headers["X-Content-Type-Options"] == "nosniff"

    long_blob = _file_blob(fetch, "long.txt", b"x" * (MAX_TEXT * 3))
    head = json.loads(fetch("preview", long_blob).body)
    assert head["truncated"] is True
    assert len(head["text"]) == MAX_TEXT
    assert head["size"] == MAX_TEXT * 3

    png = _png(12, 7)
    image = fetch("preview", _file_blob(fetch, "named-like-text.txt", png))
    assert image.code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert image.body == png

    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    shown = fetch("preview", _file_blob(fetch, "evil.svg", svg))
    assert shown.headers["Content-Type"].startswith("application/json")
    assert json.loads(shown.body)["kind"] == "text"  # shown as its text, never run

    binary = json.loads(fetch("preview", _file_blob(fetch, "blob.bin", bytes(range(256)))).body)
    assert binary == {"kind": "binary", "size": 256}


def test_a_bad_or_unknown_blob_is_a_clear_error(fetch: Any) -> None:
    bad = fetch("preview", "not-a-digest")
    assert bad.code == 400
    assert "not a file's blob id" in json.loads(bad.body)["error"]["message"]
    missing = fetch("preview", "0" * 64)
    assert missing.code == 404
    assert json.loads(missing.body)["error"]["code"] == "not_found"
