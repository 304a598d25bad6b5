"""The collection calendar, in one place: when the survey opens and when a year is built.

Reference year Y is collected in Y+1: forms go out on COLLECTION_OPENS and the
statistics and report are built on BUILD_AFTER (the collection deadline).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DayOfYear:
    month: int
    day: int
    hour: int = 6  # UTC; early, before staff start their day in Europe

    @property
    def cron(self) -> str:
        return f"0 {self.hour} {self.day} {self.month} *"


COLLECTION_OPENS = DayOfYear(month=1, day=15)
BUILD_AFTER = DayOfYear(month=4, day=1)
# How often the sensor looks at the submissions folders, in seconds.
SUBMISSIONS_SENSOR_INTERVAL = 30
