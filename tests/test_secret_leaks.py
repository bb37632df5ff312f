"""A task that leaks its secret every way it can, on a real backend: the value is in no byte
of the home folder (database, WAL, blobs, server.log) and in no log line the API serves.

The worker captures fds 1 and 2 per attempt (``flyte_nb/backend/_output.py``) and masks the
stream (``flyte_nb/secrets/_mask.py``); the masking itself is unit-tested at the end.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _backend_util import running_server

import flyte_nb as fl
from flyte_nb.client import _daemon
from flyte_nb.secrets import Secret
from flyte_nb.secrets._mask import MASK, StreamMasker, spellings

# A backslash and both quotes: repr() and json.dumps() spell it differently from print().
VALUE = "pw\\\"Zq8'-leak-7Hd"
ENV = "FLYTE_NB_SECRET_LEAKS_TOKEN"
leaky = fl.TaskEnvironment("leaky", secrets=[Secret(group="leaks", key="token")])


def _value() -> str:
    return os.environ[ENV]


@leaky.task
def leak_everything() -> int:
    value = _value()
    print(*value, sep="")  # one write per character
    half = len(value) // 2
    os.write(1, value[:half].encode())
    time.sleep(0.2)  # most likely a separate pipe read: a value split across two pieces
    os.write(1, value[half:].encode() + b"\n")
    sys.stderr.write(f"stderr: {value}\n")
    os.write(2, f"raw fd 2: {value}\n".encode())
    subprocess.run(["echo", value], check=True)
    subprocess.run(["sh", "-c", 'echo "from sh: $1" >&2', "sh", value], check=True)
    logging.basicConfig(force=True)
    logging.getLogger("leaky").warning("logged %s and %r", value, {"token": value})
    print(json.dumps({"token": value}), repr(value), [value])
    thread = threading.Thread(target=print, args=(f"from a thread: {value}",))
    thread.start()
    thread.join()
    return len(value)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, object]]:
    """The secret comes from the server's environment, so the home folder never holds it."""
    home = tmp_path / "leak-home"
    monkeypatch.setenv(ENV, VALUE)
    with running_server(home, workers=1) as info:
        monkeypatch.delenv(ENV)  # the kernel side of the test never sees it
        yield home, info


def _files_holding(home: Path, needles: set[bytes]) -> list[str]:
    found = []
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


def test_a_leaking_task_leaves_no_trace(server: tuple[Path, _daemon.ServerInfo]) -> None:
    home = server[0]
    fl.init(home=home)
    run = fl.run(leak_everything).wait(timeout=120)
    assert run.outputs() == len(VALUE)
    logs = run.logs()
    needles = {form.encode() for form in spellings(VALUE)}
    for form in spellings(VALUE):
        assert form not in logs, form
    # every leak was captured (not lost): 12 masked spellings, and the surrounding text
    assert logs.count(MASK) == 12, logs
    for text in ("stderr: ", "raw fd 2: ", "from sh: ", "logged ", "from a thread: "):
        assert text + MASK in logs, (text, logs)
    assert _files_holding(home, needles) == []
    _daemon.stop(home)  # the WAL checkpointed into the database, server.log closed
    assert (home / "server.log").exists()
    assert _files_holding(home, needles) == []


@leaky.task
def print_in_pieces() -> int:
    value = _value()
    print(*value, sep="")  # the kernel's tee sees one write per character
    print("half:", value[:5], end="")
    print(value[5:], "and", json.dumps({"token": value}), repr(value))
    return len(value)


def test_kernel_mode_masks_a_value_written_in_pieces(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Local mode records what the kernel's sys.stdout tee sees; the notebook still shows
    the output as written (it is the user's own screen)."""
    monkeypatch.setenv(ENV, VALUE)
    run = fl.run(print_in_pieces)
    assert run.outputs() == len(VALUE)
    logs = run.logs()
    assert logs.count(MASK) == 4, logs
    assert f"half: {MASK} and" in logs
    for form in spellings(VALUE):
        assert form not in logs
    fl.remote.Run.get(run.name).actions()  # everything flushed
    assert _files_holding(home, {form.encode() for form in spellings(VALUE)}) == []


def test_the_masker_catches_a_value_split_anywhere() -> None:
    data = f"before {VALUE} middle {json.dumps(VALUE)} after {VALUE!r}".encode()
    for cut in range(len(data) + 1):
        masker = StreamMasker([VALUE])
        out = masker.feed(data[:cut]) + masker.feed(data[cut:]) + masker.flush()
        quote = repr(VALUE)[0]  # repr picks the quote the value does not hold
        assert out.decode() == f'before {MASK} middle "{MASK}" after {quote}{MASK}{quote}', cut
    byte_by_byte = StreamMasker([VALUE])
    out = b"".join(byte_by_byte.feed(data[i : i + 1]) for i in range(len(data)))
    assert VALUE.encode() not in out + byte_by_byte.flush()


def test_the_masker_leaves_other_output_and_short_values_alone() -> None:
    masker = StreamMasker(["abc"])  # shorter than MIN_LENGTH: masking would mangle output
    assert not masker
    assert masker.feed(b"abcabc") == b"abcabc"
    masker = StreamMasker(["s3cr3t-value"])
    assert masker.feed(b"nothing to hide\n") == b"nothing to hide\n"  # nothing held back
    assert masker.feed(b"almost s3cr3t") == b"almost "  # may be the start of the value
    assert masker.feed(b"!\n") + masker.flush() == b"s3cr3t!\n"
