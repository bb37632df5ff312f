"""``conditional(name).if_(cond).then(x).elif_(cond).then(y).else_().then(z)`` (or ``.fail``).

Python evaluates ``.if_(cond)`` before the argument of ``.then(...)``, so the task calls
written inside ``then(...)`` happen while the case is open: the compiler tags those nodes
with the case (their *gate*), and at run time they run only if that case is chosen. The
conditional itself becomes a "branch" node recorded when ``else_()`` closes it; its output
is the chosen case's value. A case that ``fail``s raises at run time, with its message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..exceptions import FlyteValidationException
from ._promise import Compiler, Expression, Promise, PromiseTuple, current_compiler, outputs_of

__all__ = ["Case", "ConditionalSection", "case_values", "conditional"]


@dataclass
class Case:
    """One case: its condition (None for else), then the value it gives or the failure."""

    condition: Expression | None
    value: Any = None
    fail: str | None = None
    done: bool = False


def _condition(value: object, name: str) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, Promise):  # flytekit refuses `if_(x)` too: say which test is meant
        raise FlyteValidationException(
            f"conditional({name!r}).if_/elif_ got the promise {value!r} itself; conditions "
            "are comparisons (x > 3, x == 'a') joined with & and |, or x.is_true(), "
            "x.is_false(), x.is_none()"
        )
    raise FlyteValidationException(
        f"conditional({name!r}).if_/elif_ needs a comparison of workflow promises, e.g. "
        f"if_(x > 3) or if_(flag.is_true()), got {value!r}"
        + (
            " (`is`, `and`, `or`, `not` are evaluated by Python at once)"
            if isinstance(value, bool)
            else ""
        )
    )


def _names(value: Any) -> list[str]:
    """The output names a case's value offers: a node output keeps its name (``sum``, ``o0``),
    anything else is named by position (flytekit matches cases' outputs by name)."""
    items = list(value) if isinstance(value, PromiseTuple) else [value]
    return [
        v.output if isinstance(v, Promise) and v.node is not None and v.output else f"o{i}"
        for i, v in enumerate(items)
    ]


def case_values(value: Any, resolved: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The chosen case's ``resolved`` value as the conditional's outputs ``names``."""
    items = list(resolved) if isinstance(value, PromiseTuple) else [resolved]
    own = _names(value)
    if all(n in own for n in names):
        return {n: items[own.index(n)] for n in names}
    return dict(zip(names, items, strict=False))


class ConditionalSection:
    """The builder ``conditional(name)`` returns; see the module docstring."""

    def __init__(self, name: str, compiler: Compiler) -> None:
        self.name = name
        self.cases: list[Case] = []
        self._compiler = compiler
        self._outer = compiler.gate
        self.finished = False
        compiler.sections.append(self)

    def _open(self, condition: Expression | None) -> _Then:
        if self.cases and not self.cases[-1].done:
            raise FlyteValidationException(
                f"conditional({self.name!r}): call .then(...) after each if_/elif_/else_"
            )
        self.cases.append(Case(condition))
        self._compiler.gate = (self, len(self.cases) - 1)
        return _Then(self)

    def if_(self, condition: Any) -> _Then:
        if self.cases:
            raise FlyteValidationException(f"conditional({self.name!r}): if_ comes first, once")
        return self._open(_condition(condition, self.name))

    def elif_(self, condition: Any) -> _Then:
        if not self.cases:
            raise FlyteValidationException(f"conditional({self.name!r}): start with if_")
        return self._open(_condition(condition, self.name))

    def else_(self) -> _Then:
        if not self.cases:
            raise FlyteValidationException(f"conditional({self.name!r}): start with if_")
        return self._open(None)

    def _close(self, value: Any, fail: str | None) -> Any:
        case = self.cases[-1]
        case.value, case.fail, case.done = value, fail, True
        self._compiler.gate = self._outer
        if case.condition is not None:
            return self
        return self._finish()

    def _finish(self) -> Any:
        """The else case closed the conditional: record the branch node, return its output.

        Its outputs are what every case offers (flytekit's rule): if any case gives nothing
        (a task without outputs, ``None``), the conditional gives nothing; cases of equal
        width give that many outputs; cases of different widths give the output names they
        have in common, and none in common is an error here rather than at run time.
        """
        self.finished = True
        given = [c for c in self.cases if c.fail is None]
        void = any(
            c.value is None or (isinstance(c.value, Promise) and c.value.output is None)
            for c in given
        )
        names: tuple[str, ...] = ()
        multi = False
        if given and not void:
            per_case = [_names(c.value) for c in given]
            multi = any(isinstance(c.value, PromiseTuple) for c in given)
            if len({len(n) for n in per_case}) == 1:
                first = per_case[0]
                same = all(n == first for n in per_case)
                names = tuple(first) if same else tuple(f"o{i}" for i in range(len(first)))
            else:
                names = tuple(n for n in per_case[0] if all(n in other for other in per_case))
                if not names:
                    widths = [len(n) for n in per_case]
                    raise FlyteValidationException(
                        f"conditional({self.name!r}): its cases give different numbers of "
                        f"outputs {widths} with no output name in common "
                        f"({[list(n) for n in per_case]}); make every case give the same "
                        "outputs"
                    )
                multi = len(names) > 1
        node = self._compiler.add_node("branch", self, {}, names)
        node.gate = self._outer
        return outputs_of(node, multi=multi)

    def __repr__(self) -> str:
        return f"<conditional {self.name!r} with {len(self.cases)} case(s)>"


class _Then:
    def __init__(self, section: ConditionalSection) -> None:
        self._section = section

    def then(self, value: Any) -> Any:
        """The value of this case: a promise, a tuple of promises or a constant."""
        return self._section._close(value, None)

    def fail(self, message: str) -> Any:
        """Choosing this case fails the workflow with ``message``."""
        if not isinstance(message, str):
            raise FlyteValidationException(f"fail() takes a message string, got {message!r}")
        return self._section._close(None, message)


def conditional(name: str) -> ConditionalSection:
    """Start a conditional in a ``@workflow`` body (see the module docstring)."""
    compiler = current_compiler()
    if compiler is None:
        raise FlyteValidationException(
            "conditional(...) only works inside a @workflow body, where it adds a branch to "
            "the graph; in a task, use a plain Python `if`"
        )
    if not isinstance(name, str) or not name:
        raise FlyteValidationException(f"conditional needs a name string, got {name!r}")
    return ConditionalSection(name, compiler)
