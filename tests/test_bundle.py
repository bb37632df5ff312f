"""Code bundles: tasks from cells travel by value, installed ones by reference, errors say why.

Everything here uses real cloudpickle; the cross-process tests pack in one interpreter and
load in another that has never seen the source (nor the helper module it imports).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import types
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

import flyte_nb as fl
from flyte_nb.bundle import (
    CodeRef,
    _bundle,
    _capture,
    _format,
    is_interactive,
    load_task,
    load_task_dict,
    pack_task,
)
from flyte_nb.exceptions import (
    BundleError,
    BundleTooLargeError,
    BundleVersionMismatchError,
    FlyteValidationException,
    UnpicklableCaptureError,
)
from flyte_nb.tasks._template import TaskTemplate

TASK_SOURCE = """
import flyte_nb as fl

env = fl.TaskEnvironment(name="cells")
FACTOR = 3

def helper(x):
    return x * FACTOR

@env.task
def work(x: int) -> int:
    return helper(x) + 1
"""


@pytest.fixture(autouse=True)
def _fresh_memos() -> Iterator[None]:
    """Memos are process-wide; a test must not see another test's packed or loaded tasks."""
    _bundle._packed.clear()
    _bundle._loaded.clear()
    yield
    _bundle._packed.clear()
    _bundle._loaded.clear()


def cell(source: str, **names: Any) -> types.ModuleType:
    """Run ``source`` the way a notebook cell runs: in a module called ``__main__``."""
    module = types.ModuleType("__main__")
    module.__dict__.update(names)
    exec(compile(textwrap.dedent(source), "<cell>", "exec", dont_inherit=True), module.__dict__)
    return module


def write_module(folder: Path, source: str, prefix: str) -> str:
    """A module file in ``folder`` with a name no other test uses; returns the name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return name


class Store(dict[str, bytes]):
    """A blob store that counts fetches."""

    fetches = 0

    def fetch(self, digest: str) -> bytes:
        self.fetches += 1
        return self[digest]


def pack_to_store(task: TaskTemplate, **kw: Any) -> tuple[CodeRef, Store]:
    ref, data = pack_task(task, **kw)
    store = Store()
    if data is not None:
        assert ref.digest == hashlib.sha256(data).hexdigest()
        store[ref.digest] = data
    return ref, store


# -- CodeRef -----------------------------------------------------------------------------------
def test_code_ref_round_trips_through_a_dict() -> None:
    for ref in (
        CodeRef("module", "env.t", module="pkg.mod", qualname="t"),
        CodeRef("bundle", "env.t", digest="a" * 64),
    ):
        assert CodeRef.from_dict(json.loads(json.dumps(ref.to_dict()))) == ref
    assert CodeRef("bundle", "env.t", digest="a" * 64).to_dict() == {
        "kind": "bundle",
        "task_name": "env.t",
        "digest": "a" * 64,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("bundle", r"expected a mapping, got str"),
        ({"kind": "bundle", "task_name": "t", "digest": "a" * 64, "x": 1}, r"unknown field.*'x'"),
        ({"task_name": "t"}, r"missing field.*'kind'"),
        ({"kind": "zip", "task_name": "t"}, r"kind must be 'module' or 'bundle', got 'zip'"),
        ({"kind": "bundle", "task_name": ""}, r"task_name must be a non-empty string"),
        ({"kind": "bundle", "task_name": "t", "digest": "xyz"}, r"64 lowercase hex"),
        ({"kind": "module", "task_name": "t", "module": "m"}, r"needs qualname"),
        ({"kind": "module", "task_name": "t", "module": "a b", "qualname": "t"}, r"needs module"),
        (
            {"kind": "module", "task_name": "t", "module": "m", "qualname": "t", "digest": "0"},
            r"takes no digest",
        ),
        (
            {"kind": "bundle", "task_name": "t", "digest": "a" * 64, "module": "m"},
            r"takes no module or qualname",
        ),
    ],
)
def test_code_ref_from_dict_rejects_bad_input(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CodeRef.from_dict(data)


# -- choosing reference or value -------------------------------------------------------------
def test_is_interactive_follows_get_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert not is_interactive()
    fake.get_ipython = lambda: object()  # type: ignore[attr-defined]
    assert is_interactive()
    monkeypatch.delitem(sys.modules, "IPython")
    assert not is_interactive()


INSTALLED_SOURCE = """
import flyte_nb as fl

