"""The local instance's SQLite storage, with less cost per event than Dagster's default.

Dagster's SQLite storages open a new SQLAlchemy engine, and a new database connection,
for every read and write, and commit with SQLite's default `synchronous=FULL`: a
`fdatasync` per commit. A year's build stores some 300 events, each in a transaction
of its own (plus the index database for asset events), so on a busy disk the event
log was a sixth of a sample build.

These subclasses keep the same databases, tables and files (the UI, `dagster dev`
and Dagster's own classes read them unchanged) and change only how they are opened:
  - one engine per database for the life of the process, its connections pooled (the
    event log and the runs; the schedules, which a build hardly touches, keep
    Dagster's connection per use);
  - `synchronous=NORMAL` on every connection. The databases are in WAL mode, where
    NORMAL still never corrupts them and loses no commit when a process is killed
    (the WAL is written before the commit returns); only the last commits before a
    power cut or an OS crash may be lost, and then the run shows as unfinished and
    `mark_dead_runs_failed` fails it at the next start. The outputs themselves are
    written and swapped in by the build, not by the event log;
  - what the event log asks of its index database's schema (has this table, this
    column, this data migration) is asked once per process and kept when the answer
    is yes: Dagster asks again for every event and every read, a connection and a
    schema reflection each time (a third of the time of a build's asset reads). Only a
    downgrade, in another process, takes a table away; a wipe or an upgrade here
    forgets the answers;
  - a database is checked against, and a new one stamped with, Dagster's schema
    revision read once per process (`_ready`). Dagster reads its migration scripts
    again for every database it opens (each run has one) and loads Alembic's command
    machinery to stamp a new one: 0.4 s of a sample build's 1.5 s in storage. Any
    database that is neither new nor current (an older schema, a half-made file, two
    processes creating it at once) takes Dagster's own path, migrations and retries
    included.

`ensure_dagster_home` (pipelines/project.py) names them in the instance's
dagster.yaml; PostgreSQL (dagster.postgres.yaml) is unaffected.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dagster import Field, StringSource
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.schema import RunStorageSqlMetadata
from dagster._core.storage.runs.sqlite import sqlite_run_storage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.schema import ScheduleStorageSqlMetadata
from dagster._core.storage.schedules.sqlite import sqlite_schedule_storage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sql import get_alembic_config
from dagster._core.storage.sqlite import create_db_conn_string
from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import NullPool

__all__ = ["QuickSqliteEventLogStorage", "QuickSqliteRunStorage", "QuickSqliteScheduleStorage"]

# As Dagster's own storages: how long a writer waits for another process's lock.
BUSY_TIMEOUT_SECONDS = 30
# The UI reads many runs' databases: the least recently used engines are closed.
OPEN_DATABASES = 16


def _home(*parts: str) -> str:
    from cicopa.settings import DEFAULT_DAGSTER_HOME

    return os.path.join(os.environ.get("DAGSTER_HOME") or str(DEFAULT_DAGSTER_HOME), *parts)


def _engine(conn_string: str) -> Engine:
    engine = create_engine(
        conn_string, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, pool_reset_on_return=None
    )

    @event.listens_for(engine, "connect")
    def _no_fdatasync_per_commit(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


# Dagster's migration scripts and their head revision, by folder: its storages share one.
_SCRIPTS: dict[str, tuple[ScriptDirectory, str]] = {}


def _script(module_file: str) -> tuple[ScriptDirectory, str]:
    """Dagster's migration scripts for a storage module, and their head revision."""
    config = get_alembic_config(module_file)
    location = str(config.get_main_option("script_location"))
    if location not in _SCRIPTS:
        script = ScriptDirectory.from_config(config)
        _SCRIPTS[location] = (script, str(script.as_revision_number("head")))
    return _SCRIPTS[location]


def _ready(
    engine: Engine, metadata: MetaData, module_file: str
) -> Literal["current", "new"] | None:
    """How a database stands: "current" at Dagster's head revision; "new" when it was
    empty and is now created at it (Dagster's tables, WAL mode, the revision stamped);
    None for any other, which Dagster's own code opens."""
    script, head = _script(module_file)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
            if revision == head:
                return "current"
            if revision is not None or inspect(conn).get_table_names():
                return None
            # WAL first: each table and index is then created without syncing the disk
            # (synchronous=NORMAL), where the default journal synced three times apiece.
            conn.execute(text("PRAGMA journal_mode=WAL;"))
            conn.execute(text("PRAGMA synchronous=NORMAL;"))
            metadata.create_all(conn)
            MigrationContext.configure(conn).stamp(script, head)
            conn.commit()
            return "new"
    except DatabaseError:
        return None  # another process is creating it: Dagster's path retries


