"""Decks and reports in the store: the recorder's ``doc``, the reads, the SDK, the display
(the HTTP API: ``test_docs_http.py``).

The producer side (a task publishing its decks) is tested with the engine; here the rows
are written straight through the recorders, as the engine and the backend will.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _docs_rows import PLOT, TABLE, action, finished_run, sha, write
from _postgres import create_database, postgres_url  # noqa: F401 (a fixture)

import flyte_nb as fl
from flyte_nb import _config
from flyte_nb.exceptions import FlyteValidationException, RunNotFoundError
from flyte_nb.remote import DeckView
from flyte_nb.store import (
    BatchRecorder,
    Recorder,
    SqlRecorder,
    _queries,
    _reader,
    get_recorder,
)
from flyte_nb.store._db import create_engine


# -- the recorders -------------------------------------------------------------------------
@pytest.fixture(params=["recorder", "sql-recorder-sqlite", "sql-recorder-postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[BatchRecorder, Any]]:
    """(a recorder that flushes only when told, an engine on its database)."""
    rec: BatchRecorder
    if request.param == "recorder":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        rec = Recorder(tmp_path / "store.db", tmp_path / "blobs", interval=60)
    elif request.param == "sql-recorder-sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        rec = SqlRecorder(url, tmp_path / "blobs", interval=60)
    else:
        base = request.getfixturevalue("postgres_url")
        url = create_database(base, f"d{uuid.uuid4().hex[:12]}")
        rec = SqlRecorder(url, tmp_path / "blobs", interval=60)
    engine = create_engine(url)
    try:
        yield rec, engine
    finally:
        rec.close()
        engine.dispose()


def test_doc_stores_the_html_once_by_content_and_indexes_it(
    store: tuple[BatchRecorder, sa.Engine], tmp_path: Path
) -> None:
    rec, engine = store
    write(rec, finished_run("r1"), action("r1", "a0", 0, parent=None), action("r1", "a1", 1))
    rec.doc("r1", "a0", 1, "deck", "plot", PLOT)
    rec.doc("r1", "a1", 1, "deck", "plot", PLOT)  # the same HTML: one blob
    rec.doc("r1", "a1", 1, "report", "report", TABLE)
    rec.flush()

    blobs = sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file())
    assert blobs == sorted({sha(PLOT), sha(TABLE)})
    rows = _queries.list_docs(engine, "r1")
    assert [(r["action_name"], r["kind"], r["name"]) for r in rows] == [
        ("a0", "deck", "plot"),
        ("a1", "deck", "plot"),
        ("a1", "report", "report"),
    ]
    first = rows[0]
    assert first["run_name"] == "r1"
    assert first["attempt"] == 1
    assert first["digest"] == sha(PLOT)
    assert first["size"] == len(PLOT.encode()) > len(PLOT)  # bytes, not characters
    assert (first["source_run"], first["source_action"]) == (None, None)
    assert rec.blobs.get(first["digest"]).decode() == PLOT
    assert _queries.list_docs(engine, "r1", "a0") == rows[:1]
    assert _queries.get_doc(engine, "r1", "a1", "report", "report") == rows[2]
    assert _queries.get_doc(engine, "r1", "a1", "deck", "nope") is None
    assert _queries.list_docs(engine, "no-such-run") == []


def test_the_latest_publish_wins_within_a_batch_and_across_batches(
    store: tuple[BatchRecorder, sa.Engine],
) -> None:
    rec, engine = store
    write(rec, finished_run("r1"), action("r1", "a0", 0, parent=None))
    for i in range(3):  # one batch: PostgreSQL refuses an upsert touching a row twice
        rec.doc("r1", "a0", 1, "deck", "live", f"<p>{i}</p>")
    rec.flush()
    (row,) = _queries.list_docs(engine, "r1")
    assert row["digest"] == sha("<p>2</p>")
    first_update = row["updated_at"]

    rec.doc("r1", "a0", 1, "deck", "live", "<p>final</p>")
    rec.flush()
    (row,) = _queries.list_docs(engine, "r1")
    assert (row["digest"], row["size"]) == (sha("<p>final</p>"), len("<p>final</p>"))
    assert row["updated_at"] >= first_update


def test_docs_ride_the_batch_in_one_transaction_with_the_actions(
    store: tuple[BatchRecorder, sa.Engine],
) -> None:
    rec, engine = store
    rec.write_run(finished_run("r1"))
    root = action("r1", "a0", 0, parent=None)
    rec.touch(root)
    rec.doc("r1", "a0", 1, "deck", "plot", PLOT)
    assert _queries.list_docs(engine, "r1") == []  # queued, not written: the HTML is a blob
    batches: list[tuple[Any, ...]] = []
    real_write = rec._write

    def spy(*args: Any) -> None:
        batches.append(args)
        real_write(*args)

    rec._write = spy  # type: ignore[method-assign]
    rec.flush()
    ((_runs, actions, _logs, _cache, docs),) = batches
    assert len(actions) == 1
    assert [d["name"] for d in docs] == ["plot"]
    assert len(_queries.list_docs(engine, "r1")) == 1
    rec.flush()  # nothing queued: no write at all
    assert len(batches) == 1


def test_attempts_are_kept_apart_and_the_latest_with_docs_is_the_default(
    store: tuple[BatchRecorder, sa.Engine],
) -> None:
    rec, engine = store
    write(rec, finished_run("r1"), action("r1", "a0", 0, parent=None, attempts=2))
    rec.doc("r1", "a0", 1, "deck", "plot", "<p>try 1</p>")
    rec.doc("r1", "a0", 1, "deck", "extra", "<p>only in 1</p>")
    rec.doc("r1", "a0", 2, "deck", "plot", "<p>try 2</p>")
    rec.flush()

    latest = _queries.list_docs(engine, "r1", "a0")
    assert [(r["attempt"], r["name"]) for r in latest] == [(2, "plot")]
    first = _queries.list_docs(engine, "r1", "a0", attempt=1)
    assert [(r["attempt"], r["name"]) for r in first] == [(1, "extra"), (1, "plot")]
    assert _queries.list_docs(engine, "r1", "a0", attempt=3) == []
    assert _queries.get_doc(engine, "r1", "a0", "deck", "extra") is None  # not in attempt 2
    row = _queries.get_doc(engine, "r1", "a0", "deck", "extra", attempt=1)
    assert row is not None
    assert rec.blobs.get(row["digest"]) == b"<p>only in 1</p>"


def test_a_cache_hit_shows_the_docs_of_the_action_that_filled_the_cache(
    store: tuple[BatchRecorder, sa.Engine],
) -> None:
    rec, engine = store
    key = "k" * 64
    write(
        rec,
        finished_run("r-fill"),
        action("r-fill", "a0", 0, parent=None),
        action("r-fill", "a3", 1, attempts=2),
    )
    rec.cache_put("docs.step", "v1", key, '{"o0":1}', "r-fill", "a3")
    rec.doc("r-fill", "a3", 1, "deck", "plot", "<p>failed try</p>")
    rec.doc("r-fill", "a3", 2, "deck", "plot", PLOT)
    rec.doc("r-fill", "a3", 2, "report", "report", TABLE)
    # The hitting run: its root has its own deck, its child a1 is a cache hit on ``key``,
    # a2 is a cache hit on an entry that is gone (no docs, no error).
    write(
        rec,
        finished_run("r-hit"),
        action("r-hit", "a0", 0, parent=None),
        action("r-hit", "a1", 1, cache_key=key),
        action("r-hit", "a2", 2, cache_key="z" * 64),
    )
    rec.doc("r-hit", "a0", 1, "deck", "summary", "<p>root</p>")
    rec.flush()

    rows = _queries.list_docs(engine, "r-hit")
    assert [(r["action_name"], r["kind"], r["name"], r["attempt"]) for r in rows] == [
        ("a0", "deck", "summary", 1),
        ("a1", "deck", "plot", 2),
        ("a1", "report", "report", 2),
    ]
    assert (rows[0]["source_run"], rows[0]["source_action"]) == (None, None)
    for row in rows[1:]:
        assert row["run_name"] == "r-hit"
        assert (row["source_run"], row["source_action"]) == ("r-fill", "a3")
    assert rows[1]["digest"] == sha(PLOT)
    hit = _queries.list_docs(engine, "r-hit", "a1", attempt=1)  # the filler's attempt 1
    assert [(r["name"], r["digest"]) for r in hit] == [("plot", sha("<p>failed try</p>"))]
    report = _queries.get_doc(engine, "r-hit", "a1", "report", "report")
    assert report is not None
    assert report["source_run"] == "r-fill"
    assert _queries.list_docs(engine, "r-hit", "a2") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, "deck", "plot"), "attempt must be an int >= 1"),
        ((True, "deck", "plot"), "attempt must be an int >= 1"),
        ((1, "page", "plot"), "kind is one of"),
        ((1, "deck", ""), "name must be 1 to 256"),
        ((1, "deck", "x" * 257), "name must be 1 to 256"),
    ],
)
def test_bad_docs_are_refused_when_published_not_when_flushed(
    tmp_path: Path, args: tuple[Any, str, str], message: str
) -> None:
    rec = Recorder(tmp_path / "store.db", tmp_path / "blobs", interval=60)
    try:
        with pytest.raises(ValueError, match=message):
            rec.doc("r1", "a0", *args, PLOT)
        with pytest.raises(ValueError, match=message):
            rec.doc_index("r1", "a0", *args, sha(PLOT), 10)
        assert not (tmp_path / "blobs").exists()  # refused before the blob was written
    finally:
        rec.close()


def test_doc_index_takes_a_stored_blob_and_checks_digest_and_size(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "store.db", tmp_path / "blobs", interval=60)
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with pytest.raises(ValueError, match="not a blob digest"):
            rec.doc_index("r1", "a0", 1, "deck", "plot", "../../etc/passwd", 10)
        with pytest.raises(ValueError, match="size must be an int >= 0"):
            rec.doc_index("r1", "a0", 1, "deck", "plot", sha(PLOT), -1)
        digest = rec.blobs.put(PLOT.encode())  # a worker wrote the blob itself
        rec.doc_index("r1", "a0", 1, "deck", "plot", digest, len(PLOT.encode()))
        rec.flush()
        (row,) = _queries.list_docs(engine, "r1")  # no action row yet: still listed
        assert (row["action_name"], row["digest"]) == ("a0", digest)
    finally:
        rec.close()
        engine.dispose()


def test_the_local_reader_answers_like_the_backend_queries(home: Path) -> None:
    rec = get_recorder(_config.database_path(), _config.blob_dir())
    write(rec, finished_run("r1"), action("r1", "a0", 0, parent=None))
    rec.doc("r1", "a0", 1, "report", "report", TABLE)
    rec.flush()
    rows = _reader.list_docs(_config.database_path(), "r1")
    assert [(r["kind"], r["digest"]) for r in rows] == [("report", sha(TABLE))]
    assert _reader.get_doc(_config.database_path(), "r1", "a0", "report", "report") == rows[0]
    assert _reader.get_doc(_config.database_path(), "r1", "a0", "deck", "report") is None


# -- the SDK, on this machine's database ---------------------------------------------------
@pytest.fixture
def local_run(home: Path) -> str:
    """A finished run in the home's database: a0 (two attempts) and a1 (a cache hit on a
    child of another run)."""
    rec = get_recorder(_config.database_path(), _config.blob_dir())
    key = "c" * 64
    write(rec, finished_run("r-fill"), action("r-fill", "a0", 0, parent=None))
    rec.cache_put("docs.step", "v1", key, "{}", "r-fill", "a0")
    rec.doc("r-fill", "a0", 1, "deck", "cached plot", PLOT)
    write(
        rec,
        finished_run("r-sdk"),
        action("r-sdk", "a0", 0, parent=None, attempts=2),
        action("r-sdk", "a1", 1, cache_key=key),
    )
    rec.doc("r-sdk", "a0", 1, "report", "report", "<p>report 1</p>")
    rec.doc("r-sdk", "a0", 1, "deck", "summary", "<p>summary 1</p>")
    rec.doc("r-sdk", "a0", 2, "report", "report", "<p>report 2</p>")
    rec.doc("r-sdk", "a0", 2, "deck", "summary", "<p>summary 2</p>")
    return "r-sdk"  # not flushed: the local source flushes before it reads


def test_run_decks_and_reports_through_the_local_database(local_run: str) -> None:
    run = fl.remote.Run.get(local_run)
    decks = run.decks
    assert [(d.action_name, d.name, d.attempt) for d in decks] == [
        ("a0", "summary", 2),
        ("a1", "cached plot", 1),
    ]
    assert all(isinstance(d, DeckView) and d.kind == "deck" for d in decks)
    assert decks[0].html() == "<p>summary 2</p>"
    cached = decks[1]
    assert (cached.source_run, cached.source_action) == ("r-fill", "a0")
    assert cached.html() == PLOT
    assert cached.size == len(PLOT.encode())
    assert "from r-fill/a0" in repr(cached)

    report = run.get_report()
    assert report is not None
    assert (report.kind, report.name, report.attempt) == ("report", "report", 2)
    assert report.html() == "<p>report 2</p>"
    assert repr(report) == (
        f"<DeckView report 'report' of r-sdk/a0 attempt 2, {len('<p>report 2</p>')} bytes>"
    )

    root = run.action("a0")
    old = root.get_report(attempt=1)
    assert old is not None
    assert old.html() == "<p>report 1</p>"
    assert [d.html() for d in root.decks(attempt=1)] == ["<p>summary 1</p>"]
    assert root.decks(attempt=5) == []
    assert root.get_report(attempt=5) is None
    assert run.action("a1").get_report() is None
    assert [d.name for d in run.action("a1").decks()] == ["cached plot"]


def test_a_run_without_docs_has_none(home: Path, env: fl.TaskEnvironment) -> None:
    @env.task
    def plain() -> int:
        return 1

    run = fl.run(plain)
    assert run.decks == []
    assert run.get_report() is None
    assert fl.remote.Run.get(run.name).action("a0").decks() == []


@pytest.mark.parametrize("attempt", [0, -1, True, 1.0, "1"])
def test_attempt_must_be_an_int_of_at_least_one(local_run: str, attempt: Any) -> None:
    root = fl.remote.Run.get(local_run).action("a0")
    with pytest.raises(FlyteValidationException, match="attempt must be an int >= 1"):
        root.decks(attempt=attempt)
    with pytest.raises(FlyteValidationException, match="attempt must be an int >= 1"):
        root.get_report(attempt=attempt)


def test_html_of_a_doc_that_is_gone_says_so(local_run: str) -> None:
    (deck,) = fl.remote.Run.get(local_run).action("a0").decks()
    deck.attempt = 7  # a view pointing at an attempt with no such doc
    with pytest.raises(RunNotFoundError, match="no deck named 'summary' in attempt 7"):
        deck.html()


# -- display (last: flyte_nb.deck is written alongside) ------------------------------------
def test_a_deck_view_displays_in_a_sandboxed_iframe(local_run: str) -> None:
    deck_module = pytest.importorskip("flyte_nb.deck")
    if not hasattr(deck_module, "sandboxed_iframe"):
        pytest.skip("flyte_nb.deck.sandboxed_iframe is not there yet")
    import html as html_lib

    report = fl.remote.Run.get(local_run).get_report()
    assert report is not None
    shown = report._repr_html_()
    assert shown.startswith("<iframe")
    assert 'sandbox="allow-scripts"' in shown
    assert "allow-same-origin" not in shown
    assert 'title="report"' in shown
    srcdoc = shown.split('srcdoc="', 1)[1].rsplit('"', 1)[0]
    assert html_lib.unescape(srcdoc) == "<p>report 2</p>"