env = fl.TaskEnvironment(name="installed")

@env.task
def slow(x: int) -> int:
    return x + 1

fast = slow.override(retries=2)
"""


def test_task_of_an_installed_module_goes_by_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "site-packages"
    name = write_module(site, INSTALLED_SOURCE, "fakepkg")
    monkeypatch.syspath_prepend(str(site))
    module = __import__(name)
    for interactive in (True, False):
        ref, data = pack_task(module.slow, interactive=interactive)
        assert (ref, data) == (
            CodeRef("module", "installed.slow", module=name, qualname="slow"),
            None,
        )
    ref, _ = pack_task(module.fast, interactive=True)
    assert ref.qualname == "fast"  # func.__qualname__ leads to `slow`, so the binding is found
    assert load_task(ref, Store().fetch) is module.fast


def test_local_module_goes_by_value_in_a_kernel_and_by_reference_in_a_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write_module(tmp_path / "project", INSTALLED_SOURCE, "localmod")
    monkeypatch.syspath_prepend(str(tmp_path / "project"))
    module = __import__(name)
    by_ref, _ = pack_task(module.slow, interactive=False)
    assert by_ref == CodeRef("module", "installed.slow", module=name, qualname="slow")
    ref, store = pack_to_store(module.slow, interactive=True)
    assert ref.kind == "bundle"
    loaded = load_task(ref, store.fetch)
    assert loaded is not module.slow
    assert loaded.func(x=1) == 2


def test_main_and_unreachable_tasks_go_by_value_even_outside_a_kernel(
    env: fl.TaskEnvironment,
) -> None:
    module = cell(TASK_SOURCE)
    assert pack_task(module.work, interactive=False)[0].kind == "bundle"

    def factory() -> TaskTemplate:
        @env.task
        def inner(x: int) -> int:
            return x

        return inner

    # Defined in a function of an importable module: no attribute path leads to it.
    assert pack_task(factory(), interactive=False)[0].kind == "bundle"


# -- by value, same process ------------------------------------------------------------------
def test_loaded_task_runs_and_keeps_name_and_cache_version() -> None:
    module = cell(TASK_SOURCE)
    ref, store = pack_to_store(module.work, interactive=True)
    loaded = load_task(ref, store.fetch)
    assert loaded is not module.work
    assert loaded.func(x=2) == 7
    assert loaded(x=2) == 7
    assert loaded.name == module.work.name == ref.task_name
    assert loaded.cache_version() == module.work.cache_version()
    # The copy of the environment knows the loaded task; the original registry is untouched.
    assert loaded.env is not module.env
    assert loaded.env.tasks == {"cells.work": loaded}
    assert module.env.tasks == {"cells.work": module.work}
    # Loading again, or re-running the cell, raises no TaskNameClashError.
    assert load_task(ref, store.fetch) is loaded
    assert cell(TASK_SOURCE).work(x=2) == 7


def test_child_and_recursive_tasks_travel_with_the_parent() -> None:
    module = cell(
        """
        import flyte_nb as fl
        env = fl.TaskEnvironment(name="tree")

        @env.task
        def fact(n: int) -> int:
            return 1 if n <= 1 else n * fact(n - 1)

        @env.task
        def parent(n: int) -> int:
            return fact(n) + 1
        """
    )
    ref, store = pack_to_store(module.parent, interactive=True)
    loaded = load_task(ref, store.fetch)
    assert loaded.func(n=4) == 25
    child = loaded.func.__globals__["fact"]
    assert isinstance(child, TaskTemplate)
    assert child is not module.fact
    assert child.env is loaded.env  # one pickle, one environment copy


def test_unchanged_code_packs_to_the_same_digest_and_changed_code_does_not() -> None:
    first = pack_task(cell(TASK_SOURCE).work, interactive=True)
    again = pack_task(cell(TASK_SOURCE).work, interactive=True)
    assert first == again
    edited = pack_task(cell(TASK_SOURCE.replace("+ 1", "+ 2")).work, interactive=True)
    assert edited[0].digest != first[0].digest
    rebound = pack_task(cell(TASK_SOURCE.replace("FACTOR = 3", "FACTOR = 4")).work)
    assert rebound[0].digest != first[0].digest


def test_sibling_tasks_do_not_change_a_bundle() -> None:
    """The environment's registry is not pickled: re-running another cell keeps the digest."""
    sibling = TASK_SOURCE + "\n@env.task\ndef other(y: str) -> str:\n    return y * 2\n"
    alone = pack_task(cell(TASK_SOURCE).work, interactive=True)[0]
    assert pack_task(cell(sibling).work, interactive=True)[0] == alone