def _opened(
    cls: Any, base_dir: str, inst_data: Any, name: str, metadata: MetaData, module_file: str
) -> Any:
    """A storage of Dagster's on `<base_dir>/<name>.db` when the database is current, or
    new and just created; None for Dagster's own `from_local` to open any other."""
    os.makedirs(base_dir, exist_ok=True)
    conn_string = create_db_conn_string(base_dir, name)
    state = _ready(create_engine(conn_string, poolclass=NullPool), metadata, module_file)
    if state is None:
        return None
    storage = cls(conn_string, inst_data)
    if state == "new":  # as Dagster marks a new database's data migrations done
        storage.migrate()
        storage.optimize()
    return storage


def _config() -> dict[str, Field]:
    # Without base_dir, the folder Dagster's default uses under DAGSTER_HOME.
    return {"base_dir": Field(StringSource, is_required=False)}


class QuickSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run SQLite event log, with its engines kept open (see the module)."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._schema_has: set[tuple[str, str]] = set()  # (kind, name) found present
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> Any:
        return _config()

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> QuickSqliteEventLogStorage:
        return cls(config_value.get("base_dir") or _home("history", "runs"), inst_data)

    def _shard_engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = _engine(self.conn_string_for_shard(shard))
            self._engines[shard] = engine
            while len(self._engines) > OPEN_DATABASES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        # As the parent's, less a new engine each time: one lock, one transaction.
        with self._db_lock:
            engine = self._shard_engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _initdb(self, engine: Engine, for_index_shard: bool = False) -> None:
        if _ready(engine, SqlEventLogStorageMetadata, sqlite_event_log.__file__) is None:
            super()._initdb(engine, for_index_shard=for_index_shard)

    def _present(self, kind: str, name: str, ask: Callable[[], bool]) -> bool:
        # A yes is kept (see the module); a no is asked again, as it may change.
        if (kind, name) in self._schema_has:
            return True
        if ask():
            self._schema_has.add((kind, name))
            return True
        return False

    def has_table(self, table_name: str) -> bool:
        ask = super().has_table
        return self._present("table", table_name, lambda: ask(table_name))

    def has_asset_key_col(self, column_name: str) -> bool:
        ask = super().has_asset_key_col
        return self._present("asset_keys column", column_name, lambda: ask(column_name))

    def _has_asset_key_col_on_connection(self, conn: Any, column_name: str) -> bool:
        ask = super()._has_asset_key_col_on_connection
        return self._present("asset_keys column", column_name, lambda: ask(conn, column_name))

    def has_secondary_index(self, name: str) -> bool:
        ask = super().has_secondary_index
        return self._present("secondary index", name, lambda: ask(name))

    def upgrade(self) -> None:
        self._schema_has.clear()
        try:
            super().upgrade()
        finally:
            self._schema_has.clear()  # what was answered during the upgrade, too

    def wipe(self) -> None:
        self._schema_has.clear()
        super().wipe()

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class _OpenedHere:
    """How the run and schedule storages are configured and opened: `_opened` for a
    current or new database, Dagster's own `from_local` for any other (see the module).
    """

    DATABASE: str  # the file's name under base_dir, without ".db"
    FOLDER: tuple[str, ...]  # base_dir's default under DAGSTER_HOME, as Dagster's
    METADATA: MetaData
    MIGRATIONS: str  # the Dagster module whose folder holds the migration scripts

    @classmethod
    def config_type(cls) -> Any:
        return _config()

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> Any:
        return cls.from_local(config_value.get("base_dir") or _home(*cls.FOLDER), inst_data)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: Any = None) -> Any:
        opened = _opened(cls, base_dir, inst_data, cls.DATABASE, cls.METADATA, cls.MIGRATIONS)
        # super(): the Dagster storage class after this one in the subclass's bases.
        return opened or super().from_local(base_dir, inst_data=inst_data)


class QuickSqliteRunStorage(_OpenedHere, SqliteRunStorage):
    """Dagster's SQLite run storage (runs.db), with one engine kept open (see the module)."""

    DATABASE, FOLDER, METADATA = "runs", ("history",), RunStorageSqlMetadata
    MIGRATIONS = sqlite_run_storage.__file__

    def __init__(self, conn_string: str, inst_data: Any = None) -> None:
        super().__init__(conn_string, inst_data)
        self._engine = _engine(conn_string)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self._engine.dispose()
        super().dispose()


class QuickSqliteScheduleStorage(_OpenedHere, SqliteScheduleStorage):
    """Dagster's SQLite schedule storage (schedules.db), checked and created as above."""

    DATABASE, FOLDER, METADATA = "schedules", ("schedules",), ScheduleStorageSqlMetadata
    MIGRATIONS = sqlite_schedule_storage.__file__
