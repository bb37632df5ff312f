"""``Report`` and ``Tab``: the live, tabbed HTML page of a ``report=True`` task (Flyte 2).

Design decisions:

* A tab keeps its HTML as a list of parts (``deck._html.HtmlParts``) and the page is
  joined once, in ``to_html``: a report grown by thousands of ``log`` calls to 10 MB costs
  one pass, where ``html += part`` would copy the whole page on every call.
* ``to_html`` is one self-contained page: inline CSS and a few lines of JS to switch
  tabs, nothing fetched, because it is shown offline in a sandboxed ``srcdoc`` frame
  (``allow-scripts`` only), where no other page's styles or scripts exist.
* plotly.js is lifted out of every figure as it is logged and put once in ``<head>``, so
  twenty figures cost one copy of the library (~4.8 MB), not twenty. Figures in hidden tabs
  are resized when their tab is shown (plotly sizes a hidden plot wrongly).
* "Main" is created with the report and is always the first tab; other tabs follow in the
  order they were created. The tab bar is left out while Main is the only tab.
"""

from __future__ import annotations

import types
from collections.abc import Mapping

from ..deck._html import HtmlParts, esc, plotly_bundle, sandboxed_iframe
from ..exceptions import FlyteValidationException

MAIN_TAB = "Main"

_STYLE = """<style>
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222}
nav.fnb-tabs{display:flex;flex-wrap:wrap;gap:2px;border-bottom:1px solid #ccc;
padding:6px 8px 0;background:#fafafa;position:sticky;top:0;z-index:1}
nav.fnb-tabs button{border:1px solid transparent;border-bottom:none;background:none;
padding:5px 12px;cursor:pointer;font:inherit;color:#555;border-radius:4px 4px 0 0}
nav.fnb-tabs button.active{border-color:#ccc;background:#fff;color:#000;margin-bottom:-1px}
.fnb-tab{display:none;padding:8px 12px}.fnb-tab.active{display:block}
</style>"""

_SCRIPT = """<script>
document.querySelectorAll("nav.fnb-tabs button").forEach(function (b) {
  b.addEventListener("click", function () {
    document.querySelectorAll("nav.fnb-tabs button, .fnb-tab").forEach(function (e) {
      e.classList.remove("active");
    });
    b.classList.add("active");
    var tab = document.getElementById(b.dataset.tab);
    tab.classList.add("active");
    if (window.Plotly) {
      tab.querySelectorAll(".plotly-graph-div").forEach(function (g) {
        window.Plotly.Plots.resize(g);
      });
    }
  });
});
</script>"""


def _check_content(api: str, content: object) -> str:
    if not isinstance(content, str):
        raise FlyteValidationException(
            f"{api} takes a str of HTML, got {type(content).__name__}; render values first, "
            "e.g. flyte_nb.deck.TopFrameRenderer().to_html(df) or flyte_nb.deck.render(value)"
        )
    return content


def _check_name(api: str, name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise FlyteValidationException(
            f"{api} name must be a non-empty str, got {name!r}; e.g. get_tab('Metrics')"
        )
    return name


class Tab:
    """One tab of a report: ``log`` appends HTML, ``replace`` swaps all of it."""

    __slots__ = ("_body", "name")

    def __init__(self, name: str) -> None:
        self.name = _check_name("Tab", name)
        self._body = HtmlParts()

    def log(self, content: str) -> None:
        """Append ``content`` (HTML) to the tab."""
        self._body.append(_check_content(f"Tab({self.name!r}).log", content))

    def replace(self, content: str) -> None:
        """Make ``content`` (HTML) the tab's only content."""
        _check_content(f"Tab({self.name!r}).replace", content)
        body = HtmlParts()
        body.append(content)
        self._body = body  # one assignment: a concurrent to_html sees old or new, never none

    @property
    def content(self) -> str:
        """The tab's HTML on its own (with plotly.js if a figure in it needs it)."""
        return self._body.html()

    def __repr__(self) -> str:
        return f"Tab({self.name!r}, {sum(map(len, self._body.parts)):,} characters)"


class Report:
    """A tabbed HTML page; a ``report=True`` task gets one, reached via ``flyte_nb.report``."""

    __slots__ = ("_tabs", "name")

    def __init__(self, name: str = "report") -> None:
        self.name = _check_name("Report", name)
        self._tabs: dict[str, Tab] = {MAIN_TAB: Tab(MAIN_TAB)}

    @property
    def tabs(self) -> Mapping[str, Tab]:
        """Name -> tab, Main first, read-only (add tabs with ``get_tab``)."""
        return types.MappingProxyType(self._tabs)

    def get_tab(self, name: str, create_if_missing: bool = True) -> Tab:
        """The tab called ``name``, created at the end of the tab bar if it is new."""
        _check_name("get_tab", name)
        tab = self._tabs.get(name)
        if tab is not None:
            return tab
        if not create_if_missing:
            raise FlyteValidationException(
                f"the report has no tab {name!r} (tabs: {', '.join(map(repr, self._tabs))}); "
                "call get_tab(name) without create_if_missing=False to create it"
            )
        return self._tabs.setdefault(name, Tab(name))

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page, Main tab first and shown."""
        tabs = list(self._tabs.values())
        bodies = [t._body for t in tabs]
        out = [f'<!doctype html><html><head><meta charset="utf-8"><title>{esc(self.name)}</title>']
        out.append(_STYLE)
        if any(b.needs_plotly for b in bodies):
            out.append(plotly_bundle())
        out.append("</head><body>")
        if len(tabs) > 1:
            out.append('<nav class="fnb-tabs" role="tablist">')
            out.extend(
                f'<button role="tab" data-tab="fnb-tab-{i}"{" class=active" if i == 0 else ""}>'
                f"{esc(t.name)}</button>"
                for i, t in enumerate(tabs)
            )
            out.append("</nav>")
        for i, (tab, body) in enumerate(zip(tabs, bodies, strict=True)):
            active = " active" if i == 0 else ""
            out.append(
                f'<section id="fnb-tab-{i}" class="fnb-tab{active}" role="tabpanel" '
                f'aria-label="{esc(tab.name)}">'
            )
            out.extend(body.parts)
            out.append("</section>")
        if len(tabs) > 1:
            out.append(_SCRIPT)
        out.append("</body></html>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return sandboxed_iframe(self.to_html(), title=self.name, height=600)

    def __repr__(self) -> str:
        return f"Report({self.name!r}, tabs={list(self._tabs)!r})"