def test_header_records_versions_and_captured_packages() -> None:
    module = cell(
        """
        import flyte_nb as fl
        import pytest
        env = fl.TaskEnvironment(name="hdr")

        @env.task
        def t(x: int) -> int:
            return pytest.approx(x) == x and x
        """
    )
    _, data = pack_task(module.t, interactive=True)
    assert data is not None
    header, body = _format.decode(data, "hdr.t")
    assert header["task"] == "hdr.t"
    assert header["python"] == ".".join(map(str, sys.version_info[:3]))
    assert header["cloudpickle"] == cloudpickle.__version__
    assert header["flyte_nb"] == fl.__version__
    assert header["packages"] == {"pytest": pytest.__version__}
    assert isinstance(cloudpickle.loads(zlib.decompress(body)), TaskTemplate)


def test_pickle_by_value_registry_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = write_module(tmp_path, "def double(x):\n    return 2 * x\n", "helper")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = cell(
        f"""
        import flyte_nb as fl
        from {helper} import double
        env = fl.TaskEnvironment(name="reg")

        @env.task
        def t(x: int) -> int:
            return double(x)
        """
    )
    before = cloudpickle.cloudpickle.list_registry_pickle_by_value()
    assert _capture.scan(module.t).by_value_modules == {helper}
    ref, store = pack_to_store(module.t, interactive=True)
    assert cloudpickle.cloudpickle.list_registry_pickle_by_value() == before
    sys.modules.pop(helper)  # the loaded code must not need the module any more
    assert load_task(ref, store.fetch).func(x=4) == 8


# -- memoization -----------------------------------------------------------------------------
def test_packing_an_unchanged_task_again_does_not_pickle_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []
    real_dumps = _capture.dumps

    def counting(obj: object) -> bytes:
        calls.append(obj)
        return real_dumps(obj)

    monkeypatch.setattr(_capture, "dumps", counting)
    module = cell(TASK_SOURCE + "\nCONFIG = {'offset': 0}\n")
    first = pack_task(module.work, interactive=True)
    assert pack_task(module.work, interactive=True) == first
    assert len(calls) == 1

    module.FACTOR = 10  # a captured global rebound in another cell: must repack
    rebound = pack_task(module.work, interactive=True)
    assert len(calls) == 2
    assert rebound[0].digest != first[0].digest
    assert pack_task(module.work, interactive=True) == rebound
    assert len(calls) == 2

    uses_config = cell(
        """
        import flyte_nb as fl
        env = fl.TaskEnvironment(name="cfg")
        CONFIG = {"offset": 1}

        @env.task
        def t(x: int) -> int:
            return x + CONFIG["offset"]
        """
    )
    before = pack_task(uses_config.t, interactive=True)
    uses_config.CONFIG["offset"] = 5  # mutated in place, not rebound: must repack too
    after = pack_task(uses_config.t, interactive=True)
    assert after[0].digest != before[0].digest
    store = Store({after[0].digest: after[1]})  # type: ignore[dict-item]
    assert load_task(after[0], store.fetch).func(x=1) == 6


