"""Statistics against figures worked out by hand (see tests/builders.write_statistics_fixture).

Accepted rows (fx 2025: EUR 0.8, BRL 5.0 per USD):
  IT-ONE  C worker    10 ent, 100 wm, 20 emp,   0 pm, women 40,  1,000,000 EUR = 1,250,000 USD
  IT-ONE  Q social     5 ent,  30 wm, 10 emp,   0 pm, women 26,    200,000 EUR =   250,000 USD,
                                                                   new 2, transfers 1
  IT-TWO  A producer   3 ent,   0 wm,  5 emp, 300 pm,                          new 1, transfers 0
  FR-ONE  C worker     8 ent,  60 wm, 15 emp,   0 pm, women 20,    500,000 EUR =   625,000 USD,
                                                                   new 2, transfers 1
  US-ONE  F worker     4 ent,  40 wm,  4 emp,   0 pm, women 10,  2,000,000 USD
  BR-ONE  A producer   6 ent,   0 wm, 10 emp, 500 pm, women 150, 5,000,000 BRL = 1,000,000 USD
  BR-ONE  C worker     1 ent,   9 wm,  1 emp,   0 pm
  CO-ONE  I worker     2 ent,  12 wm,  0 emp,   0 pm, women 6
KE-ONE is registered but rejected; IT-ONE's first file is superseded; FR-OLD left in 2025.
women_share divides women by the employment of the rows that report women only:
  IT 66/160, FR 20/75, EUROPE 86/235, US 10/44, BR 150/510, CO 6/12, AMERICAS 166/566,
  WORLD 252/801.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cicopa import statistics
from cicopa.outcomes import validate_year
from cicopa.outputs import csv_bytes
from cicopa.reference import Reference
from tests.builders import write_statistics_fixture

EXPECTED_BY_AREA = """\
level,area_code,area_name,parent_code,members_registered,members_reporting,response_rate,countries_reporting,enterprises,worker_members,employees,producer_members,employment_in_cooperatives,employment_total,women,women_share,turnover_usd,new_enterprises,transfers
global,WORLD,World,,7,6,0.8571,5,39,251,65,800,316,1116,252,0.3146,5125000.00,5,2
region,AFRICA,Africa,WORLD,1,0,0.0000,0,0,0,0,0,0,0,,,,,
region,AMERICAS,Americas (CICOPA Americas),WORLD,3,3,1.0000,3,13,61,15,500,76,576,166,0.2933,3000000.00,,
region,EUROPE,Europe (CECOP – CICOPA Europe),WORLD,3,3,1.0000,2,26,190,50,300,240,540,86,0.3660,2125000.00,5,2
sub_region,MERCOSUR,Mercosur (CICOPA Mercosur),AMERICAS,1,1,1.0000,1,7,9,11,500,20,520,150,0.2941,1000000.00,,
sub_region,NORTH_AMERICA,North America (CICOPA North America),AMERICAS,1,1,1.0000,1,4,40,4,0,44,44,10,0.2273,2000000.00,,
country,BR,Brazil,MERCOSUR,1,1,1.0000,1,7,9,11,500,20,520,150,0.2941,1000000.00,,
country,CO,Colombia,AMERICAS,1,1,1.0000,1,2,12,0,0,12,12,6,0.5000,,,
country,FR,France,EUROPE,1,1,1.0000,1,8,60,15,0,75,75,20,0.2667,625000.00,2,1
country,IT,Italy,EUROPE,2,2,1.0000,1,18,130,35,300,165,465,66,0.4125,1500000.00,3,1
country,KE,Kenya,AFRICA,1,0,0.0000,0,0,0,0,0,0,0,,,,,
country,US,United States,NORTH_AMERICA,1,1,1.0000,1,4,40,4,0,44,44,10,0.2273,2000000.00,,
"""

MEASURES = "enterprises,worker_members,employees,producer_members,employment_in_cooperatives,employment_total"

EXPECTED_BY_SECTOR = f"""\
level,area_code,sector,{MEASURES}
global,WORLD,A,9,0,15,800,15,815
global,WORLD,C,19,169,36,0,205,205
global,WORLD,F,4,40,4,0,44,44
global,WORLD,I,2,12,0,0,12,12
global,WORLD,Q,5,30,10,0,40,40
region,AMERICAS,A,6,0,10,500,10,510
region,AMERICAS,C,1,9,1,0,10,10
region,AMERICAS,F,4,40,4,0,44,44
region,AMERICAS,I,2,12,0,0,12,12
region,EUROPE,A,3,0,5,300,5,305
region,EUROPE,C,18,160,35,0,195,195
region,EUROPE,Q,5,30,10,0,40,40
sub_region,MERCOSUR,A,6,0,10,500,10,510
sub_region,MERCOSUR,C,1,9,1,0,10,10
sub_region,NORTH_AMERICA,F,4,40,4,0,44,44
country,BR,A,6,0,10,500,10,510
country,BR,C,1,9,1,0,10,10
country,CO,I,2,12,0,0,12,12
country,FR,C,8,60,15,0,75,75
country,IT,A,3,0,5,300,5,305
country,IT,C,10,100,20,0,120,120
country,IT,Q,5,30,10,0,40,40
country,US,F,4,40,4,0,44,44
"""

EXPECTED_BY_TYPE = f"""\
level,area_code,cooperative_type,{MEASURES}
global,WORLD,producer,9,0,15,800,15,815
global,WORLD,social,5,30,10,0,40,40
global,WORLD,worker,25,221,40,0,261,261
region,AMERICAS,producer,6,0,10,500,10,510
region,AMERICAS,worker,7,61,5,0,66,66
region,EUROPE,producer,3,0,5,300,5,305
region,EUROPE,social,5,30,10,0,40,40
region,EUROPE,worker,18,160,35,0,195,195
sub_region,MERCOSUR,producer,6,0,10,500,10,510
sub_region,MERCOSUR,worker,1,9,1,0,10,10
sub_region,NORTH_AMERICA,worker,4,40,4,0,44,44
country,BR,producer,6,0,10,500,10,510
country,BR,worker,1,9,1,0,10,10
country,CO,worker,2,12,0,0,12,12
country,FR,worker,8,60,15,0,75,75
country,IT,producer,3,0,5,300,5,305
country,IT,social,5,30,10,0,40,40
country,IT,worker,10,100,20,0,120,120
country,US,worker,4,40,4,0,44,44
"""


@pytest.fixture
def accepted(raw_data: Path, reference: Reference) -> pl.DataFrame:
    write_statistics_fixture(raw_data)
    outcome = validate_year(raw_data, reference, 2025)
    statuses = dict(outcome.submissions.select("file", "status").iter_rows())
    assert statuses == {
        "submissions/2025/BR-ONE.json": "accepted",
        "submissions/2025/CO-ONE.csv": "accepted",
        "submissions/2025/FR-ONE.csv": "accepted",
        "submissions/2025/IT-ONE_final.xlsx": "accepted",
        "submissions/2025/IT-ONE_first.csv": "superseded",
        "submissions/2025/IT-TWO.json": "accepted",
        "submissions/2025/KE-ONE.csv": "rejected",
        "submissions/2025/US-ONE.csv": "accepted",
    }
    return outcome.accepted_rows


def test_by_area_matches_hand_computed_figures(accepted: pl.DataFrame, reference: Reference):
    """Every column, rounding, sort order and empty-cell rule of by_area.csv."""
    table = statistics.by_area(accepted, reference, 2025)
    assert csv_bytes(statistics.for_csv(table)).decode() == EXPECTED_BY_AREA


@pytest.mark.parametrize(
    ("by", "expected"),
    [("sector", EXPECTED_BY_SECTOR), ("cooperative_type", EXPECTED_BY_TYPE)],
)
def test_breakdowns_match_hand_computed_figures(
    accepted: pl.DataFrame, reference: Reference, by: str, expected: str
):
    """by_sector.csv and by_type.csv: every level, every category with an accepted row."""
    table = statistics.breakdown(accepted, reference, 2025, by)
    assert csv_bytes(statistics.for_csv(table)).decode() == expected


def test_tie_outs_pass_on_consistent_tables(accepted: pl.DataFrame, reference: Reference):
    table = statistics.by_area(accepted, reference, 2025)
    for parent, child in [("global", "region"), ("region", "country"), ("sub_region", "country")]:
        assert statistics.tie_out_failures(table, parent, child).is_empty()
    assert statistics.identity_failures(table).is_empty()


def test_tie_outs_catch_a_country_that_does_not_add_up(
    accepted: pl.DataFrame, reference: Reference
):
    """A tampered country figure is caught at its region and sub-region, not at WORLD."""
    table = statistics.by_area(accepted, reference, 2025).with_columns(
        pl.when(pl.col("area_code") == "US")
        .then(pl.col("employees") + 1)
        .otherwise(pl.col("employees"))
        .alias("employees")
    )
    region = statistics.tie_out_failures(table, "region", "country")
    assert region.select("area_code", "measure").rows() == [("AMERICAS", "employees")]
    assert region["published"][0] == 15 and region["sum_of_parts"][0] == 16
    sub_region = statistics.tie_out_failures(table, "sub_region", "country")
    assert sub_region.select("area_code", "measure").rows() == [("NORTH_AMERICA", "employees")]
    assert statistics.tie_out_failures(table, "global", "region").is_empty()


def test_breakdowns_tie_out_to_by_area(accepted: pl.DataFrame, reference: Reference):
    """The report prints by_area's row as the total of its sector and type tables."""
    by_area = statistics.by_area(accepted, reference, 2025)
    for by in ("sector", "cooperative_type"):
        table = statistics.breakdown(accepted, reference, 2025, by)
        assert statistics.breakdown_failures(table, by_area).is_empty()
    # One more employee in the US's first sector row (country level only): caught at the
    # US, for employees and the two employment sums that contain them.
    table = statistics.breakdown(accepted, reference, 2025, "sector")
    first_us = (pl.col("area_code") == "US") & (pl.int_range(pl.len()) == 0).over("area_code")
    tampered = table.with_columns(
        *(pl.when(first_us).then(pl.col(c) + 1).otherwise(pl.col(c)).alias(c)
          for c in ("employees", "employment_in_cooperatives", "employment_total"))
    )  # fmt: skip
    failures = statistics.breakdown_failures(tampered, by_area)
    assert sorted(set(failures["area_code"])) == ["US"]
    assert failures["measure"].to_list() == [
        "employees", "employment_in_cooperatives", "employment_total",
    ]  # fmt: skip
    assert (failures["sum_of_parts"] - failures["published"]).to_list() == [1, 1, 1]


