"""The wire shapes (``flyte_nb.wire``) are what the server validates, documents and sends.

The server keeps pydantic models for its requests and answers (they make the OpenAPI
document the panel's TypeScript is generated from); the rest of flyte_nb builds and reads
the same messages as ``TypedDict`` dicts. These tests hold the two to one another: same
keys, same required keys, same JSON types; and the live events the document lists are the
wire's own event shapes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, TypeAdapter

from flyte_nb import wire
from flyte_nb.server import _apps_routes as apps
from flyte_nb.server import _recover_routes as recover
from flyte_nb.server import _schemas as s
from flyte_nb.server import _signal_routes as signals
from flyte_nb.server._wire_schemas import for_pydantic

REPO = Path(__file__).resolve().parent.parent
OPENAPI = json.loads((REPO / "labextension" / "openapi.json").read_text())

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (wire.CreateRunBody, s.CreateRun),
    (wire.RunOptionsBody, s.RunOptions),
    (wire.RegisterTaskBody, s.RegisterTask),
    (wire.RunView, s.RunModel),
    (wire.ActionView, s.ActionModel),
    (wire.LogLine, s.LogLine),
    (wire.TaskView, s.TaskModel),
    (wire.HealthView, s.Health),
    (wire.ProjectsView, s.Projects),
    (wire.RegisterLaunchPlanBody, s.RegisterLaunchPlan),
    (wire.LaunchPlanView, s.LaunchPlanModel),
    (wire.DeployAppBody, apps.DeployApp),
    (wire.AppView, apps.AppModel),
    (wire.AppLogLine, apps.AppLogLine),
    (wire.ResolveRunOutputBody, apps.ResolveRunOutput),
    (wire.ResolvedRunOutputView, apps.ResolvedRunOutput),
    (wire.AnswerSignalBody, signals.AnswerSignal),
    (wire.SignalView, signals.SignalModel),
    (wire.RecoverBody, recover.RecoverBody),
]


def _kinds(schema: dict[str, Any], defs: dict[str, Any]) -> frozenset[str]:
    """The JSON types a property may hold (a referenced model is an object)."""
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return _kinds(target, defs) if target else frozenset({"object"})
    if "anyOf" in schema:
        return frozenset().union(*(_kinds(option, defs) for option in schema["anyOf"]))
    if "const" in schema and "type" not in schema:
        return frozenset({type(schema["const"]).__name__})
    kind = schema.get("type")
    if kind is None:
        return frozenset({"any"})
    return frozenset(kind if isinstance(kind, list) else [kind])


def _shape(schema: dict[str, Any]) -> dict[str, tuple[bool, frozenset[str]]]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    return {
        key: (key in required, _kinds(prop, defs))
        for key, prop in schema.get("properties", {}).items()
    }


@pytest.mark.parametrize(("shape", "model"), PAIRS, ids=[m.__name__ for _, m in PAIRS])
def test_the_servers_model_has_the_wire_shape(shape: Any, model: type[BaseModel]) -> None:
    ours = _shape(TypeAdapter(for_pydantic(shape)).json_schema())
    theirs = _shape(model.model_json_schema())
    assert set(ours) == set(theirs), (
        f"{shape.__name__} and {model.__name__} differ in keys: only the wire has "
        f"{sorted(set(ours) - set(theirs))}, only the server has {sorted(set(theirs) - set(ours))}"
    )
    for key in ours:
        required, kinds = ours[key]
        assert required == theirs[key][0], f"{shape.__name__}.{key}: required differs"
        assert "any" in kinds or "any" in theirs[key][1] or kinds == theirs[key][1], (
            f"{shape.__name__}.{key} is {sorted(kinds)} on the wire, {sorted(theirs[key][1])} "
            f"in {model.__name__}"
        )


def test_the_comparison_sees_a_missing_key() -> None:
    class Short(BaseModel):
        name: str

    assert _shape(TypeAdapter(for_pydantic(wire.HealthView)).json_schema()) != _shape(
        Short.model_json_schema()
    )


def test_not_required_keys_stay_optional_in_the_schema() -> None:
    """The wire modules must not use postponed annotations: Python 3.11's TypedDict cannot
    see ``NotRequired`` in a string annotation and would make every key required."""
    assert "waiting" in wire.RunEvent.__optional_keys__
    schema = TypeAdapter(for_pydantic(wire.RunEvent)).json_schema()
    assert "waiting" not in schema["required"]


def test_the_event_route_documents_each_wire_event() -> None:
    """``labextension/openapi.json`` (kept current by test_panel_openapi.py) lists every
    event shape, key for key, under ``GET /api/v1/events``."""
    content = OPENAPI["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"]
    refs = {o["$ref"].rsplit("/", 1)[-1] for o in content["text/event-stream"]["schema"]["anyOf"]}
    events = get_args(wire.Event)
    # A watcher of one run first gets the run's whole view as its ``run`` event.
    assert refs == {e.__name__ for e in events} | {"RunView"}
    components = OPENAPI["components"]["schemas"]
    for event in (*events, wire.RunView):
        documented = components[event.__name__]
        assert set(documented["properties"]) == set(event.__annotations__)
        assert set(documented.get("required", ())) == set(event.__required_keys__)


def test_the_wire_package_imports_no_pydantic() -> None:
    """Workers and the kernel import it: it must stay as cheap as ``typing``."""
    code = "import sys, flyte_nb.wire; print(sorted(m for m in sys.modules if 'pydantic' in m))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
