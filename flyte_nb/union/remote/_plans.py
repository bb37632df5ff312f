"""``UnionRemote``'s workflow and launch plan methods.

Decisions:

* A workflow is a task to the backend (``WorkflowTemplate`` is a ``TaskTemplate``), so
  ``register_workflow``/``fetch_workflow`` are ``register_task``/``fetch_task`` returning
  ``RegisteredWorkflow``. ``register_launch_plan`` registers its workflow first, under the
  same version (default: the workflow's source digest), as the seed registers missing
  entities, then the launch plan naming that workflow version.
* Default and fixed inputs travel as ``flyte_nb.types`` encodings (opaque values as
  blobs), like run inputs, and come back decoded in ``RegisteredLaunchPlan``.
* ``activate_launchplan``/``deactivate_launchplan`` take a ``LaunchPlanId`` (the seed's
  ``Identifier``), a ``RegisteredLaunchPlan`` or a local ``LaunchPlan`` plus its version
  through ``fetch_launch_plan``; at most one version per name is active (the backend
  enforces it), and the backend fires the active one's schedule (``backend/_schedules.py``).
* ``execute`` resolves a launch plan to its workflow and merged inputs here
  (``_launch_target``); the rest of ``execute`` is the task path unchanged, so a launch
  plan execution is an ordinary workflow run. Its ``max_parallelism`` and
  ``overwrite_cache`` become the run's options unless the call overrides them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...exceptions import RunNotFoundError
from ._args import arg, invalid, required
from ._base import RemoteBase, as_remote
from ._models import LaunchPlanId, RegisteredLaunchPlan, RegisteredWorkflow, TaskId

if TYPE_CHECKING:
    from ...client import BackendClient
    from ...wire import LaunchPlanView, RegisterLaunchPlanBody
    from .. import LaunchPlan, WorkflowTemplate

__all__ = ["LaunchPlanMethods"]


class LaunchPlanMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    # -- workflows -------------------------------------------------------------------------
    def register_workflow(
        self,
        entity: WorkflowTemplate,
        serialization_settings: Any = None,
        version: str | None = None,
        default_launch_plan: bool | None = False,
        options: Any = None,
        project: str | None = None,
        domain: str | None = None,
    ) -> RegisteredWorkflow:
        """Store the workflow's code and spec as ``version`` (default: its source digest);
        immutable like a task version. ``default_launch_plan=True`` also registers its
        default launch plan (its name, no inputs fixed) as that version; off by default,
        since here a workflow runs without one."""
        from ...models import SerializationContext

        m = "register_workflow"
        workflow = _workflow_arg(m, entity)
        if options is not None:
            raise invalid(
                m,
                "options are flytekit Options (Union cloud settings), which have "
                "no meaning on the flyte_nb backend; leave them out",
            )
        arg(m, "default_launch_plan", default_launch_plan, "bool")
        settings = serialization_settings
        if settings is not None and not isinstance(settings, SerializationContext):
            raise invalid(
                m,
                "serialization_settings must be a flyte_nb.models."
                f"SerializationContext or None, got {settings!r}",
            )
        version = arg(m, "version", version, "str", settings.version if settings else None)
        session = self._scoped(
            m, project or (settings and settings.project), domain or (settings and settings.domain)
        )
        done = as_remote(self)._register(session, workflow, workflow.name, version)
        if default_launch_plan:
            from .. import LaunchPlan

            plan = LaunchPlan.get_default_launch_plan(None, workflow)
            self.register_launch_plan(plan, done.version, session.project, session.domain)
        return RegisteredWorkflow(done.id, done.ref, done.spec, done.interface, done.created_at)

    def fetch_workflow(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
    ) -> RegisteredWorkflow:
        """A registered workflow: that ``version``, or the latest one registered."""
        required("fetch_workflow", "name", name, "str", "fetch_workflow(name='my_module.my_wf')")
        done = as_remote(self).fetch_task(project, domain, name, version)
        return RegisteredWorkflow(done.id, done.ref, done.spec, done.interface, done.created_at)

    # -- launch plans ----------------------------------------------------------------------
    def register_launch_plan(
        self,
        entity: LaunchPlan,
        version: str | None = None,
        project: str | None = None,
        domain: str | None = None,
        options: Any = None,
        serialization_settings: Any = None,
    ) -> RegisteredLaunchPlan:
        """Register the launch plan's workflow (if that version is not there yet) and then the
        launch plan itself, both as ``version`` (default: the workflow's source digest).
        Activated at once when the plan has ``auto_activate=True``."""
        from ...types import encode_values
        from .. import LaunchPlan

        m = "register_launch_plan"
        if not isinstance(entity, LaunchPlan):
            raise invalid(
                m,
                f"entity must be a LaunchPlan (LaunchPlan.get_or_create(wf, ...)), got {entity!r}",
            )
        for param, value in (
            ("options", options),
            ("serialization_settings", serialization_settings),
        ):
            if value is not None:
                raise invalid(
                    m,
                    f"{param} is a Union cloud option with no meaning on the "
                    "flyte_nb backend; leave it out",
                )
        session = self._scoped(m, project, domain)
        workflow = as_remote(self)._register(
            session, entity.workflow, entity.workflow.name, arg(m, "version", version, "str")
        )
        client = session.client

        def put(data: bytes) -> str:
            digest = hashlib.sha256(data).hexdigest()
            client.put_blob(digest, data)
            return digest

        import json

        schedule = entity.schedule
        spec = {
            "default_inputs": json.loads(encode_values(entity.default_inputs, put)),
            "fixed_inputs": json.loads(encode_values(entity.fixed_inputs, put)),
            "schedule": schedule.to_dict() if schedule is not None else None,
            "labels": entity.labels,
            "annotations": entity.annotations,
            "max_parallelism": entity.max_parallelism,
            "overwrite_cache": entity.overwrite_cache,
        }
        body: RegisterLaunchPlanBody = {
            "project": session.project,
            "domain": session.domain,
            "name": entity.name,
            "version": workflow.version,
            "workflow_name": workflow.name,
            "workflow_version": workflow.version,
            "spec": spec,
        }
        view = client.register_launch_plan(body)
        plan = self._plan_from_view(view, client)
        if entity.should_auto_activate and not plan.is_active:
            plan = self._set_active(m, plan.id, True)
        return plan

    def fetch_launch_plan(
        self,
        project: str | None = None,
        domain: str | None = None,
        name: str | None = None,
        version: str | None = None,
    ) -> RegisteredLaunchPlan:
        """A registered launch plan: that ``version``, or the latest one registered."""
        m = "fetch_launch_plan"
        session = self._scoped(m, project, domain)
        name = required(m, "name", name, "str", "fetch_launch_plan(name='nightly')")
        assert name is not None
        version = arg(m, "version", version, "str")
        if version is not None:
            ident = LaunchPlanId(session.project, session.domain, name, version)
            try:
                found = [
                    session.client.launch_plan(
                        ident.project, ident.domain, ident.name, ident.version
                    )
                ]
            except RunNotFoundError:
                found = []
        else:
            params = {
                "project": session.project,
                "domain": session.domain,
                "name": name,
                "limit": 1,
            }
            found = session.client.list_launch_plans(**params)
        if not found:
            which = f"version {version!r} of " if version else ""
            raise RunNotFoundError(
                f"UnionRemote.fetch_launch_plan: no {which}launch plan {name!r} registered in "
                f"{session.project}/{session.domain}; register it with "
                "remote.register_launch_plan"
            )
        return self._plan_from_view(found[0], session.client)

    def fetch_active_launchplan(
        self, project: str | None = None, domain: str | None = None, name: str | None = None
    ) -> RegisteredLaunchPlan | None:
        """The active version of launch plan ``name``, or None when none is active."""
        m = "fetch_active_launchplan"
        session = self._scoped(m, project, domain)
        required(m, "name", name, "str", "fetch_active_launchplan(name='nightly')")
        params = {
            "project": session.project,
            "domain": session.domain,
            "name": name,
            "active": "true",
            "limit": 1,
        }
        items = session.client.list_launch_plans(**params)
        return self._plan_from_view(items[0], session.client) if items else None

    def activate_launchplan(
        self, ident: LaunchPlanId | RegisteredLaunchPlan
    ) -> RegisteredLaunchPlan:
        """Make this version the active one of its name; the other versions are deactivated."""
        return self._set_active("activate_launchplan", _ident("activate_launchplan", ident), True)

    def deactivate_launchplan(
        self, ident: LaunchPlanId | RegisteredLaunchPlan
    ) -> RegisteredLaunchPlan:
        """Deactivate this version; its name then has no active version."""
        m = "deactivate_launchplan"
        return self._set_active(m, _ident(m, ident), False)

    # -- helpers ---------------------------------------------------------------------------
    def _set_active(self, method: str, ident: LaunchPlanId, on: bool) -> RegisteredLaunchPlan:
        try:
            view = self.client.set_launch_plan_active(
                ident.project, ident.domain, ident.name, ident.version, on
            )
        except RunNotFoundError as exc:
            raise RunNotFoundError(f"UnionRemote.{method}: {exc}") from None
        return self._plan_from_view(view, self.client)

    @staticmethod
    def _plan_from_view(view: LaunchPlanView, client: BackendClient) -> RegisteredLaunchPlan:
        import json

        from ...schedules import schedule_from_dict
        from ...types import decode_values

        spec = view["spec"]
        return RegisteredLaunchPlan(
            id=LaunchPlanId(view["project"], view["domain"], view["name"], view["version"]),
            workflow_id=TaskId(
                view["project"], view["domain"], view["workflow_name"], view["workflow_version"]
            ),
            default_inputs=decode_values(json.dumps(spec["default_inputs"]), client.get_blob),
            fixed_inputs=decode_values(json.dumps(spec["fixed_inputs"]), client.get_blob),
            schedule=schedule_from_dict(spec.get("schedule")),
            labels=dict(spec.get("labels") or {}),
            annotations=dict(spec.get("annotations") or {}),
            max_parallelism=spec.get("max_parallelism"),
            overwrite_cache=spec.get("overwrite_cache"),
            is_active=bool(view["active"]),
            created_at=view["created_at"],
        )

    def _launch_target(
        self, method: str, entity: Any, inputs: Any
    ) -> tuple[Any, Mapping[str, Any] | None, dict[str, Any]]:
        """For a launch plan: (its workflow, merged inputs, run options); else unchanged.
        A lazy fetch (``fetch_*_lazy``) is resolved here, so ``execute`` takes it too."""
        from .. import LaunchPlan
        from ._fetch import LazyEntity

        if isinstance(entity, LazyEntity):
            entity = entity.entity

        if not isinstance(entity, LaunchPlan | RegisteredLaunchPlan):
            return entity, inputs, {}
        given = dict(arg(method, "inputs", inputs, "inputs", {}))
        options = {
            "overwrite_cache": entity.overwrite_cache,
            "max_action_concurrency": entity.max_parallelism,
        }
        if isinstance(entity, LaunchPlan):
            try:
                merged = entity.merge_inputs(given, f"UnionRemote.{method}")
            except Exception as exc:
                raise invalid(method, str(exc).removeprefix(f"UnionRemote.{method}: ")) from None
            return entity.workflow, merged, options
        wf = entity.workflow_id
        workflow = as_remote(self).fetch_task(wf.project, wf.domain, wf.name, wf.version)
        return workflow, entity.merge_inputs(given, method), options


def _workflow_arg(method: str, entity: Any) -> WorkflowTemplate:
    from .. import WorkflowTemplate

    if not isinstance(entity, WorkflowTemplate):
        raise invalid(method, f"entity must be a @workflow, got {entity!r}")
    return entity


def _ident(method: str, ident: Any) -> LaunchPlanId:
    if isinstance(ident, RegisteredLaunchPlan):
        return ident.id
    if isinstance(ident, LaunchPlanId):
        return ident
    raise invalid(
        method,
        "ident must be a LaunchPlanId or what fetch_launch_plan()/"
        f"register_launch_plan() returned, got {ident!r}",
    )
