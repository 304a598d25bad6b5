"""The statistical series around a year's sums (SPEC section 3): trends.csv,
coverage.csv, estimates.csv, imputations.csv and revisions.csv, and the checks that
block their publication. Plain functions, data in, data out: no Dagster here.

Ratios are kept unrounded in the frames; `for_csv` rounds each once, exactly, when
a table is written.
"""

from cicopa.series.checks import (
    estimates_reported_failures,
    estimates_tie_out_failures,
    trends_identity_failures,
)
from cicopa.series.coverage import COVERAGE_COLUMNS, ITEMS, coverage
from cicopa.series.estimates import (
    ESTIMATES_COLUMNS,
    IMPUTATIONS_COLUMNS,
    estimates,
    imputations,
)
from cicopa.series.members import Accepted
from cicopa.series.revisions import REVISIONS_COLUMNS, revision_reason, revisions
from cicopa.series.rounding import for_csv
from cicopa.series.trends import TREND_MEASURES, TRENDS_COLUMNS, members_in_pair, trends

__all__ = [
    "COVERAGE_COLUMNS", "ESTIMATES_COLUMNS", "IMPUTATIONS_COLUMNS", "ITEMS",
    "REVISIONS_COLUMNS", "TRENDS_COLUMNS", "TREND_MEASURES", "Accepted", "coverage",
    "estimates", "estimates_reported_failures", "estimates_tie_out_failures", "for_csv",
    "imputations", "members_in_pair", "revision_reason", "revisions", "trends",
    "trends_identity_failures",
]  # fmt: skip
