"""The decks the engine builds for every deck-enabled attempt: Input, Output, Source Code,
Timeline and Dependencies (flytekit's ``DeckField``).

Design decisions:

* ``build_default_decks`` is a pure function of what the engine already has (task, values,
  error, phase times); it publishes nothing, so the engine decides when and where the
  HTML goes, and tests need no running task.
* A deck that cannot be built (a renderer raises, the source is gone) becomes a short
  note in that deck. Decks describe the attempt; they must never be the reason it fails.
* Every deck is bounded by default: values go through ``render`` (first 10 rows of a
  frame, a shortened repr), and plotly.js is carried once per deck. A renderer the user
  chose with ``Annotated[T, renderer]`` is trusted to draw what the user asked for.
* A failed attempt still gets its Output deck: the error's type, message and traceback,
  escaped, in place of the outputs it never produced.
"""

from __future__ import annotations

import datetime
import enum
import inspect
import textwrap
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..exceptions import FlyteValidationException
from ._auto import MAX_VALUE_CHARS, render
from ._deps import dependency_rows
from ._html import HtmlParts, cut, esc, note, table
from ._renderers import Renderable, SourceCodeRenderer


class DeckField(enum.StrEnum):
    """A default deck a task can ask for (``deck_fields=...``)."""

    INPUT = "input"
    OUTPUT = "output"
    SOURCE_CODE = "source_code"
    TIMELINE = "timeline"
    DEPENDENCIES = "dependencies"


DEFAULT_DECK_FIELDS: tuple[DeckField, ...] = (
    DeckField.SOURCE_CODE,
    DeckField.DEPENDENCIES,
    DeckField.TIMELINE,
    DeckField.INPUT,
    DeckField.OUTPUT,
)
"""flytekit's default: every field."""

DECK_NAMES = {
    DeckField.INPUT: "Input",
    DeckField.OUTPUT: "Output",
    DeckField.SOURCE_CODE: "Source Code",
    DeckField.TIMELINE: "Timeline",
    DeckField.DEPENDENCIES: "Dependencies",
}

_ERROR_STYLE = "border-left:4px solid #c62828;padding:4px 10px;background:#fdecea;margin:4px 0"


def _coerce_fields(fields: Iterable[DeckField | str]) -> list[DeckField]:
    if isinstance(fields, str):  # one field (a DeckField is a str too), not its characters
        fields = [fields]
    out: list[DeckField] = []
    for f in fields:
        try:
            field = DeckField(f)
        except ValueError:
            raise FlyteValidationException(
                f"unknown deck field {f!r}; use one of "
                f"{', '.join(repr(d.value) for d in DeckField)} (or DeckField.INPUT, ...)"
            ) from None
        if field not in out:
            out.append(field)
    return out


def _input_deck(task: Any, inputs: Mapping[str, Any]) -> str:
    if not inputs:
        return note("this task takes no inputs")
    declared = getattr(getattr(task, "interface", None), "inputs", None) or {}
    from .._annotations import type_name

    rows = []
    for name, value in inputs.items():
        spec = declared.get(name)
        tp = type_name(spec[0]) if spec else type(value).__qualname__
        rows.append((name, tp, render(value)))
    return table(["input", "type", "value"], rows, raw_columns=(2,))


def _output_deck(
    outputs: Mapping[str, Any] | None,
    error: BaseException | None,
    renderers: Mapping[str, Renderable],
) -> str:
    if error is not None:
        trace = "".join(traceback.format_exception(error))
        return (
            f'<div style="{_ERROR_STYLE}"><b>{esc(type(error).__qualname__)}</b>: '
            f"{esc(cut(str(error), MAX_VALUE_CHARS))}</div>"
            '<pre style="white-space:pre-wrap;font:12px ui-monospace,monospace">'
            f"{esc(cut(trace, MAX_VALUE_CHARS))}</pre>"
        )
    if not outputs:
        return note("this task returned no outputs")
    out = []
    for name, value in outputs.items():
        out.append(f"<h3>{esc(name)}</h3>")
        renderer = renderers.get(name)
        if renderer is None:
            out.append(render(value))
            continue
        try:
            out.append(renderer.to_html(value))
        except Exception as exc:
            out.append(note(f"{type(renderer).__qualname__} failed ({exc}); shown as text:"))
            out.append(render(value))
    return "".join(out)


def _source_deck(task: Any) -> str:
    func = getattr(task, "func", task)
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as exc:
        return note(
            f"the source of {getattr(func, '__qualname__', func)!r} is not available here "
            f"({exc}); it is kept for functions defined in files and notebook cells"
        )
    return SourceCodeRenderer().to_html(source)


def _fmt_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)} min {secs:.1f} s"


def _timeline_deck(timeline: Sequence[tuple[str, float]]) -> str:
    if not timeline:
        return note("no phases were recorded")
    first = timeline[0][1]
    total = max(timeline[-1][1] - first, 1e-9)
    rows = []
    for i, (phase, at) in enumerate(timeline):
        when = datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if i + 1 < len(timeline):
            duration = timeline[i + 1][1] - at
            width = max(duration / total * 100, 0.5)
            bar = (
                f'<div style="margin-left:{(at - first) / total * 100:.2f}%;width:{width:.2f}%;'
                'height:10px;background:#4c78a8"></div>'
            )
            shown = _fmt_duration(duration)
        else:
            bar, shown = "", "(final)"
        rows.append((esc(phase), f"{when[:-3]} UTC", f"+{_fmt_duration(at - first)}", shown, bar))
    header = ["phase", "started", "offset", "duration", ""]
    return table(header, rows, raw_columns=(0, 1, 2, 3, 4)) + note(
        f"total {_fmt_duration(timeline[-1][1] - first)}"
    )


def _dependencies_deck(task: Any) -> str:
    return table(["package", "version"], dependency_rows(getattr(task, "func", task)))


def build_default_decks(
    task: Any,
    fields: Iterable[DeckField | str],
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any] | None,
    error: BaseException | None,
    timeline: Sequence[tuple[str, float]],
    output_renderers: Mapping[str, Renderable],
) -> list[tuple[str, str]]:
    """(deck name, HTML) for each requested field, in the order asked for.

    ``timeline`` is (phase, epoch seconds) in order; ``output_renderers`` usually comes
    from ``output_renderers(task.interface.return_annotation)``.
    """
    builders: dict[DeckField, Callable[[], str]] = {
        DeckField.INPUT: lambda: _input_deck(task, inputs),
        DeckField.OUTPUT: lambda: _output_deck(outputs, error, output_renderers),
        DeckField.SOURCE_CODE: lambda: _source_deck(task),
        DeckField.TIMELINE: lambda: _timeline_deck(timeline),
        DeckField.DEPENDENCIES: lambda: _dependencies_deck(task),
    }
    decks = []
    for field in _coerce_fields(fields):
        name = DECK_NAMES[field]
        try:
            html = builders[field]()
        except Exception as exc:
            html = note(f"could not build the {name} deck: {type(exc).__qualname__}: {exc}")
        parts = HtmlParts()
        parts.append(html)
        decks.append((name, parts.html()))
    return decks
