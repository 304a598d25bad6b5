"""The local instance's storage: Dagster's own SQLite files, opened without a sync per event."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.project import EARLIER_INSTANCE_CONFIGS, INSTANCE_CONFIG, ensure_dagster_home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_a_new_home_uses_the_projects_storage_classes(home: Path) -> None:
    from dagster import DagsterInstance

    from pipelines.instance import QuickSqliteEventLogStorage, QuickSqliteRunStorage

    ensure_dagster_home()
    assert (home / "dagster.yaml").read_text() == INSTANCE_CONFIG
    with DagsterInstance.get() as instance:
        assert type(instance.event_log_storage) is QuickSqliteEventLogStorage
        assert type(instance.run_storage) is QuickSqliteRunStorage
        # Where Dagster's defaults put them: the UI of a plain `dagster dev` finds them.
        assert Path(instance.event_log_storage._base_dir) == home / "history" / "runs"
        assert instance.run_storage._conn_string.endswith(f"{home}/history/runs.db")
        # No raw stdout/stderr copy, and so no `tail -F` and watcher processes per run.
        assert type(instance.compute_log_manager).__name__ == "NoOpComputeLogManager"


def test_the_projects_own_home_is_configured_as_a_new_one() -> None:
    # .dagster_home/dagster.yaml is committed: `make report` and `make ui` use it as it is.
    from pipelines.project import PROJECT_ROOT

    assert (PROJECT_ROOT / ".dagster_home" / "dagster.yaml").read_text() == INSTANCE_CONFIG


def test_an_earlier_project_config_is_upgraded_and_an_own_one_kept(home: Path) -> None:
    home.mkdir()
    for earlier in EARLIER_INSTANCE_CONFIGS:
        (home / "dagster.yaml").write_text(earlier)
        ensure_dagster_home()
        assert (home / "dagster.yaml").read_text() == INSTANCE_CONFIG
    own = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(own)
    ensure_dagster_home()
    assert (home / "dagster.yaml").read_text() == own


def test_events_stored_without_fdatasync_read_back_by_dagsters_own_class(home: Path) -> None:
    from dagster import AssetKey, AssetMaterialization, DagsterInstance, job, op
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
    from sqlalchemy import text

    @op
    def one(context) -> None:
        context.log_event(AssetMaterialization(asset_key="a_table"))

    @job
    def tiny() -> None:
        one()

    ensure_dagster_home()
    with DagsterInstance.get() as instance:
        result = tiny.execute_in_process(instance=instance)
        assert result.success
        with instance.event_log_storage.run_connection(result.run_id) as conn:
            # 1 is NORMAL: WAL commits without an fdatasync each (FULL, the default, is 2).
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        stored = len(instance.all_logs(result.run_id))
    # The same files through Dagster's own class: nothing in them is the project's.
    plain = SqliteEventLogStorage(str(home / "history" / "runs"))
    assert len(plain.get_logs_for_run(result.run_id)) == stored > 5
    assert plain.get_latest_materialization_events([AssetKey("a_table")])[AssetKey("a_table")]


def test_the_event_log_asks_its_schema_once_and_again_after_a_wipe(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import DagsterInstance
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    asked: list[str] = []
    ask = SqliteEventLogStorage.has_table

    def counted(self: SqliteEventLogStorage, table_name: str) -> bool:
        asked.append(table_name)
        return ask(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted)
    ensure_dagster_home()
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert storage.has_table("asset_event_tags") and storage.has_table("asset_event_tags")
        assert asked == ["asset_event_tags"]
        # A table not there is asked for each time: a migration may add it.
        assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
        assert asked.count("no_such_table") == 2
        storage.wipe()
        assert storage.has_table("asset_event_tags")
        assert asked.count("asset_event_tags") == 2
