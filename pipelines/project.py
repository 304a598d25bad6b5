"""Where the project lives on disk, and the defaults that follow from it."""

from __future__ import annotations

import os
from pathlib import Path

from cicopa.settings import DEFAULT_DAGSTER_HOME, DEFAULT_PG_PORT, PROJECT_ROOT

__all__ = ["PROJECT_ROOT", "ensure_dagster_home"]

# The local instance: Dagster's SQLite files in DAGSTER_HOME, opened by the project's
# storage classes (pipelines/instance.py: fewer engines, no fdatasync per event).
INSTANCE_CONFIG = """\
# Local instance: SQLite storage in this folder, opened by pipelines/instance.py.
# See dagster.postgres.yaml in the project root for the PostgreSQL set-up.
telemetry:
  enabled: false
run_storage:
  module: pipelines.instance
  class: QuickSqliteRunStorage
event_log_storage:
  module: pipelines.instance
  class: QuickSqliteEventLogStorage
schedule_storage:
  module: pipelines.instance
  class: QuickSqliteScheduleStorage
# No copy of each run's raw stdout/stderr: the steps say what they have to say in the
# event log (the UI's run log, the build's progress lines), and the copy cost four
# processes per run (two `tail -F`, two Python watchers).
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""
EARLIER_INSTANCE_CONFIGS = (
    # The file first committed as .dagster_home/dagster.yaml (Dagster's default storage).
    "# The project's local Dagster instance: run history, event logs and schedules in\n"
    "# SQLite files in this folder (the default storage). `make report`, `cicopa build`\n"
    "# and `make ui` all use it, so command-line runs show in the UI.\n"
    "# For PostgreSQL, see dagster.postgres.yaml in the project root.\n"
    "telemetry:\n"
    "  enabled: false\n",
    "# Local instance: SQLite storage in this folder, opened by pipelines/instance.py.\n"
    "# See dagster.postgres.yaml in the project root for the PostgreSQL set-up.\n"
    "telemetry:\n  enabled: false\n"
    "run_storage:\n  module: pipelines.instance\n  class: QuickSqliteRunStorage\n"
    "event_log_storage:\n  module: pipelines.instance\n  class: QuickSqliteEventLogStorage\n"
    "schedule_storage:\n  module: pipelines.instance\n  class: QuickSqliteScheduleStorage\n",
    "# Local instance: SQLite storage in this folder, opened by pipelines/instance.py.\n"
    "# See dagster.postgres.yaml in the project root for the PostgreSQL set-up.\n"
    "telemetry:\n  enabled: false\n"
    "run_storage:\n  module: pipelines.instance\n  class: QuickSqliteRunStorage\n"
    "event_log_storage:\n  module: pipelines.instance\n  class: QuickSqliteEventLogStorage\n",
    "# Local instance: SQLite storage in this folder. See dagster.postgres.yaml\n"
    "# in the project root for the PostgreSQL set-up.\n"
    "telemetry:\n  enabled: false\n",
)


def ensure_dagster_home() -> Path:
    """Point Dagster at the project's own instance unless DAGSTER_HOME says otherwise.

    The instance (SQLite by default) lives under the project, so runs started from
    `cicopa build` show up in `dagster dev` and the UI.
    """
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DEFAULT_DAGSTER_HOME)))
    # dagster.postgres.yaml reads the port from CICOPA_PG_PORT; Dagster has no default
    # for an `env:` value, so the project's commands (and what they start) get one here.
    os.environ.setdefault("CICOPA_PG_PORT", str(DEFAULT_PG_PORT))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # A home written by an earlier version of the project gets the current text; a
    # dagster.yaml of the operator's own (PostgreSQL, anything else) is left alone.
    if not config.exists() or config.read_text() in EARLIER_INSTANCE_CONFIGS:
        config.write_text(INSTANCE_CONFIG)
    return home
