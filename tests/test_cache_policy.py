from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import linecache
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flyte_nb.cache import Cache, CachePolicy, FunctionBodyPolicy, VersionParameters, _policy
from flyte_nb.exceptions import FlyteValidationException

REPO = Path(__file__).resolve().parents[1]

BASE = '''
import functools

def work(x: int, y: int = 2) -> int:
    """Add things."""
    total = x + y
    return total * 2
'''

SAME_VARIANTS = {
    "comments_and_blank_lines": '''
import functools

# a comment above
def work(x: int, y: int = 2) -> int:
    """Add things."""

    total = x + y   # inline comment

    return total * 2
''',
    "docstring_changed": '''
import functools

def work(x: int, y: int = 2) -> int:
    """A completely different, longer docstring.

    With a second paragraph.
    """
    total = x + y
    return total * 2
''',
    "docstring_removed": """
import functools

def work(x: int, y: int = 2) -> int:
    total = x + y
    return total * 2
""",
    "decorator_added": '''
import functools

@functools.lru_cache(maxsize=None)
def work(x: int, y: int = 2) -> int:
    """Add things."""
    total = x + y
    return total * 2
''',
    "line_continuation_style": '''
import functools

def work(
    x: int,
    y: int = 2,
) -> int:
    """Add things."""
    total = (x
             + y)
    return total * 2
''',
}

CHANGED_VARIANTS = {
    "body_changed": '''
def work(x: int, y: int = 2) -> int:
    """Add things."""
    total = x + y
    return total * 3
''',
    "default_changed": '''
def work(x: int, y: int = 3) -> int:
    """Add things."""
    total = x + y
    return total * 2
''',
    "statement_added": '''
def work(x: int, y: int = 2) -> int:
    """Add things."""
    total = x + y
    print(total)
    return total * 2
''',
}

EXEC_SOURCE = """
def helper(x):
    allowed = x in {"alpha", "beta", "gamma", "delta"}
    def inner(y):
        return (y, 1.5, b"raw", None, ("t", 2))
    return allowed, inner(x)
"""

PARAMS_SCRIPT = """
import importlib.util, sys
from flyte_nb.cache import FunctionBodyPolicy, VersionParameters
spec = importlib.util.spec_from_file_location("mod_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
print(FunctionBodyPolicy().get_version(sys.argv[2], VersionParameters(func=mod.work)))
"""

EXEC_SCRIPT = """
import sys
from flyte_nb.cache import FunctionBodyPolicy, VersionParameters
ns = {}
exec(compile(sys.argv[1], "<generated>", "exec"), ns)
print(FunctionBodyPolicy().get_version("", VersionParameters(func=ns["helper"])))
"""


def _load(tmp_path: Path, name: str, source: str) -> Any:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"flyte_nb_test_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _version(func: Callable[..., Any], salt: str = "") -> str:
    return FunctionBodyPolicy().get_version(salt, VersionParameters(func=func))


