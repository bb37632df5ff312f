"""``__all__`` is the public surface: every name in it resolves, and nothing public hides."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import flyte_nb

SUBPACKAGES = [
    "flyte_nb.models",
    "flyte_nb.tasks",
    "flyte_nb.cache",
    "flyte_nb.types",
    "flyte_nb.engine",
    "flyte_nb.store",
    "flyte_nb.remote",
    "flyte_nb.exceptions",
    "flyte_nb.bundle",
    "flyte_nb.backend",
    "flyte_nb.client",
    "flyte_nb.server",
    "flyte_nb.deck",
    "flyte_nb.report",
    "flyte_nb.union",
    "flyte_nb.union.remote",
    "flyte_nb.app",
    "flyte_nb.actors",
    "flyte_nb.container",
    "flyte_nb.image",
    "flyte_nb.secrets",
    "flyte_nb.artifacts",
    "flyte_nb.jupyter",
    "flyte_nb.errors",
    "flyte_nb.io",
]

# PRODUCT.md's stable names implemented so far (the list grows with each feature).
PRODUCT_NAMES = [
    "init",
    "run",
    "with_runcontext",
    "TaskEnvironment",
    "group",
    "map",
    "current_context",
    "Cache",
    "CachePolicy",
    "Resources",
    "Secret",
    "VersionParameters",
    "UnionRemote",
    "Deck",
    "report",
    "task",
    "workflow",
    "map_task",
    "conditional",
    "kwtypes",
    "LaunchPlan",
    "ActorEnvironment",
    "actor_cache",
    "ContainerTask",
    "ImageSpec",
    "PodTemplate",
    "Artifact",
    "dynamic",
    "eager",
    "create_node",
    "TaskMetadata",
    "HashMethod",
    "Echo",
    "logger",
    "RetryStrategy",
    "Timeout",
    "errors",
    "GPU",
    "TPU",
    "Device",
    "Backoff",
    "trace",
    "Checkpoint",
    "latest_checkpoint",
    "recover",
    "new_condition",
    "Trigger",
    "Cron",
    "FixedRate",
    # Flyte 2's run API (issue 15 C)
    "ctx",
    "custom_context",
    "init_from_config",
    "Image",
    "ReusePolicy",
    "TaskTemplate",
    # Not yet: `task` (flyte_nb.tasks is the Flyte 2 task subpackage; the decorator is
    # flyte_nb.union.task until the naming conflict is decided).
]
MODEL_NAMES = [
    "ActionID",
    "Checkpoints",
    "CodeBundle",
    "GroupData",
    "NativeInterface",
    "RawDataPath",
    "SerializationContext",
    "TaskContext",
    "generate_random_name",
]


def test_every_name_in_all_resolves() -> None:
    for name in flyte_nb.__all__:
        assert getattr(flyte_nb, name) is not None, name


def test_product_names_are_public() -> None:
    assert set(PRODUCT_NAMES) <= set(flyte_nb.__all__)
    assert set(MODEL_NAMES) == set(flyte_nb.models.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = flyte_nb.nope


def test_union_remote_keeps_its_old_names() -> None:
    """``UnionRemote`` lives in ``flyte_nb.union.remote``; ``flyte_nb.UnionRemote`` and
    ``flyte_nb.remote.UnionRemote`` (and what it returns) still name the same objects."""
    import flyte_nb.remote
    import flyte_nb.union.remote as union_remote

    for name in union_remote.__all__:
        assert getattr(flyte_nb.remote, name) is getattr(union_remote, name), name
    assert flyte_nb.UnionRemote is union_remote.UnionRemote
    assert union_remote.UnionRemote.__module__ == "flyte_nb.union.remote._remote"


@pytest.mark.parametrize("module_name", SUBPACKAGES)
def test_subpackage_all_is_honest(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = set(module.__all__)
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"
    # Public classes/functions defined in the package's private modules must be exported.
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith(module_name)
    }
    assert public <= exported, f"{module_name} exposes {sorted(public - exported)} outside __all__"


def test_import_is_lazy() -> None:
    """``import flyte_nb`` must not pull in the heavy dependencies."""
    code = (
        "import sys, flyte_nb; "
        "print(sorted(m for m in ('sqlalchemy','pydantic','asyncio','cloudpickle','sqlite3') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_task_is_the_union_decorator_even_after_the_task_layer_loads() -> None:
    import flyte_nb.tasks  # the Flyte 2 task layer: a subpackage that must not shadow fl.task
    from flyte_nb import task
    from flyte_nb.union import task as union_task

    assert flyte_nb.tasks.TaskEnvironment is flyte_nb.TaskEnvironment
    assert task is union_task
    assert flyte_nb.task is union_task
