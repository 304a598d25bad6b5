"""The series tables of a small world, against figures worked out by hand.

The world (tests/builders.write_series_fixture), one row per member and year unless
said, as (enterprises, worker_members, employees, producer_members); employment_total
is the sum of the last three:

  member  joined/left  2022           2023             2024            2025
  IT-ONE  2000-        -              10,100,20,0      11,110,22,0     12,115,25,0 (2 rows)
  IT-NEW  2024-        -              -                4,40,8,5        5,42,9,6
  FR-ONE  2000-        -              5,40,10,0        -               6,44,11,0
  FR-OLD  2000-2025    -              2,15,5,0         2,16,4,0        (left)
  US-ONE  2000-        2,20,5,0       4,30,6,4         5,33,7,0        -
  BR-ONE  2000-        -              6,0,10,200       7,30,12,0       8,33,13,3
  CO-ONE  2000-        -              -                -               -
  KE-ONE  2000-        -              3,20,20,6        -               -
  JP-ONE  2000-        3,30,0,10      -                -               -

employment_total: 2023 IT-ONE 120, FR-ONE 50, FR-OLD 20, US 40, BR 210, KE 46 (= 486);
2024 IT-ONE 132, IT-NEW 53, FR-OLD 20, US 40, BR 42 (= 287);
2025 IT-ONE 140, FR-ONE 55, IT-NEW 57, BR 49 (= 301).

2023 -> 2024: IT-ONE, FR-OLD, US-ONE, BR-ONE continue; IT-NEW joined; FR-ONE and KE-ONE
stopped. 2024 -> 2025: IT-ONE, IT-NEW, BR-ONE continue; FR-ONE resumed; FR-OLD left;
US-ONE stopped. E.g. WORLD employment_total 2024 -> 2025: 287 = 227 continuing + 20 left
+ 40 stopped; 301 = 246 continuing + 55 resumed; change 14/287 = 0.04878, like for like
19/227 = 0.08370.

Optional items in 2025: IT-ONE's first row (C worker, employment 120) gives women,
turnover, new_enterprises 1 and transfers 0; its second row (Q social, 20) none; FR-ONE
(55) women and new_enterprises 0 (0 counts); BR-ONE (49) turnover; IT-NEW none.

Imputation for 2025 (members registered: all but FR-OLD):
- US-ONE, base 2024 (5,33,7,0). AMERICAS members reporting in 2024 and 2025: BR-ONE,
  7,30,12,0 -> 8,33,13,3: ratios 8/7, 33/30, 13/12; producer_members 0 in 2024, so the
  world's: IT-ONE 0->0, IT-NEW 5->6, BR-ONE 0->3, 9/5. 5*8/7 = 5.71 -> 6; 33*1.1 = 36.3
  -> 36; 7*13/12 = 7.58 -> 8; 0*1.8 = 0.
- KE-ONE, base 2023 (3,20,20,6). AFRICA has no member reporting in 2023 and 2025; the
  world has IT-ONE, FR-ONE, BR-ONE: (21,140,40,200) -> (26,192,49,3). 3*26/21 = 3.71 -> 4;
  20*192/140 = 27.43 -> 27; 20*49/40 = 24.5 -> 25 (half up); 6*3/200 = 0.09 -> 0.
- JP-ONE, base 2022 (3,30,0,10): nobody reported in 2022 and 2025, ratio 1, scope none.
- CO-ONE: no accepted year among 2022..2024, not estimated.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cicopa import series, statistics
from cicopa.outcomes import validate_year
from cicopa.outputs import csv_bytes
from cicopa.reference import Reference, load_reference
from cicopa.series.rounding import quotient_text
from tests.builders import write_series_fixture

YEARS = (2022, 2023, 2024, 2025)

EXPECTED_TRENDS = """\
level,area_code,measure,previous_year,year,previous_value,value,continuing_members,continuing_previous,continuing_value,joined_value,resumed_value,left_value,stopped_value,change,change_like_for_like
global,WORLD,enterprises,2023,2024,30,29,4,22,25,4,0,0,8,-0.0333,0.1364
global,WORLD,enterprises,2024,2025,29,31,3,22,25,0,6,2,5,0.0690,0.1364
global,WORLD,employment_total,2023,2024,486,287,4,390,234,53,0,0,96,-0.4095,-0.4000
global,WORLD,employment_total,2024,2025,287,301,3,227,246,0,55,20,40,0.0488,0.0837
region,AFRICA,enterprises,2023,2024,3,0,0,0,0,0,0,0,3,-1.0000,
region,AFRICA,enterprises,2024,2025,0,0,0,0,0,0,0,0,0,,
region,AFRICA,employment_total,2023,2024,46,0,0,0,0,0,0,0,46,-1.0000,
region,AFRICA,employment_total,2024,2025,0,0,0,0,0,0,0,0,0,,
region,AMERICAS,enterprises,2023,2024,10,12,2,10,12,0,0,0,0,0.2000,0.2000
region,AMERICAS,enterprises,2024,2025,12,8,1,7,8,0,0,0,5,-0.3333,0.1429
region,AMERICAS,employment_total,2023,2024,250,82,2,250,82,0,0,0,0,-0.6720,-0.6720
region,AMERICAS,employment_total,2024,2025,82,49,1,42,49,0,0,0,40,-0.4024,0.1667
region,ASIA_PACIFIC,enterprises,2023,2024,0,0,0,0,0,0,0,0,0,,
region,ASIA_PACIFIC,enterprises,2024,2025,0,0,0,0,0,0,0,0,0,,
region,ASIA_PACIFIC,employment_total,2023,2024,0,0,0,0,0,0,0,0,0,,
region,ASIA_PACIFIC,employment_total,2024,2025,0,0,0,0,0,0,0,0,0,,
region,EUROPE,enterprises,2023,2024,17,17,2,12,13,4,0,0,5,0.0000,0.0833
region,EUROPE,enterprises,2024,2025,17,23,2,15,17,0,6,2,0,0.3529,0.1333
region,EUROPE,employment_total,2023,2024,190,205,2,140,152,53,0,0,50,0.0789,0.0857
region,EUROPE,employment_total,2024,2025,205,252,2,185,197,0,55,20,0,0.2293,0.0649
sub_region,MERCOSUR,enterprises,2023,2024,6,7,1,6,7,0,0,0,0,0.1667,0.1667
sub_region,MERCOSUR,enterprises,2024,2025,7,8,1,7,8,0,0,0,0,0.1429,0.1429
sub_region,MERCOSUR,employment_total,2023,2024,210,42,1,210,42,0,0,0,0,-0.8000,-0.8000
sub_region,MERCOSUR,employment_total,2024,2025,42,49,1,42,49,0,0,0,0,0.1667,0.1667
sub_region,NORTH_AMERICA,enterprises,2023,2024,4,5,1,4,5,0,0,0,0,0.2500,0.2500
sub_region,NORTH_AMERICA,enterprises,2024,2025,5,0,0,0,0,0,0,0,5,-1.0000,
sub_region,NORTH_AMERICA,employment_total,2023,2024,40,40,1,40,40,0,0,0,0,0.0000,0.0000
sub_region,NORTH_AMERICA,employment_total,2024,2025,40,0,0,0,0,0,0,0,40,-1.0000,
"""

_NOTHING = ["0,0,0,0,"] * 4
_AMERICAS = ["1,0,49,0,0.0000", "1,1,49,49,1.0000", "1,0,49,0,0.0000", "1,0,49,0,0.0000"]
COVERAGE_ROWS = {
    "global,WORLD": ["4,2,301,175,0.5814", "4,2,301,169,0.5615", "4,2,301,175,0.5814",
                     "4,1,301,120,0.3987"],
    "region,AFRICA": _NOTHING,
    "region,AMERICAS": _AMERICAS,
    "region,ASIA_PACIFIC": _NOTHING,
    "region,EUROPE": ["3,2,252,175,0.6944", "3,1,252,120,0.4762", "3,2,252,175,0.6944",
                      "3,1,252,120,0.4762"],
    "sub_region,MERCOSUR": _AMERICAS,
    "sub_region,NORTH_AMERICA": _NOTHING,
    "country,BR": _AMERICAS,
    "country,CO": _NOTHING,
    "country,FR": ["1,1,55,55,1.0000", "1,0,55,0,0.0000", "1,1,55,55,1.0000",
                   "1,0,55,0,0.0000"],
    "country,IT": ["2,1,197,120,0.6091"] * 4,
    "country,JP": _NOTHING,
    "country,KE": _NOTHING,
    "country,US": _NOTHING,
}  # fmt: skip
EXPECTED_COVERAGE = (
    "level,area_code,item,members_reporting,members_reporting_item,employment_total,"
    "employment_total_item,coverage\n"
    + "".join(
        f"{area},{item},{figures}\n"
        for area, rows in COVERAGE_ROWS.items()
        for item, figures in zip(
            ("women", "turnover", "new_enterprises", "transfers"), rows, strict=True
        )
    )
)

EXPECTED_ESTIMATES = """\
level,area_code,members_registered,members_reporting,members_imputed,members_not_estimated,enterprises,worker_members,employees,producer_members,employment_in_cooperatives,employment_total,employment_total_imputed,imputed_share
global,WORLD,8,4,3,1,44,327,91,19,418,437,136,0.3112
region,AFRICA,1,0,1,0,4,27,25,0,52,52,52,1.0000
region,AMERICAS,3,1,1,1,14,69,21,3,90,93,44,0.4731
region,ASIA_PACIFIC,1,0,1,0,3,30,0,10,30,40,40,1.0000
region,EUROPE,3,3,0,0,23,201,45,6,246,252,0,0.0000
sub_region,MERCOSUR,1,1,0,0,8,33,13,3,46,49,0,0.0000
sub_region,NORTH_AMERICA,1,0,1,0,6,36,8,0,44,44,44,1.0000
country,BR,1,1,0,0,8,33,13,3,46,49,0,0.0000
country,CO,1,0,0,1,0,0,0,0,0,0,0,
country,FR,1,1,0,0,6,44,11,0,55,55,0,0.0000
country,IT,2,2,0,0,17,157,34,6,191,197,0,0.0000
country,JP,1,0,1,0,3,30,0,10,30,40,40,1.0000
country,KE,1,0,1,0,4,27,25,0,52,52,52,1.0000
country,US,1,0,1,0,6,36,8,0,44,44,44,1.0000
"""

EXPECTED_IMPUTATIONS = """\
member_id,country,region,base_year,measure,base_value,ratio,ratio_scope,imputed_value
JP-ONE,JP,ASIA_PACIFIC,2022,enterprises,3,1.000000,none,3
JP-ONE,JP,ASIA_PACIFIC,2022,worker_members,30,1.000000,none,30
JP-ONE,JP,ASIA_PACIFIC,2022,employees,0,1.000000,none,0
JP-ONE,JP,ASIA_PACIFIC,2022,producer_members,10,1.000000,none,10
KE-ONE,KE,AFRICA,2023,enterprises,3,1.238095,world,4
KE-ONE,KE,AFRICA,2023,worker_members,20,1.371429,world,27
KE-ONE,KE,AFRICA,2023,employees,20,1.225000,world,25
KE-ONE,KE,AFRICA,2023,producer_members,6,0.015000,world,0
US-ONE,US,AMERICAS,2024,enterprises,5,1.142857,region,6
US-ONE,US,AMERICAS,2024,worker_members,33,1.100000,region,36
US-ONE,US,AMERICAS,2024,employees,7,1.083333,region,8
US-ONE,US,AMERICAS,2024,producer_members,0,1.800000,world,0
"""


@pytest.fixture
def world(raw_data: Path) -> tuple[dict[int, pl.DataFrame], Reference]:
    write_series_fixture(raw_data)
    reference = load_reference(raw_data)
    accepted = {}
    for year in YEARS:
        outcome = validate_year(raw_data, reference, year)
        assert set(outcome.submissions["status"]) == {"accepted"}, outcome.issues
        accepted[year] = outcome.accepted_rows
    return accepted, reference


def published(frame: pl.DataFrame) -> str:
    return csv_bytes(series.for_csv(frame)).decode()


def test_trends_match_hand_computed_figures(world):
    accepted, reference = world
    assert published(series.trends(accepted, reference, 2025)) == EXPECTED_TRENDS


def test_coverage_matches_hand_computed_figures(world):
    accepted, reference = world
    assert published(series.coverage(accepted[2025], reference, 2025)) == EXPECTED_COVERAGE


def test_estimates_and_imputations_match_hand_computed_figures(world):
    accepted, reference = world
    estimates, imputations = series.estimates(accepted, reference, 2025)
    assert published(estimates) == EXPECTED_ESTIMATES
    assert published(imputations) == EXPECTED_IMPUTATIONS


def test_ratios_stay_unrounded_in_memory(world):
    """The report formats from these: 14/287 and 19/227, not 0.0488 and 0.0837."""
    accepted, reference = world
    world_total = series.trends(accepted, reference, 2025).filter(
        (pl.col("area_code") == "WORLD") & (pl.col("measure") == "employment_total")
        & (pl.col("year") == 2025)
    )  # fmt: skip
    assert world_total["change"][0] == pytest.approx(14 / 287, abs=1e-15)
    assert world_total["change_like_for_like"][0] == pytest.approx(19 / 227, abs=1e-15)


def test_a_year_without_submissions_drops_its_pairs(world):
    """Without 2023, only 2024 -> 2025 is left; without 2024 no pair at all."""
    accepted, reference = world
    pairs = series.trends({y: accepted[y] for y in (2024, 2025)}, reference, 2025)
    assert set(pairs.select("previous_year", "year").rows()) == {(2024, 2025)}
    assert series.trends({y: accepted[y] for y in (2023, 2025)}, reference, 2025).is_empty()


def test_quotients_are_rounded_once_half_away_from_zero():
    """0.125 is a binary float that half-even rounding sends to 0.12; the exact rule
    gives 0.13; -1/8 gives -0.13; a tiny negative is 0.00, not -0.00."""
    frame = pl.DataFrame({"n": [1, -1, -1, 2, 5], "d": [8, 8, 1000, 3, 0]})
    texts = frame.select(quotient_text(pl.col("n"), pl.col("d"), 2).alias("q"))["q"].to_list()
    assert texts == ["0.13", "-0.13", "0.00", "0.67", None]


def test_checks_pass_on_consistent_tables(world):
    accepted, reference = world
    by_area = statistics.by_area(accepted[2025], reference, 2025)
    estimates, imputations = series.estimates(accepted, reference, 2025)
    assert series.trends_identity_failures(series.trends(accepted, reference, 2025)).is_empty()
    assert series.estimates_tie_out_failures(estimates, by_area).is_empty()
    assert series.estimates_reported_failures(estimates, imputations, by_area, reference).is_empty()


def _bump(frame: pl.DataFrame, where: pl.Expr, column: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(where).then(pl.col(column) + 1).otherwise(pl.col(column)).alias(column)
    )


def test_trends_identity_check_catches_a_missing_part(world):
    accepted, reference = world
    broken = _bump(
        series.trends(accepted, reference, 2025),
        (pl.col("area_code") == "EUROPE") & (pl.col("year") == 2025),
        "left_value",
    )
    failures = series.trends_identity_failures(broken)
    assert failures.select("area_code", "measure", "identity", "published", "sum_of_parts").rows(
        named=False
    ) == [
        ("EUROPE", "enterprises", "previous_value", 17, 18),
        ("EUROPE", "employment_total", "previous_value", 205, 206),
    ]


def test_estimate_checks_catch_a_tampered_country(world):
    """An estimate for US one worker higher: its region and sub-region no longer add up,
    and its reported part no longer equals by_area.csv."""
    accepted, reference = world
    by_area = statistics.by_area(accepted[2025], reference, 2025)
    estimates, imputations = series.estimates(accepted, reference, 2025)
    broken = _bump(estimates, pl.col("area_code") == "US", "worker_members")
    tie = series.estimates_tie_out_failures(broken, by_area)
    assert set(tie.select("area_code", "measure").rows()) == {
        ("AMERICAS", "worker_members"),
        ("NORTH_AMERICA", "worker_members"),
        ("US", "employment_total"),
    }
    reported = series.estimates_reported_failures(broken, imputations, by_area, reference)
    assert reported.rows() == [("country", "US", "worker_members", 37, 36, 0)]


def test_revisions_list_every_changed_figure(world):
    """IT-NEW's employees 9 -> 10: employees and both employment figures change in IT,
    EUROPE and WORLD, nothing else (its rows report no women, so no share moves)."""
    accepted, reference = world
    before = statistics.by_area(accepted[2025], reference, 2025)
    rows = accepted[2025].with_columns(
        pl.when(pl.col("member_id") == "IT-NEW")
        .then(pl.col("employees") + 1)
        .otherwise(pl.col("employees"))
        .alias("employees")
    )
    after = statistics.by_area(rows, reference, 2025)
    reason = "changed submissions/2025/IT-NEW.csv"
    table = series.revisions(before, after, 1, reason)
    expected = "revision,level,area_code,measure,previous,revised,reason\n" + "".join(
        f"1,{area},{measure},{old},{new},{reason}\n"
        for area, figures in (
            ("global,WORLD", (58, 292, 301)), ("region,EUROPE", (45, 246, 252)),
            ("country,IT", (34, 191, 197)),
        )
        for measure, old, new in zip(
            ("employees", "employment_in_cooperatives", "employment_total"),
            figures, (f + 1 for f in figures), strict=True,
        )
    )  # fmt: skip
    assert csv_bytes(table).decode() == expected
    # The same figures read back from by_area.csv as text give the same rows.
    as_text = pl.read_csv(csv_bytes(statistics.for_csv(before)), infer_schema=False)
    assert series.revisions(as_text, after, 1, reason).equals(table)
    assert series.revisions(before, before, 1, reason).is_empty()


def test_revision_reason_names_files_added_changed_removed_and_withdrawn():
    before = [
        {"file": "reference/members.csv", "sha256": "a", "status": "reference"},
        {"file": "submissions/2025/A.csv", "sha256": "1", "status": "accepted"},
        {"file": "submissions/2025/B.csv", "sha256": "2", "status": "accepted"},
        {"file": "submissions/2025/C.csv", "sha256": "3", "status": "accepted"},
    ]
    after = [
        {"file": "reference/members.csv", "sha256": "a", "status": "reference"},
        {"file": "submissions/2025/A.csv", "sha256": "9", "status": "accepted"},
        {"file": "submissions/2025/C.csv", "sha256": "3", "status": "withdrawn"},
        {"file": "submissions/2025/D.csv", "sha256": "4", "status": "accepted"},
    ]
    assert series.revision_reason(before, after) == (
        "added submissions/2025/D.csv; changed submissions/2025/A.csv; "
        "removed submissions/2025/B.csv; withdrawn submissions/2025/C.csv"
    )
    assert series.revision_reason(before, before) == ""
