"""The SDMX files read back with sdmx1 against their own structure definition.

sdmx1 reads SDMX-ML structure messages and SDMX-CSV 2.x, not SDMX-CSV 1.0: the data file
is parsed with polars and every dimension and attribute value is checked against the
codelists that sdmx1 read from the structure, then loaded into an sdmx1 DataSet.
Figures are those of tests/test_annex.py (worked out in its docstring).
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest
import sdmx
from sdmx.model import common, v21

from cicopa.sdmx import sdmx_files
from tests.test_annex import _by_area, _estimates

YEAR = 2025
PREPARED = date(2026, 4, 1)


def _read(files: dict[str, bytes]) -> tuple[pl.DataFrame, sdmx.message.StructureMessage]:
    data = pl.read_csv(io.BytesIO(files[f"CICOPA_COOP_{YEAR}.csv"]), infer_schema=False)
    structure = sdmx.read_sdmx(io.BytesIO(files[f"CICOPA_COOP_{YEAR}_structure.xml"]))
    return data, structure


@pytest.fixture(scope="module")
def reported() -> dict[str, bytes]:
    return sdmx_files(YEAR, _by_area(), prepared=PREPARED)


@pytest.fixture(scope="module")
def with_estimates() -> dict[str, bytes]:
    return sdmx_files(YEAR, _by_area(), _estimates(), prepared=PREPARED)


def _check_against_structure(files: dict[str, bytes]) -> pl.DataFrame:
    data, structure = _read(files)
    (flow,) = structure.dataflow.values()
    dsd = flow.structure
    assert dsd is structure.structure["DSD_COOP"]
    # SDMX-CSV 1.0: DATAFLOW first, then the dimensions, the measure and the attribute.
    dimensions = [d.id for d in dsd.dimensions.components]
    assert data.columns == ["DATAFLOW", *dimensions, "OBS_VALUE", "OBS_STATUS"]
    assert set(data["DATAFLOW"]) == {f"{flow.maintainer.id}:{flow.id}({flow.version})"}
    for dimension in dsd.dimensions.components:
        if dimension.id == "TIME_PERIOD":
            assert set(data["TIME_PERIOD"]) == {str(YEAR)}
            continue
        codelist = dimension.local_representation.enumerated
        unknown = set(data[dimension.id]) - set(codelist.items)
        assert not unknown, (dimension.id, unknown)
    status = dsd.attributes.get("OBS_STATUS")
    assert set(data["OBS_STATUS"]) <= set(status.local_representation.enumerated.items)
    # One observation per series and year; every value a number.
    assert data.select("AREA", "MEASURE").is_duplicated().sum() == 0
    assert data["OBS_VALUE"].cast(pl.Float64, strict=True).null_count() == 0
    # sdmx1 takes every observation into a data set of this structure.
    dataset = v21.DataSet(structured_by=dsd, described_by=flow)
    codes = status.local_representation.enumerated
    dataset.add_obs(
        v21.Observation(
            dimension=dsd.make_key(common.Key, dict(zip(dimensions, key, strict=True))),
            value=float(value),
            value_for=dsd.measures[0],
            attached_attribute={
                "OBS_STATUS": common.AttributeValue(value_for=status, value=codes[flag])
            },
        )
        for *key, value, flag in data.select(*dimensions, "OBS_VALUE", "OBS_STATUS").rows()
    )
    assert len(dataset.obs) == data.height
    return data


def test_reported_data_read_back_against_the_structure(reported: dict[str, bytes]) -> None:
    data = _check_against_structure(reported)
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
    with_estimates: dict[str, bytes],
) -> None:
    data = _check_against_structure(with_estimates)
    rows = {(a, m): (v, s) for _f, a, m, _t, v, s in data.rows()}
    assert rows[("FR", "EMPLOYMENT_TOTAL_EST")] == ("70", "E")
    assert rows[("FR", "EMPLOYMENT_TOTAL")] == ("60", "A")  # reported stays reported
    assert rows[("WORLD", "IMPUTED_SHARE")] == ("0.0278", "E")
    assert rows[("FR", "MEMBERS_IMPUTED")] == ("1", "A")  # a count of members, not estimated
    # Italy: nobody imputed, so its estimates are its reported figures.
    assert rows[("IT", "EMPLOYMENT_TOTAL_EST")] == ("290", "A")
    assert data.height == 55 + 4 * 10


def test_structure_names_areas_and_is_byte_stable(reported: dict[str, bytes]) -> None:
    _data, structure = _read(reported)
    areas = structure.codelist["CL_AREA"]
    assert [c.id for c in areas] == ["WORLD", "EUROPE", "FR", "IT"]
    assert str(areas["EUROPE"].name) == "Europe (CECOP – CICOPA Europe)"
    assert structure.header.prepared.date() == PREPARED
    assert sdmx_files(YEAR, _by_area(), prepared=PREPARED) == reported
    assert reported[f"CICOPA_COOP_{YEAR}.csv"].endswith(b"\n")
    assert b"\r" not in reported[f"CICOPA_COOP_{YEAR}.csv"]
