"""What the annual report is made from: the statistics tables of one reference year.

The renderer reads nothing else: every figure in the PDF comes from a ``ReportData``.
Column names follow SPEC section 3 (``statistics/*.csv``, ``validation/submissions.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cicopa.outcomes import SUBMISSIONS_SCHEMA
from cicopa.statistics import BREAKDOWN_MEASURES, BY_AREA_COLUMNS

# The published tables' columns, from the code that writes them (SPEC 3).
EMPLOYMENT_FIGURES: tuple[str, ...] = BREAKDOWN_MEASURES
BY_SECTOR_COLUMNS: tuple[str, ...] = ("level", "area_code", "sector", *EMPLOYMENT_FIGURES)
BY_TYPE_COLUMNS: tuple[str, ...] = ("level", "area_code", "cooperative_type", *EMPLOYMENT_FIGURES)
SUBMISSIONS_COLUMNS: tuple[str, ...] = tuple(SUBMISSIONS_SCHEMA)
REPORTING_MEMBERS_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "country",
    "country_name",
    "region",
)
FX_RATES_COLUMNS: tuple[str, ...] = ("year", "currency", "per_usd")
TRENDS_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "area_code",
    "members_reporting",
    "members_registered",
    "enterprises",
    "employment_total",
)
MEMBERSHIP_CHANGES_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "country_name",
    "change",
    "year",
)
MEMBERSHIP_CHANGES: tuple[str, ...] = ("joined", "left")
# The issue-10 tables (SPEC 3): statistics/trends.csv, coverage.csv, estimates.csv, and
# the rows of revisions.csv that revised a headline figure.
SERIES_TRENDS_COLUMNS: tuple[str, ...] = (
    "level",
    "area_code",
    "measure",
    "previous_year",
    "year",
    "previous_value",
    "value",
    "continuing_members",
    "continuing_previous",
    "continuing_value",
    "joined_value",
    "resumed_value",
    "left_value",
    "stopped_value",
    "change",
    "change_like_for_like",
)
COVERAGE_COLUMNS: tuple[str, ...] = (
    "level",
    "area_code",
    "item",
    "members_reporting",
    "members_reporting_item",
    "employment_total",
    "employment_total_item",
    "coverage",
)
ESTIMATES_COLUMNS: tuple[str, ...] = (
    "level",
    "area_code",
    "members_registered",
    "members_reporting",
    "members_imputed",
    "members_not_estimated",
    "enterprises",
    "worker_members",
    "employees",
    "producer_members",
    "employment_in_cooperatives",
    "employment_total",
    "employment_total_imputed",
    "imputed_share",
)
REVISED_HEADLINES_COLUMNS: tuple[str, ...] = (
    "revision",
    "level",
    "area_code",
    "measure",
    "previous",
    "revised",
    "reason",
)

# Values of by_area.level (and of by_sector / by_type .level), in SPEC order.
LEVELS: tuple[str, ...] = ("global", "region", "sub_region", "country")
WORLD = "WORLD"


@dataclass(frozen=True)
class ReportData:
    """The statistics of one reference year, as the report shows them.

    Frames carry at least the columns named above (extra columns are ignored); integer
    figures are ints, ``response_rate``/``women_share`` are fractions (0.482, not 48.2),
    ``turnover_usd`` is in US dollars, and a missing value is null.
    """

    year: int
    by_area: pl.DataFrame
    by_sector: pl.DataFrame
    by_type: pl.DataFrame
    submissions: pl.DataFrame
    reporting_members: pl.DataFrame  # members with an accepted submission
    fx_rates: pl.DataFrame  # the rates of the reference year
    fx_source: str  # one sentence naming the exchange-rate source
    # Global and regional totals of the years Y-2..Y that were built (TRENDS_COLUMNS).
    trends: pl.DataFrame | None = None
    # Members that joined or left in the trend years (MEMBERSHIP_CHANGES_COLUMNS),
    # ``change`` is "joined" or "left".
    membership_changes: pl.DataFrame | None = None
    # The issue-10 tables, when the pipeline computed them (column lists above). The
    # report uses each one it is given and says nothing of those it is not.
    series_trends: pl.DataFrame | None = None  # statistics/trends.csv
    coverage: pl.DataFrame | None = None  # statistics/coverage.csv
    estimates: pl.DataFrame | None = None  # statistics/estimates.csv
    # 1 for the first publication of the year, n + 1 after its n-th revision; the
    # revisions.csv rows of the headline figures this edition revised.
    edition: int = 1
    revised_headlines: pl.DataFrame | None = None
    # True when the raw-data folder is the bundled sample (settings.is_sample): every
    # page then says that the figures are not CICOPA's.
    sample: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.year, int) or isinstance(self.year, bool):
            raise TypeError(f"year must be an int, got {self.year!r}")
        if not isinstance(self.edition, int) or isinstance(self.edition, bool) or self.edition < 1:
            raise TypeError(f"edition must be an int >= 1, got {self.edition!r}")
        if not isinstance(self.sample, bool):
            raise TypeError(f"sample must be True or False, got {self.sample!r}")
        expected = {
            "by_area": BY_AREA_COLUMNS,
            "by_sector": BY_SECTOR_COLUMNS,
            "by_type": BY_TYPE_COLUMNS,
            "submissions": SUBMISSIONS_COLUMNS,
            "reporting_members": REPORTING_MEMBERS_COLUMNS,
            "fx_rates": FX_RATES_COLUMNS,
        }
        optional = {
            "trends": TRENDS_COLUMNS,
            "membership_changes": MEMBERSHIP_CHANGES_COLUMNS,
            "series_trends": SERIES_TRENDS_COLUMNS,
            "coverage": COVERAGE_COLUMNS,
            "estimates": ESTIMATES_COLUMNS,
            "revised_headlines": REVISED_HEADLINES_COLUMNS,
        }
        for field_name, columns in optional.items():
            if getattr(self, field_name) is not None:
                expected[field_name] = columns
        for field_name, columns in expected.items():
            frame = getattr(self, field_name)
            if not isinstance(frame, pl.DataFrame):
                raise TypeError(f"{field_name} must be a polars DataFrame")
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{field_name} lacks the column(s) {', '.join(missing)}")
