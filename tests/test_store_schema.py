from __future__ import annotations

from pathlib import Path

from flyte_nb.store import _schema


def test_generated_sqlite_statements_match_the_schema() -> None:
    generated = Path(_schema.__file__).with_name("_sqlite_sql.py").read_text()
    assert generated == _schema.render_sqlite_sql(), (
        "flyte_nb/store/_sqlite_sql.py is stale: run "
        "`python -m flyte_nb.store._schema > flyte_nb/store/_sqlite_sql.py`"
    )


def test_recorder_database_is_readable_through_sqlalchemy(home: Path) -> None:
    import sqlalchemy as sa

    import flyte_nb as fl

    env = fl.TaskEnvironment(name="schema")

    @env.task
    def one(x: int) -> int:
        return x + 1

    run = fl.run(one, x=1)
    engine = sa.create_engine(f"sqlite:///{home / 'flyte_nb.db'}")
    # The tables the recorder created are exactly the ones the schema declares.
    assert set(sa.inspect(engine).get_table_names()) == set(_schema.metadata.tables)
    with engine.connect() as conn:
        phase = conn.execute(
            sa.select(_schema.runs.c.phase).where(_schema.runs.c.name == run.name)
        ).scalar_one()
    assert phase == "SUCCEEDED"


def test_action_rows_follow_the_table_column_order() -> None:
    from flyte_nb.engine._state import ActionState
    from flyte_nb.store import ACTION_COLUMNS

    assert ActionState.COLUMNS == ACTION_COLUMNS
    state = ActionState("r", "a0", None, 0, "env.t", "t", None, "{}")
    assert len(state.row()) == len(ACTION_COLUMNS)
