"""Shared fixtures: a hand-made raw-data folder, a throw-away Dagster instance, one build.

`make test` runs the modules on every core (pytest-xdist, `--dist loadfile`): each
module runs whole in one worker, so its module-scoped fixtures run once; the modules
that read the same expensive result run in the same worker (`SHARED_GROUPS`), so that
result is computed once per run; the longest modules start first, so that no worker
is left alone with one at the end.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cicopa.reference import Reference, load_reference
from tests.builders import file_states, make_reference, write_statistics_fixture

# Modules that read the same build or the same rendered reports run in one worker.
SHARED_GROUPS = {
    "test_build": "fixture_build",
    "test_trace": "fixture_build",
    "test_webserver": "fixture_build",
    "test_report_render": "report_renders",
    "test_i18n": "report_renders",
    "test_report_publication": "report_renders",
}
# The modules that take longest (several real builds each), started first.
LONGEST_FIRST = (
    "test_kill",
    "test_triggers",
    "test_postgres",
    "test_graph",
    "test_report_figures",
)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first; every module's tests stay together, in their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item.nodeid), len(rank)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `--dist loadfile`: one work unit per module, or per group of `SHARED_GROUPS`."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    # xdist would order the work units by their number of tests, which puts the
    # one-test modules that build most (test_kill) last: keep the collection's order.
    config.option.loadscopereorder = False

    class ModuleGroups(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            return SHARED_GROUPS.get(module, module)

    return ModuleGroups(config, log)


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


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`cicopa build` of the statistics fixture (tests/builders.py) in all three languages.

    Built once per run on its own instance, and only read afterwards: the tests of the
    build's outputs, of `cicopa trace` and of the read-only UI look at the same year.
    """
    from pipelines.cli import main
    from pipelines.project import ensure_dagster_home

    root = tmp_path_factory.mktemp("fixture_build")
    home = root / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        ensure_dagster_home()
        raw_data = write_statistics_fixture(make_reference(root / "raw_data"))
        raw_before = file_states(raw_data)
        out = root / "out"
        code = main(["build", "--year", "2025", "--raw-data", str(raw_data), "--out", str(out)])
    return SimpleNamespace(code=code, home=home, raw_data=raw_data, out=out, raw_before=raw_before)