def test_loading_the_same_ref_twice_fetches_once() -> None:
    ref, store = pack_to_store(cell(TASK_SOURCE).work, interactive=True)
    assert load_task(ref, store.fetch) is load_task(ref, store.fetch)
    assert store.fetches == 1


def test_a_ref_dict_loads_like_its_ref_and_a_bad_one_still_says_why() -> None:
    """``load_task_dict``: a worker's fast path for a fan-out's thousand copies of one ref."""
    ref, store = pack_to_store(cell(TASK_SOURCE).work, interactive=True)
    first = load_task_dict(ref.to_dict(), store.fetch)  # not loaded yet: read, then loaded
    assert first is load_task(ref, store.fetch)
    assert load_task_dict(json.loads(json.dumps(ref.to_dict())), store.fetch) is first
    assert store.fetches == 1
    with pytest.raises(FlyteValidationException, match="unknown field"):
        load_task_dict({**ref.to_dict(), "extra": 1}, store.fetch)


# -- errors ----------------------------------------------------------------------------------
def test_size_guard_names_the_biggest_captured_globals() -> None:
    module = cell(
        """
        import os
        import flyte_nb as fl
        env = fl.TaskEnvironment(name="big")
        WEIGHTS = os.urandom(3 * 1024 * 1024)
        VOCAB = os.urandom(512 * 1024)
        TINY = b"x"

        @env.task
        def train(x: int) -> int:
            return len(WEIGHTS) + len(VOCAB) + len(TINY) + x
        """
    )
    with pytest.raises(BundleTooLargeError) as info:
        pack_task(module.train, interactive=True, size_limit=1024 * 1024)
    message = str(info.value)
    assert "Task 'big.train' packs to 3.5 MB, over the 1.0 MB bundle limit" in message
    assert message.index("'WEIGHTS' (3.0 MB)") < message.index("'VOCAB' (0.5 MB)")
    assert "'TINY' (0.0 MB)" in message
    assert "fl.init(bundle_size_limit=...)" in message
    assert "pass it as an input" in message
    assert pack_task(module.train, interactive=True)[0].kind == "bundle"  # default 100 MB


def _unpicklable_values(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    path = tmp_path / "data.txt"
    path.write_text("hello")
    with open(path) as text, open(path, "rb") as binary, socket.socket() as sock:
        yield "text", text
        yield "binary", binary
        yield "sock", sock
        yield "lock", threading.Lock()
        yield "gen", (i for i in range(3))


def test_unpicklable_capture_names_the_variable_its_type_and_the_task(tmp_path: Path) -> None:
    for name, value in _unpicklable_values(tmp_path):
        module = cell(
            f"""
            import flyte_nb as fl
            env = fl.TaskEnvironment(name="bad")

            @env.task
            def uses(x: int) -> int:
                return x if {name} is not None else 0
            """,
            **{name: value},
        )
        with pytest.raises(UnpicklableCaptureError) as info:
            pack_task(module.uses, interactive=True)
        message = str(info.value)
        assert f"Task 'bad.uses' uses the global '{name}': a {type(value).__qualname__}" in message
        assert "create it inside the task body" in message, message
        assert isinstance(info.value, TypeError)


def test_unpicklable_capture_inside_a_closure_or_a_container() -> None:
    module = cell(
        """
        import threading
        import flyte_nb as fl
        env = fl.TaskEnvironment(name="nested")
        STATE = {"lock": threading.Lock(), "n": 1}

        def helper():
            return STATE["n"]

        def make():
            guard = threading.Lock()

            @env.task
            def inner(x: int) -> int:
                with guard:
                    return x
            return inner

        @env.task
        def outer(x: int) -> int:
            return helper() + x
        """
    )
    with pytest.raises(UnpicklableCaptureError) as info:
        pack_task(module.outer, interactive=True)
    assert "uses the global 'STATE' via helper: a dict whose ['lock'] is a lock" in str(info.value)
    with pytest.raises(UnpicklableCaptureError, match=r"closure variable 'guard': a lock,"):
        pack_task(module.make(), interactive=True)


def _rewrite_header(data: bytes, **changes: Any) -> bytes:
    header, body = _format.decode(data, "?")
    return _format.encode({**header, **changes}, body)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"python": "2.7.18"}, r"Python: packed with 2\.7\.18, this process runs 3\."),
        ({"cloudpickle": "0.0.1"}, r"cloudpickle: packed with 0\.0\.1, this process has "),
        ({"packages": {"pytest": "0.0.1"}}, r"pytest: packed with 0\.0\.1, this process has "),
        (
            {"packages": {"no-such-dist-xyz": "1.0"}},
            r"no-such-dist-xyz: packed with 1\.0, it is not installed here",
        ),
    ],
)
def test_version_mismatch_is_a_clear_error(changes: dict[str, Any], expected: str) -> None:
    _, data = pack_task(cell(TASK_SOURCE).work, interactive=True)
    assert data is not None
    crafted = _rewrite_header(data, **changes)
    ref = CodeRef("bundle", "cells.work", digest=hashlib.sha256(crafted).hexdigest())
    with pytest.raises(BundleVersionMismatchError, match=expected) as info:
        load_task(ref, lambda digest: crafted)
    assert "Cannot load task 'cells.work'" in str(info.value)
    assert "same environment" in str(info.value)


