"""``UnionRemote``'s gate methods: ``list_signals``, ``set_signal``, ``set_input``,
``approve``, ``reject``.

Decisions:

* A signal is named by its gate (``approve(x, name="ok", ...)``) and scoped to a run, so
  every method takes ``signal_id`` and ``execution_name`` as the seed does. ``project`` and
  ``domain`` are checked and accepted; run names are unique on a backend, so they do not
  change which run is meant.
* ``set_signal`` answers either kind: ``True``/``False`` approve or reject an approval,
  anything else sets an input. ``set_input`` is the same call, named for input gates.
* Values are checked here against the gate's type (int, float, str, bool) for a clear
  error before anything is sent, and again by the backend, which owns the rule.
* ``python_type``/``literal_type`` (flytekit's literal machinery) have no meaning here:
  a value is a plain Python value; a given ``python_type`` must match it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._args import arg, invalid, required
from ._base import RemoteBase

if TYPE_CHECKING:
    from ...wire import AnswerSignalBody, SignalView

__all__ = ["Signal", "SignalMethods"]


@dataclass(frozen=True)
class Signal:
    """A gate's signal in a run: WAITING for an answer, SET or REJECTED."""

    id: str
    execution_name: str
    action_name: str
    kind: str  # approve | input
    type: str  # bool, int, float or str
    state: str
    value: Any
    created_at: float
    set_at: float | None
    set_by: str | None

    @classmethod
    def from_view(cls, view: SignalView) -> Signal:
        raw = view.get("value")
        return cls(
            id=view["name"],
            execution_name=view["run_name"],
            action_name=view["action_name"],
            kind=view["kind"],
            type=view["type"],
            state=view["state"],
            value=json.loads(raw) if raw is not None else None,
            created_at=view["created_at"],
            set_at=view.get("set_at"),
            set_by=view.get("set_by"),
        )


class SignalMethods(RemoteBase):
    """Part of ``UnionRemote`` (``_remote.py``)."""

    def list_signals(
        self,
        execution_name: str,
        project: str | None = None,
        domain: str | None = None,
        limit: int = 100,
        filters: Any = None,
    ) -> list[Signal]:
        """The gate signals of run ``execution_name``, oldest first."""
        m = "list_signals"
        required(m, "execution_name", execution_name, "run", "list_signals('r3k0f...')")
        session = self._scoped(m, project, domain)
        if filters is not None:
            raise invalid(
                m,
                "filters are Flyte admin filters with no meaning here; filter the returned "
                "list, e.g. [s for s in signals if s.state == 'WAITING']",
            )
        items = session.client.list_signals(execution_name, arg(m, "limit", limit, "limit"))
        return [Signal.from_view(v) for v in items]

    def approve(
        self,
        signal_id: str,
        execution_name: str,
        project: str | None = None,
        domain: str | None = None,
    ) -> Signal:
        """Approve the approval gate ``signal_id``: the workflow goes on."""
        return self._answer(
            "approve", signal_id, execution_name, project, domain, {"approved": True}
        )

    def reject(
        self,
        signal_id: str,
        execution_name: str,
        project: str | None = None,
        domain: str | None = None,
    ) -> Signal:
        """Reject the approval gate ``signal_id``: that node fails with
        ``FlyteDisapprovedException``."""
        return self._answer(
            "reject", signal_id, execution_name, project, domain, {"approved": False}
        )

    def set_input(
        self,
        signal_id: str,
        execution_name: str,
        value: Any,
        project: str | None = None,
        domain: str | None = None,
        python_type: type | None = None,
        literal_type: Any = None,
    ) -> Signal:
        """Give the ``wait_for_input`` gate ``signal_id`` its value."""
        return self.set_signal(
            signal_id,
            execution_name,
            value,
            project,
            domain,
            python_type,
            literal_type,
            _method="set_input",
        )

    def set_signal(
        self,
        signal_id: str,
        execution_name: str,
        value: Any,
        project: str | None = None,
        domain: str | None = None,
        python_type: type | None = None,
        literal_type: Any = None,
        *,
        _method: str = "set_signal",
    ) -> Signal:
        """Answer gate ``signal_id``: a value for an input gate, True/False for an approval."""
        m = _method
        if literal_type is not None:
            raise invalid(m, "literal_type is flytekit's literal machinery; pass a plain value")
        if python_type is not None and not isinstance(value, python_type):
            raise invalid(
                m, f"value {value!r} is not a {getattr(python_type, '__name__', python_type)}"
            )
        if not isinstance(value, bool | int | float | str):
            raise invalid(
                m,
                "a gate's value is an int, float, str or bool (what a human types "
                f"in), got {type(value).__name__} {value!r}",
            )
        body: AnswerSignalBody = {"value": json.dumps(value)}
        if isinstance(value, bool):
            body["approved"] = value
        return self._answer(m, signal_id, execution_name, project, domain, body)

    def _answer(
        self,
        m: str,
        signal_id: str,
        execution_name: str,
        project: Any,
        domain: Any,
        body: AnswerSignalBody,
    ) -> Signal:
        from ...exceptions import FlyteNbException

        required(m, "signal_id", signal_id, "str", f"{m}('approve-report', 'r3k0f...')")
        required(m, "execution_name", execution_name, "run", f"{m}('approve-report', 'r3k0f...')")
        session = self._scoped(m, project, domain)
        try:
            view = session.client.answer_signal(execution_name, signal_id, body)
        except FlyteNbException as exc:
            raise type(exc)(f"UnionRemote.{m}: {exc}") from None
        return Signal.from_view(view)
