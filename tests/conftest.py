"""Shared fixtures: a hand-made raw-data folder and a throw-away Dagster instance."""

from __future__ import annotations

from pathlib import Path

import pytest

from cicopa.reference import Reference, load_reference
from tests.builders import make_reference


@pytest.fixture
def raw_data(tmp_path: Path) -> Path:
    """A raw-data folder with the reference tables of tests/builders.py and no submissions."""
    return make_reference(tmp_path / "raw_data")


@pytest.fixture
def reference(raw_data: Path) -> Reference:
    return load_reference(raw_data)


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite Dagster instance for one test, as the project sets one up."""
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    from pipelines.project import ensure_dagster_home

    return ensure_dagster_home()
