"""What the report keeps between builds: compiled templates and the simplified world map,
in a private folder of the user's in the temporary folder (reports/compiled.py)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from reports.compiled import bytecode_cache, kept


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, where Jinja makes its private folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_result_is_computed_once_then_read_back(temp: Path) -> None:
    calls: list[int] = []

    def compute() -> dict[str, list[int]]:
        calls.append(1)
        return {"shape": [1, 2, 3]}

    assert kept("probe-a", compute) == {"shape": [1, 2, 3]}
    assert kept("probe-a", compute) == {"shape": [1, 2, 3]}
    assert len(calls) == 1
    (folder,) = temp.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # private, as Jinja makes it
    # Another name (what it is computed from changed) computes again.
    assert kept("probe-b", compute) == {"shape": [1, 2, 3]}
    assert len(calls) == 2
    # A file cut short by a killed process is computed again and replaced.
    (folder / "cicopa-probe-a.pickle").write_bytes(b"\x80\x05\x95")
    assert kept("probe-a", compute) == {"shape": [1, 2, 3]}
    assert len(calls) == 3
    assert kept("probe-a", compute) == {"shape": [1, 2, 3]}
    assert len(calls) == 3


def test_nothing_is_kept_where_another_could_have_put_it(temp: Path) -> None:
    # The private folder's name taken beforehand by a link to a folder someone else
    # controls, with a planted result in it.
    theirs = temp / "theirs"
    theirs.mkdir()
    planted = theirs / "cicopa-probe.pickle"
    planted.write_bytes(b"not what was computed")
    (temp / f"_jinja2-cache-{os.getuid()}").symlink_to(theirs)
    assert bytecode_cache("report", __file__) is None
    assert kept("probe", lambda: 42) == 42  # computed, not read ...
    # ... and nothing written there either.
    assert planted.read_bytes() == b"not what was computed"
    assert [p.name for p in theirs.iterdir()] == ["cicopa-probe.pickle"]


def test_the_report_template_compiles_once_for_its_environment(temp: Path) -> None:
    from reports.render import make_environment

    make_environment("en").get_template("report.html.j2")
    (folder,) = temp.iterdir()
    kept_files = sorted(p.name for p in folder.iterdir())
    assert kept_files and all(name.startswith("cicopa-report-") for name in kept_files)
    # A second environment loads the compiled code: nothing new is written.
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    make_environment("fr").get_template("report.html.j2")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    # Letters set up elsewhere (other trimming, other escaping) get files of their own.
    assert (
        bytecode_cache("letters", "reports/feedback.py").pattern
        != bytecode_cache("report", "reports/render.py").pattern
    )


def test_the_kept_world_map_is_the_computed_one(temp: Path) -> None:
    from reports import mapshapes

    mapshapes.world.cache_clear()
    try:
        first = mapshapes.world()
        mapshapes.world.cache_clear()
        assert mapshapes.world() == first == mapshapes._simplified(mapshapes._source_svg())
        (folder,) = temp.iterdir()
        assert [p.name.startswith("cicopa-world-map-") for p in folder.iterdir()] == [True]
    finally:
        mapshapes.world.cache_clear()