def test_identity_failures_catch_a_broken_employment_total(
    accepted: pl.DataFrame, reference: Reference
):
    table = statistics.by_area(accepted, reference, 2025).with_columns(
        pl.when(pl.col("area_code") == "FR")
        .then(pl.col("employment_total") - 1)
        .otherwise(pl.col("employment_total"))
        .alias("employment_total")
    )
    assert statistics.identity_failures(table)["area_code"].to_list() == ["FR"]


def test_area_without_submissions_and_without_members(accepted: pl.DataFrame, reference: Reference):
    """Kenya (registered, rejected) appears with zeros; Japan and Canada (no member) do not."""
    table = statistics.by_area(accepted, reference, 2025)
    codes = table["area_code"].to_list()
    assert "KE" in codes and "AFRICA" in codes
    assert "JP" not in codes and "ASIA_PACIFIC" not in codes and "CA" not in codes


def test_rounded_turnover_of_billions_ties_out_within_half_a_cent_per_country(
    accepted: pl.DataFrame, reference: Reference
):
    """Found at 4,500 members: 0.01 apart after rounding two countries is not an error."""
    table = statistics.by_area(accepted, reference, 2025)

    def with_turnover(europe: float) -> pl.DataFrame:
        values = {"EUROPE": europe, "FR": 7309426404.0, "IT": 2610030856.52}
        return table.with_columns(
            pl.col("area_code")
            .replace_strict(values, default=None)
            .fill_null(pl.col("turnover_usd"))
            .alias("turnover_usd")
        )

    # 9,919,457,260.53 published; the countries add up to ...260.52 (two roundings).
    assert statistics.tie_out_failures(with_turnover(9919457260.53), "region", "country").is_empty()
    broken = statistics.tie_out_failures(with_turnover(9919457260.55), "region", "country")
    assert broken.select("area_code", "measure").rows() == [("EUROPE", "turnover_usd")]
