"""Following a live run for a view: two daemon threads and a CPU-budgeted throttle.

Why two threads: ``run.watch()`` is a blocking generator over the backend's event stream.
If the thread reading it also drew, the last burst of events before a quiet spell (50
children start, then all sleep for a minute) would stay undrawn until the next event.
So the *reader* only marks the view dirty (and notes which decks were published), and
the *updater* wakes when something is dirty, draws, and sleeps off its throttle.

Why events coalesce: a 1000-action fan-out emits several thousand events a second. The
updater never draws per event: it draws at most once per ``min_interval`` (0.25 s, so at
most ~4 updates a second) and each update re-reads the run once (``run.refresh()`` and
``run.actions()``), however many events arrived meanwhile.

The CPU budget: one read of a 1000-action run costs the kernel ~17 ms (mostly decoding
~0.5 MB of JSON), so 4 reads a second would take 7 % of a core, and on a small machine
slow the run itself down. So the next update is also held until both threads' CPU time,
plus the next update and a reserve for the final one (each estimated by the last
update's cost; the constructor's first drawing for the first), fits in ``cpu_share``
(3 %) of the time followed. In steady state that spaces updates ``cost / cpu_share``
apart: every 0.25 s for a 50-action run, every ~0.6 s for 1000 actions. The update that
draws the end is never held (the long-poll below returns as the run ends), so a run
shorter than ~(reader + one read) / ``cpu_share`` costs one read beyond the budget.

Why the stream may be dropped: merely reading the stream costs the kernel ~35 us per
event (an HTTP chunk each), so a fan-out finishing 1000 actions a second would cost ~10 %
of a core just to be told what the next update re-reads anyway (measured in
``benchmarks/bench_widget.py``). The reader therefore checks its own CPU time; once it
exceeds ``stream_share`` of the time followed (past a small grace, so short bursts never
trip it), it closes the stream and the updater *polls* instead: between updates it
blocks in ``run.wait(timeout=...)`` (the backend's long-poll, no CPU while waiting), so
it still draws when the budget allows and at once when the run ends. Polling re-lists
the decks on every update, as there are no doc events to say when. A run the stream
does not follow (a local run of another kernel, or a stream that broke) is polled the
same way.

When it stops: after the update that sees the run finished, when the view is closed, or
after ``MAX_FAILURES`` failed updates in a row (the backend went away). The reader
blocks inside the stream, so closing a view stops it at its next event at the latest
(the server sends a keep-alive every 15 s); it is a daemon thread and holds no lock.
The threads' CPU time (``time.thread_time``) is summed into ``cpu_seconds`` as they end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..remote import Run

MAX_FAILURES = 5
STREAM_GRACE = 0.005
"""CPU seconds the reader may spend before its ``stream_share`` is checked."""

Key = tuple[str, str, str]
Update = Callable[[bool, set[Key]], bool]
"""``update(docs_changed, published)``: re-read and redraw; returns whether the run is done.
``published`` holds the (action, kind, name) of decks published since the last update."""


class Follower:
    def __init__(
        self,
        run: Run,
        update: Update,
        tick: Callable[[], None],
        failed: Callable[[BaseException, bool], None],
        *,
        min_interval: float = 0.25,
        cpu_share: float = 0.03,
        stream_share: float = 0.02,
        tick_interval: float = 1.0,
        first_cost: float = 0.0,
    ) -> None:
        self._run = run
        self._update, self._tick, self._failed = update, tick, failed
        self.min_interval, self.cpu_share = min_interval, cpu_share
        self.stream_share, self.tick_interval = stream_share, tick_interval
        self.first_cost = first_cost
        self._reader_cpu = 0.0  # the reader's CPU so far, as it last noted it
        self._updater_cpu0 = 0.0
        self._cond = threading.Condition()
        self._dirty = False
        self._docs_changed = False
        self._published: set[Key] = set()
        self._stream_over = False
        self._closed = False
        self.updates = 0
        """Full updates drawn (each one re-read of the run)."""
        self.events = 0
        self.polling = False
        """True when the reader dropped the stream as too busy; the updater then polls."""
        self.cpu_seconds = 0.0
        self.error: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._read, name=f"flyte-nb-watch-{run.name}", daemon=True),
            threading.Thread(target=self._loop, name=f"flyte-nb-draw-{run.name}", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for both threads to end; True if they did within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)
        return not self.alive

    def _add_cpu(self, seconds: float) -> None:
        with self._cond:
            self.cpu_seconds += seconds

    # -- the reader ------------------------------------------------------------------------
    def _read(self) -> None:
        cpu0, wall0 = time.thread_time(), time.monotonic()
        events = self._run.watch()
        try:
            for n, event in enumerate(events, 1):
                if self._note(event):
                    break
                if n % 16 == 0:  # too busy to follow event by event: let the updater poll
                    cpu = self._reader_cpu = time.thread_time() - cpu0
                    if cpu > STREAM_GRACE and cpu > self.stream_share * (time.monotonic() - wall0):
                        self.polling = True
                        break
        except Exception as exc:  # the stream broke: the updater polls instead
            self.error = exc
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # hangs up: the backend stops sending to us
            with self._cond:
                self._stream_over = True
                self._cond.notify_all()
            self._add_cpu(time.thread_time() - cpu0)

    def _note(self, event: dict[str, object]) -> bool:
        """Mark the view dirty for one event; True when closed."""
        kind = event.get("kind")
        with self._cond:
            if self._closed:
                return True
            self.events += 1
            if kind == "doc":
                self._docs_changed = True
                key = (str(event.get("action")), str(event.get("doc_kind")))
                self._published.add((*key, str(event.get("name"))))
            elif kind == "overflow":  # events were dropped: re-list the decks too
                self._docs_changed = True
            if kind != "log" and not self._dirty:
                self._dirty = True
                self._cond.notify_all()
        return False

    # -- the updater -----------------------------------------------------------------------
    def _wait(self, seconds: float, *, until_stream_over: bool = False) -> bool:
        """Sleep up to ``seconds`` unless closed meanwhile (or, with ``until_stream_over``,
        the stream ended: the rest of the gap is then spent in the long-poll, which
        returns as the run ends); True if still open."""
        with self._cond:
            if seconds > 0 and not self._closed:
                over = until_stream_over
                self._cond.wait_for(lambda: self._closed or (over and self._stream_over), seconds)
            return not self._closed

    def _long_poll(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the run to end (the backend answers when it does)."""
        if seconds <= 0:
            return
        try:
            self._run.wait(timeout=seconds)
        except TimeoutError:
            pass
        except Exception:  # no long-poll to be had: a plain sleep
            self._wait(seconds)

    def _take(self) -> tuple[bool, bool, set[Key], bool] | None:
        """Wait for something to draw; None when closed. (dirty, docs, published, over)"""
        with self._cond:
            ready = lambda: self._closed or self._dirty or self._stream_over  # noqa: E731
            self._cond.wait_for(ready, self.tick_interval)
            if self._closed:
                return None
            taken = (self._dirty, self._docs_changed, self._published, self._stream_over)
            self._dirty, self._docs_changed, self._published = False, False, set()
            return taken

    def _loop(self) -> None:
        self._updater_cpu0 = time.thread_time()
        try:
            self._follow()
        finally:
            self._add_cpu(time.thread_time() - self._updater_cpu0)

    def _spent(self) -> float:
        """CPU seconds both threads took so far (called on the updater thread)."""
        return self._reader_cpu + time.thread_time() - self._updater_cpu0

    def _follow(self) -> None:
        start = last = time.monotonic()
        cost, backoff, failures = self.first_cost, 0.0, 0
        while True:
            # The budget: what both threads spent, plus this update and a reserve for the
            # final one (each estimated by the last update's cost), within cpu_share of
            # the time followed; and never two updates within min_interval.
            budget = (self._spent() + 2 * cost) / self.cpu_share
            due = max(last + self.min_interval + backoff, start + budget)
            if not self._wait(due - time.monotonic(), until_stream_over=True):
                return
            if self._stream_over:
                self._long_poll(due - time.monotonic())
            taken = self._take()
            if taken is None:
                return
            dirty, docs_changed, published, stream_over = taken
            if not (dirty or stream_over):
                self._tick()  # quiet: only the elapsed time moves
                continue
            cpu = time.thread_time()
            try:
                # Once the stream is over, every update re-lists the decks: the last
                # events may have been dropped, and a polled run has no doc events.
                done = self._update(docs_changed or stream_over, published)
            except Exception as exc:
                failures += 1
                self._failed(exc, failures >= MAX_FAILURES)
                if failures >= MAX_FAILURES:
                    return
                backoff, last = min(max(backoff * 2, 1.0), 30.0), time.monotonic()
                with self._cond:  # try again after the backoff, with what was taken
                    self._dirty = True
                    self._docs_changed |= docs_changed
                    self._published |= published
                continue
            failures, backoff = 0, 0.0
            self.updates += 1
            cost, last = time.thread_time() - cpu, time.monotonic()
            if done:
                return
            if stream_over:  # not (or no longer) followed by the stream: poll
                with self._cond:
                    self._dirty = True
