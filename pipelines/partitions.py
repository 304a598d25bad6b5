"""Reference years as Dagster partitions.

A reference year is a calendar year, so the partitions are yearly time windows
(keys `2023`, `2024`, ...). The partition for year Y exists once Y is over, which
is when its survey can be collected; earlier years are one time-window mapping
away, which later stages (trends) use.
"""

from __future__ import annotations

from dagster import TimeWindowPartitionsDefinition

from cicopa.settings import FIRST_REFERENCE_YEAR

reference_years = TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=str(FIRST_REFERENCE_YEAR),
    fmt="%Y",
    timezone="UTC",
)
