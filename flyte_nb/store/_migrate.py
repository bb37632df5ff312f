"""Schema migrations: alembic, configured in code, scripts shipped inside the package.

Why it looks like this:
- No ``alembic.ini`` at runtime. The script folder is ``_migrations`` next to this file and
  the connection reaches ``env.py`` through ``Config.attributes``, so an installed wheel can
  migrate any database, a URL with a password never passes through configparser
  interpolation, and the engine is the store's own (``_db.create_engine``: WAL, busy
  timeout, real transactions on SQLite).
- The whole upgrade, including the check of where the database stands, is one
  transaction: on SQLite a ``BEGIN IMMEDIATE`` one, on PostgreSQL one holding an advisory
  lock. A crash leaves the old schema, and two processes (kernels, backend replicas)
  upgrading the same database at once serialise; the second finds the head and stops.
- Databases written before alembic (issue-2 code: a ``schema_info`` table saying
  ``schema_version`` 1, no ``alembic_version``) hold exactly revision 0001's schema, so
  they are stamped 0001 and upgraded like any other.
- Revisions are linear and named by four-digit sequence numbers. ``REVISIONS`` lists them
  so that code which must not import alembic (the in-kernel recorder, through the
  generated ``_sqlite_sql.py``) can still tell an older database (upgrade it) from a newer
  one (refuse it). ``tests/test_migrations.py`` keeps it equal to the script folder.

Importing this module is cheap: alembic and SQLAlchemy are imported by the functions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

REVISIONS: Final = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD: Final = "0007"
SCRIPT_LOCATION: Final = Path(__file__).with_name("_migrations")
LEGACY_REVISION: Final = "0001"  # what a ``schema_info`` v1 database holds

_PG_LOCK_KEY: Final = 0x666C797465  # any constant; shared by every flyte_nb migrator


def newer_error(where: object, revision: str) -> RuntimeError:
    return RuntimeError(
        f"{where} was written by a newer flyte_nb (schema revision {revision}, this one knows "
        f"up to {HEAD}); upgrade flyte_nb or use another FLYTE_NB_HOME"
    )


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """An alembic ``Config`` for the packaged scripts (for ``command.*`` calls)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.attributes["connection"] = connection
    cfg.attributes["url"] = url
    return cfg


def current_revision(url: str) -> str | None:
    """The schema revision the database at ``url`` holds; None when it holds no schema.

    A pre-alembic ``schema_info`` v1 database reports ``LEGACY_REVISION``, the schema it has.
    """
    from ._db import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _revision(conn)
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to ``HEAD``, creating the tables when there are none."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ._db import create_engine

    engine = create_engine(url, immediate=True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            revision = _revision(conn)
            if revision == HEAD:
                return
            if revision is not None and revision not in REVISIONS:
                raise newer_error(engine.url.render_as_string(hide_password=True), revision)
            cfg = alembic_config(conn)
            context = MigrationContext.configure(conn)
            if revision is not None and context.get_current_revision() is None:
                # The pre-alembic database: record what it holds, then upgrade as usual.
                context.stamp(ScriptDirectory.from_config(cfg), revision)
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


def upgrade_sql(url: str, start: str | None = None) -> str:
    """The upgrade as a SQL script for ``url``'s dialect (alembic's offline mode), for
    a DBA who applies schema changes by hand; ``start``: the revision the database holds."""
    import io

    from alembic import command

    out = io.StringIO()
    cfg = alembic_config(url=url)
    cfg.output_buffer = out
    command.upgrade(cfg, f"{start}:head" if start else "head", sql=True)
    return out.getvalue()


def _revision(conn: sa.Connection) -> str | None:
    import sqlalchemy as sa

    tables = set(sa.inspect(conn).get_table_names())
    if "alembic_version" in tables:
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        if len(rows) > 1:  # several heads: not something any flyte_nb release writes
            return ",".join(sorted(rows))
        if rows:
            return str(rows[0])
    if "schema_info" in tables:
        version = conn.execute(
            sa.text("SELECT value FROM schema_info WHERE \"key\" = 'schema_version'")
        ).scalar()
        return LEGACY_REVISION if version == "1" else f"schema_info v{version}"
    if "runs" in tables:
        raise RuntimeError(
            f"{conn.engine.url.render_as_string(hide_password=True)} has flyte_nb tables but "
            "no schema revision; it was not written by flyte_nb"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m flyte_nb.store._migrate upgrade|current|sql URL``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("upgrade", "current", "sql"):
        print("usage: python -m flyte_nb.store._migrate upgrade|current|sql URL", file=sys.stderr)
        return 2
    command, url = args
    if command == "upgrade":
        upgrade(url)
    elif command == "current":
        print(current_revision(url))
    else:
        print(upgrade_sql(url), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
