"""What the report keeps between builds: compiled templates and the simplified world map,
in a private folder of the user's in the temporary folder (reports/compiled.py)."""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
from pathlib import Path

import pytest

from reports.compiled import bytecode_cache, code_digest, kept


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
    assert bytecode_cache("report") is None
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
    # A folder removed under a running build: the template compiles, nothing fails.
    for kept_file in folder.iterdir():
        kept_file.unlink()
    folder.rmdir()
    assert make_environment("es").get_template("report.html.j2") is not None


def test_compiled_templates_are_named_after_the_code_they_were_compiled_with(
    tmp_path: Path,
) -> None:
    # The filters' signatures and the environment's options are compiled into the code:
    # any change to the package's code (a filter in filters.py, say) compiles afresh.
    for name in ("render.py", "filters.py"):
        (tmp_path / name).write_text("def number(value): ...\n")
    before = code_digest(tmp_path)
    (tmp_path / "filters.py").write_text("@pass_context\ndef number(context, value): ...\n")
    assert code_digest(tmp_path) != before
    assert code_digest() in bytecode_cache("report").pattern


def test_a_kept_file_is_read_only_when_this_user_alone_could_have_written_it(
    temp: Path,
) -> None:
    assert kept("probe", lambda: "first") == "first"
    (folder,) = temp.iterdir()
    path = folder / "cicopa-probe.pickle"
    path.chmod(0o662)  # writable by the group and others: someone may have replaced it
    assert kept("probe", lambda: "computed") == "computed"
    path.unlink()
    path.symlink_to(temp / "elsewhere.pickle")  # a link is not followed
    (temp / "elsewhere.pickle").write_bytes(pickle.dumps("planted"))
    assert kept("probe", lambda: "again") == "again"
    assert pickle.loads((temp / "elsewhere.pickle").read_bytes()) == "planted"  # untouched
    if os.getuid() == 0:  # another owner can be given only by root
        path.unlink(missing_ok=True)
        assert kept("probe", lambda: "mine") == "mine"
        os.chown(path, 4321, 4321)
        assert kept("probe", lambda: "not theirs") == "not theirs"


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