def _run(script: str, *args: str, seed: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_policy_satisfies_protocol() -> None:
    assert isinstance(FunctionBodyPolicy(), CachePolicy)
    assert FunctionBodyPolicy() == FunctionBodyPolicy()


def test_version_is_hex_sha256(tmp_path: Path) -> None:
    version = _version(_load(tmp_path, "base", BASE).work)
    assert len(version) == 64
    int(version, 16)


def test_stable_across_processes(tmp_path: Path) -> None:
    module = _load(tmp_path, "base", BASE)
    for salt in ("", "s1"):
        in_process = _version(module.work, salt)
        for seed in ("0", "12345"):
            assert _run(PARAMS_SCRIPT, str(tmp_path / "base.py"), salt, seed=seed) == in_process


@pytest.mark.parametrize("variant", sorted(SAME_VARIANTS))
def test_cosmetic_changes_keep_version(tmp_path: Path, variant: str) -> None:
    base = _version(_load(tmp_path, "base", BASE).work)
    other = _load(tmp_path, variant, SAME_VARIANTS[variant]).work
    assert _version(other) == base


@pytest.mark.parametrize("variant", sorted(CHANGED_VARIANTS))
def test_body_changes_alter_version(tmp_path: Path, variant: str) -> None:
    base = _version(_load(tmp_path, "base", BASE).work)
    assert _version(_load(tmp_path, variant, CHANGED_VARIANTS[variant]).work) != base


def test_salt_changes_version(tmp_path: Path) -> None:
    work = _load(tmp_path, "base", BASE).work
    assert _version(work, "a") != _version(work, "b")
    assert _version(work, "a") == _version(work, "a")


def test_notebook_cell_source_via_linecache(tmp_path: Path) -> None:
    # IPython registers each cell's source in linecache under a pseudo file name.
    cell = textwrap.dedent(BASE)
    filename = "<ipython-input-7-abcdef>"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    try:
        ns: dict[str, Any] = {}
        exec(compile(cell, filename, "exec"), ns)
        assert _version(ns["work"]) == _version(_load(tmp_path, "base", BASE).work)
    finally:
        linecache.cache.pop(filename, None)


def test_exec_fallback_is_stable_across_processes() -> None:
    ns: dict[str, Any] = {}
    exec(compile(EXEC_SOURCE, "<generated>", "exec"), ns)
    with pytest.raises(OSError, match="source"):
        inspect.getsource(ns["helper"])
    in_process = _version(ns["helper"])
    assert _policy.function_digest(ns["helper"]).startswith("code:")
    # frozenset constants iterate in hash-seed order: the digest must not depend on it
    for seed in ("0", "1", "987"):
        assert _run(EXEC_SCRIPT, EXEC_SOURCE, seed=seed) == in_process


def test_exec_fallback_detects_body_change() -> None:
    ns1: dict[str, Any] = {}
    ns2: dict[str, Any] = {}
    exec(compile(EXEC_SOURCE, "<generated>", "exec"), ns1)
    exec(compile(EXEC_SOURCE.replace("1.5", "2.5"), "<generated>", "exec"), ns2)
    assert _version(ns1["helper"]) != _version(ns2["helper"])


def test_memoized_per_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _load(tmp_path, "memo", BASE).work
    first = _version(work)
    assert work in _policy._MEMO

    def boom(*_: object) -> str:
        raise AssertionError("source read again")

    monkeypatch.setattr(inspect, "getsource", boom)
    assert _version(work) == first
    assert _version(work, "salted") != first  # salt applied on top of the memoized digest


def test_wrappers_version_the_underlying_function(tmp_path: Path) -> None:
    work = _load(tmp_path, "base", BASE).work
    base = _version(work)

    @functools.wraps(work)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return work(*args, **kwargs)

    assert _version(wrapper) == base
    assert _version(functools.partial(work, 1)) == base


def test_methods_lambdas_and_callables() -> None:
    class Thing:
        def method(self) -> int:
            return 1

        def __call__(self) -> int:
            return 2

    assert _version(Thing().method) == _version(Thing.method)
    assert _version(Thing()) == _version(Thing.__call__)
    f = lambda x: x + 1  # noqa: E731
    g = lambda x: x + 2  # noqa: E731
    assert _version(f) != _version(g)
    assert _version(f) == _version(f)


def test_policy_rejects_missing_func() -> None:
    with pytest.raises(FlyteValidationException, match="needs VersionParameters"):
        FunctionBodyPolicy().get_version("", VersionParameters(func=None))  # type: ignore[arg-type]


def test_builtin_without_code_asks_for_explicit_version() -> None:
    with pytest.raises(FlyteValidationException, match=r'Cache\(version="1"\)'):
        _version(len)


# --- Cache -----------------------------------------------------------------------------------


class ConstPolicy:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_version(self, salt: str, params: VersionParameters) -> str:
        return f"{self.value}:{salt}"


def _params() -> VersionParameters:
    def fn(x: int) -> int:
        return x

    return VersionParameters(func=fn)


def test_cache_defaults() -> None:
    c = Cache()
    assert c.behavior == "auto"
    assert c.is_enabled()
    assert c.get_ignored_inputs() == ()
    assert c.policies == (FunctionBodyPolicy(),)
    assert c == Cache()
    assert not Cache(behavior="disable").is_enabled()
    assert Cache(behavior="override").is_enabled()


def test_cache_explicit_version_wins() -> None:
    c = Cache(version="v7", salt="x", policies=ConstPolicy("a"))
    assert c.get_version(_params()) == "v7"
    assert Cache(version="v7", policies=[]).get_version(_params()) == "v7"


def test_cache_version_from_policies_and_salt() -> None:
    params = _params()
    c = Cache(salt="s", policies=[ConstPolicy("a"), ConstPolicy("b")])
    expected = hashlib.sha256(b"a:s\0b:s\0").hexdigest()[:16]
    assert c.get_version(params) == expected
    assert Cache(salt="t", policies=[ConstPolicy("a"), ConstPolicy("b")]).get_version(params) != (
        expected
    )
    assert (
        Cache(salt="s", policies=ConstPolicy("a")).get_version(params)
        == (hashlib.sha256(b"a:s\0").hexdigest()[:16])
    )
    default = Cache(salt="s").get_version(params)
    assert len(default) == 16
    assert default == Cache(salt="s").get_version(params)
    assert default != Cache(salt="other").get_version(params)


def test_cache_ignored_inputs_normalized() -> None:
    assert Cache(ignored_inputs="verbose").get_ignored_inputs() == ("verbose",)
    assert Cache(ignored_inputs="verbose").ignored_inputs == ("verbose",)
    assert Cache(ignored_inputs=("a", "b")).get_ignored_inputs() == ("a", "b")
    assert Cache(ignored_inputs=["a"]).get_ignored_inputs() == ("a",)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"behavior": "always"}, ["behavior='always'", "'auto', 'override', 'disable'"]),
        ({"behavior": "1"}, ["behavior='1'", 'Cache(version="1")']),
        ({"behavior": None}, ["behavior=None", "must be one of"]),
        ({"version": ""}, ["version=''", "non-empty string"]),
        ({"version": 3}, ["version=3", "non-empty string"]),
        ({"serialize": "yes"}, ["serialize='yes'", "True or False"]),
        ({"salt": 1}, ["salt=1", "must be a string"]),
        ({"ignored_inputs": 5}, ["ignored_inputs=5", "tuple of names"]),
        ({"ignored_inputs": ("a", 1)}, ["ignored_inputs=('a', 1)"]),
        ({"policies": object()}, ["is not a cache policy", "get_version(salt, params)"]),
        ({"policies": [FunctionBodyPolicy(), "x"]}, ["'x' is not a cache policy"]),
        (
            {"policies": FunctionBodyPolicy},
            ["got the class FunctionBodyPolicy", "FunctionBodyPolicy()"],
        ),
        ({"policies": []}, ["nothing to version by", 'version="1"']),
    ],
)
def test_cache_bad_inputs(kwargs: dict[str, object], fragments: list[str]) -> None:
    with pytest.raises(FlyteValidationException) as info:
        Cache(**kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_cache_coerce() -> None:
    c = Cache(version="1")
    assert Cache.coerce(c) is c
    assert Cache.coerce("auto") == Cache(behavior="auto")
    assert Cache.coerce("override").behavior == "override"
    assert Cache.coerce("disable").behavior == "disable"
    assert Cache.coerce(True) == Cache(behavior="auto")
    assert Cache.coerce(False) == Cache(behavior="disable")
    assert not Cache.coerce(None).is_enabled()


@pytest.mark.parametrize("value", ["sometimes", 1, 0, 1.0, {"behavior": "auto"}, ["auto"]])
def test_cache_coerce_rejects(value: object) -> None:
    with pytest.raises(FlyteValidationException) as info:
        Cache.coerce(value)
    message = str(info.value)
    assert f"cache={value!r}" in message
    assert 'cache="auto"' in message
    assert 'Cache(version="1")' in message