def test_micro_python_version_difference_is_accepted() -> None:
    _, data = pack_task(cell(TASK_SOURCE).work, interactive=True)
    assert data is not None
    major, minor = sys.version_info[:2]
    crafted = _rewrite_header(data, python=f"{major}.{minor}.999")
    ref = CodeRef("bundle", "cells.work", digest=hashlib.sha256(crafted).hexdigest())
    assert load_task(ref, lambda digest: crafted).func(x=1) == 4


def test_pack_task_rejects_a_plain_function() -> None:
    with pytest.raises(TypeError, match=r"pack_task needs a task"):
        pack_task(len)  # type: ignore[arg-type]


def test_corrupt_or_foreign_bundles_are_refused() -> None:
    ref, store = pack_to_store(cell(TASK_SOURCE).work, interactive=True)
    with pytest.raises(BundleError, match=r"is corrupt: expected sha256"):
        load_task(ref, lambda digest: store[digest] + b"!")
    junk = b"PK\x03\x04 not a bundle"
    junk_ref = CodeRef("bundle", "cells.work", digest=hashlib.sha256(junk).hexdigest())
    with pytest.raises(BundleError, match=r"not a flyte_nb bundle"):
        load_task(junk_ref, lambda digest: junk)
    with pytest.raises(BundleError, match=r"holds task 'cells.work', not 'other.t'"):
        load_task(CodeRef("bundle", "other.t", digest=ref.digest), store.fetch)
    with pytest.raises(BundleError, match=r"install the package"):
        load_task(CodeRef("module", "x.t", module="no_such_module_xyz", qualname="t"), store.fetch)
    with pytest.raises(BundleError, match=r"is a function, not a task"):
        load_task(CodeRef("module", "x.t", module="os.path", qualname="join"), store.fetch)


# -- across processes ------------------------------------------------------------------------
HELPER_SOURCE = """
BASE = 100

class Scaler:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return x * self.k

_scaler = Scaler(3)

def scale(x):
    return _scaler(x)
"""

PACK_SCRIPT = """
import json
import sys

import flyte_nb as fl
from flyte_nb.bundle import pack_task

import {helper} as helpers
from {helper} import scale

env = fl.TaskEnvironment(name="shipped")
OFFSET = 5

@env.task
def compute(x: int) -> int:
    return scale(x) + helpers.BASE + OFFSET

ref, data = pack_task(compute)
out = sys.argv[1]
with open(out + "/bundle", "wb") as f:
    f.write(data)
meta = {{"ref": ref.to_dict(), "cache_version": compute.cache_version(), "result": compute(x=4)}}
with open(out + "/meta.json", "w") as f:
    json.dump(meta, f)
"""

