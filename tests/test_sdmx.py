"""The SDMX files read back with sdmx1 against their own structure definition.

sdmx1 runs in an environment of its own (tools/sdmx_reader, installed by `make test`
into .tools/sdmx-reader): it needs pandas, which pandera would otherwise import into
every process of the project. Its reader prints what sdmx1 sees as JSON: the codelists,
and how many observations of the data file an sdmx1 DataSet of the structure took.
The data file is also parsed with polars here, and every dimension and attribute value
is checked against those codelists. Figures are those of tests/test_annex.py (worked
out in its docstring).
"""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cicopa.sdmx import sdmx_files
from tests.test_annex import _by_area, _estimates

YEAR = 2025
PREPARED = date(2026, 4, 1)
ROOT = Path(__file__).resolve().parents[1]
READER = ROOT / "tools" / "sdmx_reader" / "read.py"
READER_PYTHON = ROOT / ".tools" / "sdmx-reader" / "bin" / "python"


def _read(files: dict[str, bytes], folder: Path) -> tuple[pl.DataFrame, dict]:
    data = pl.read_csv(io.BytesIO(files[f"CICOPA_COOP_{YEAR}.csv"]), infer_schema=False)
    paths = []
    for name in (f"CICOPA_COOP_{YEAR}_structure.xml", f"CICOPA_COOP_{YEAR}.csv"):
        (folder / name).write_bytes(files[name])
        paths.append(str(folder / name))
    assert READER_PYTHON.exists(), "sdmx1's environment is missing: run `make test`"
    done = subprocess.run(
        [str(READER_PYTHON), str(READER), *paths], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return data, json.loads(done.stdout)


@pytest.fixture(scope="module")
def reported() -> dict[str, bytes]:
    return sdmx_files(YEAR, _by_area(), prepared=PREPARED)


@pytest.fixture(scope="module")
def with_estimates() -> dict[str, bytes]:
    return sdmx_files(YEAR, _by_area(), _estimates(), prepared=PREPARED)


def _check_against_structure(files: dict[str, bytes], folder: Path) -> pl.DataFrame:
    data, structure = _read(files, folder)
    assert structure["structure_is_DSD_COOP"]
    # SDMX-CSV 1.0: DATAFLOW first, then the dimensions, the measure and the attribute.
    dimensions = structure["dimensions"]
    assert data.columns == ["DATAFLOW", *dimensions, "OBS_VALUE", "OBS_STATUS"]
    assert set(data["DATAFLOW"]) == {structure["dataflow"]}
    for dimension in dimensions:
        if dimension == "TIME_PERIOD":
            assert set(data["TIME_PERIOD"]) == {str(YEAR)}
            continue
        unknown = set(data[dimension]) - set(structure["codelists"][dimension])
        assert not unknown, (dimension, unknown)
    assert set(data["OBS_STATUS"]) <= set(structure["OBS_STATUS"])
    # One observation per series and year; every value a number.
    assert data.select("AREA", "MEASURE").is_duplicated().sum() == 0
    assert data["OBS_VALUE"].cast(pl.Float64, strict=True).null_count() == 0
    # sdmx1 took every observation into a data set of this structure.
    assert structure["observations_in_dataset"] == data.height
    return data


def test_reported_data_read_back_against_the_structure(
    reported: dict[str, bytes], tmp_path: Path
) -> None:
    data = _check_against_structure(reported, tmp_path)
    assert set(data["OBS_STATUS"]) == {"A"}
    values = {(a, m): v for _f, a, m, _t, v, _s in data.rows()}
    assert values[("WORLD", "EMPLOYMENT_TOTAL")] == "350"
    assert values[("WORLD", "RESPONSE_RATE")] == "0.9574"
    assert values[("IT", "TURNOVER_USD")] == "1250000.50"
    assert values[("IT", "WOMEN_SHARE")] == "0.4138"
    # France reported no women and no turnover: no observation, never an empty one.
    assert ("FR", "WOMEN") not in values and ("FR", "TURNOVER_USD") not in values
    # 15 measures for WORLD, EUROPE and IT; FR lacks 5 optional ones.
    assert data.height == 3 * 15 + 10


def test_estimates_are_status_e_where_a_member_was_imputed(
    with_estimates: dict[str, bytes], tmp_path: Path
) -> None:
    data = _check_against_structure(with_estimates, tmp_path)
    rows = {(a, m): (v, s) for _f, a, m, _t, v, s in data.rows()}
    assert rows[("FR", "EMPLOYMENT_TOTAL_EST")] == ("70", "E")
    assert rows[("FR", "EMPLOYMENT_TOTAL")] == ("60", "A")  # reported stays reported
    assert rows[("WORLD", "IMPUTED_SHARE")] == ("0.0278", "E")
    assert rows[("FR", "MEMBERS_IMPUTED")] == ("1", "A")  # a count of members, not estimated
    # Italy: nobody imputed, so its estimates are its reported figures.
    assert rows[("IT", "EMPLOYMENT_TOTAL_EST")] == ("290", "A")
    assert data.height == 55 + 4 * 10


def test_structure_names_areas_and_is_byte_stable(
    reported: dict[str, bytes], tmp_path: Path
) -> None:
    _data, structure = _read(reported, tmp_path)
    areas = dict(structure["areas"])
    assert list(areas) == ["WORLD", "EUROPE", "FR", "IT"]
    assert areas["EUROPE"] == "Europe (CECOP – CICOPA Europe)"
    assert structure["prepared"] == PREPARED.isoformat()
    assert sdmx_files(YEAR, _by_area(), prepared=PREPARED) == reported
    assert reported[f"CICOPA_COOP_{YEAR}.csv"].endswith(b"\n")
    assert b"\r" not in reported[f"CICOPA_COOP_{YEAR}.csv"]
