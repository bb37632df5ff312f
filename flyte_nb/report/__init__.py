"""Reports: the live, tabbed HTML page of a ``report=True`` task (Flyte 2's ``flyte.report``).

    @env.task(report=True)
    async def main(n: int) -> int:
        await fl.report.log.aio("<h2>started</h2>", do_flush=True)  # watchers see it now
        fl.report.get_tab("Plots").log(PlotlyRenderer().to_html(fig))
        return n

Every function also has an ``.aio`` coroutine twin; the plain ones work from async bodies
too. The report is published when the attempt ends, and earlier on ``flush()``.
"""

from ._functions import current_report, flush, get_tab, log, replace
from ._report import Report, Tab

__all__ = ["Report", "Tab", "current_report", "flush", "get_tab", "log", "replace"]