LOAD_SCRIPT = """
import importlib.util
import json
import sys

from flyte_nb.bundle import CodeRef, load_task

helper, folder = sys.argv[1], sys.argv[2]
assert importlib.util.find_spec(helper) is None, "the helper module must not be importable"
with open(folder + "/meta.json") as f:
    meta = json.load(f)
with open(folder + "/bundle", "rb") as f:
    data = f.read()
task = load_task(CodeRef.from_dict(meta["ref"]), lambda digest: data)
out = {"name": task.name, "result": task.func(x=4), "call": task(x=4)}
out["cache_version"] = task.cache_version()
print(json.dumps(out))
"""


def _python(args: list[str], cwd: Path, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["FLYTE_NB_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bundle_from_a_script_runs_in_a_process_without_its_source(
    tmp_path: Path, home: Path
) -> None:
    project = tmp_path / "project"
    helper = write_module(project, HELPER_SOURCE, "shiphelper")
    (project / "pack.py").write_text(PACK_SCRIPT.format(helper=helper))
    out = tmp_path / "out"
    out.mkdir()
    _python(["pack.py", str(out)], project, home)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["ref"]["kind"] == "bundle"  # __main__ goes by value even outside a kernel

    worker = tmp_path / "worker"
    worker.mkdir()
    (worker / "load.py").write_text(LOAD_SCRIPT)
    result = json.loads(_python(["load.py", helper, str(out)], worker, home))
    assert result == {
        "name": "shipped.compute",
        "result": meta["result"],
        "call": 4 * 3 + 100 + 5,
        "cache_version": meta["cache_version"],
    }


def test_digest_is_the_same_in_every_process(tmp_path: Path, home: Path) -> None:
    """Hash seeds differ between processes; the bundle of an unchanged task must not."""
    script = (
        "import types\n"
        "from flyte_nb.bundle import pack_task\n"
        "module = types.ModuleType('__main__')\n"
        f"exec(compile({TASK_SOURCE!r}, '<cell>', 'exec'), module.__dict__)\n"
        "print(pack_task(module.work, interactive=True)[0].digest)\n"
    )
    (tmp_path / "digest.py").write_text(script)
    digests = {_python(["digest.py"], tmp_path, home).strip() for _ in range(2)}
    assert digests == {pack_task(cell(TASK_SOURCE).work, interactive=True)[0].digest}


IPYTHON_SCRIPT = """
import sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
cells = [
    "import json\\nimport flyte_nb as fl\\nfrom flyte_nb.bundle import pack_task",
    "env = fl.TaskEnvironment(name='kernel')\\nBONUS = 7",
    "@env.task\\ndef add(x: int, y: int = 1) -> int:\\n    return x + y + BONUS",
    (
        "ref, data = pack_task(add)\\n"
        "open(sys.argv[1] + '/bundle', 'wb').write(data)\\n"
        "meta = {'ref': ref.to_dict(), 'cache_version': add.cache_version(), 'result': 0}\\n"
        "json.dump(meta, open(sys.argv[1] + '/meta.json', 'w'))"
    ),
]
shell.user_ns["sys"] = sys
for source in cells:
    shell.run_cell(source, store_history=True).raise_error()
"""


def test_task_from_an_ipython_cell_loads_in_a_fresh_process(tmp_path: Path, home: Path) -> None:
    pytest.importorskip("IPython")
    (tmp_path / "kernel.py").write_text(IPYTHON_SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    _python(["kernel.py", str(out)], tmp_path, home)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["ref"]["kind"] == "bundle"  # interactive=None detected the shell
    loader = LOAD_SCRIPT.replace('task.func(x=4), "call": task(x=4)', 'task.func(x=4), "call": 0')
    (tmp_path / "load.py").write_text(loader)
    result = json.loads(_python(["load.py", "no_helper_here", str(out)], tmp_path, home))
    assert result == {
        "name": "kernel.add",
        "result": 4 + 1 + 7,
        "call": 0,
        "cache_version": meta["cache_version"],
    }
