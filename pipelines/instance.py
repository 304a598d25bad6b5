"""The local instance's SQLite storage, with less cost per event than Dagster's default.

Dagster's SQLite storages open a new SQLAlchemy engine, and a new database connection,
for every read and write, and commit with SQLite's default `synchronous=FULL`: a
`fdatasync` per commit. A year's build stores some 300 events, each in a transaction
of its own (plus the index database for asset events), so on a busy disk the event
log was a sixth of a sample build.

These subclasses keep the same databases, tables and files (the UI, `dagster dev`
and Dagster's own classes read them unchanged) and change only how they are opened:
  - one engine per database for the life of the process, its connections pooled;
  - `synchronous=NORMAL` on every connection. The databases are in WAL mode, where
    NORMAL still never corrupts them and loses no commit when a process is killed
    (the WAL is written before the commit returns); only the last commits before a
    power cut or an OS crash may be lost, and then the run shows as unfinished and
    `mark_dead_runs_failed` fails it at the next start. The outputs themselves are
    written and swapped in by the build, not by the event log.

`ensure_dagster_home` (pipelines/project.py) names them in the instance's
dagster.yaml; PostgreSQL (dagster.postgres.yaml) is unaffected.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

__all__ = ["QuickSqliteEventLogStorage", "QuickSqliteRunStorage"]

# As Dagster's own storages: how long a writer waits for another process's lock.
BUSY_TIMEOUT_SECONDS = 30
# The UI reads many runs' databases: the least recently used engines are closed.
OPEN_DATABASES = 16


def _home(*parts: str) -> str:
    from cicopa.settings import DEFAULT_DAGSTER_HOME

    return os.path.join(os.environ.get("DAGSTER_HOME") or str(DEFAULT_DAGSTER_HOME), *parts)


def _engine(conn_string: str) -> Engine:
    engine = create_engine(conn_string, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _no_fdatasync_per_commit(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _config() -> dict[str, Field]:
    # Without base_dir, the folder Dagster's default uses under DAGSTER_HOME.
    return {"base_dir": Field(StringSource, is_required=False)}


class QuickSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run SQLite event log, with its engines kept open (see the module)."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
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

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class QuickSqliteRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage (runs.db), with one engine kept open (see the module)."""

    def __init__(self, conn_string: str, inst_data: Any = None) -> None:
        super().__init__(conn_string, inst_data)
        self._engine = _engine(conn_string)

    @classmethod
    def config_type(cls) -> Any:
        return _config()

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> QuickSqliteRunStorage:
        base_dir = config_value.get("base_dir") or _home("history")
        return cls.from_local(base_dir, inst_data=inst_data)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self._engine.dispose()
        super().dispose()
