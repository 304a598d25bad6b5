"""What is configured, in one place: folders, languages, calendar, output names, contact.

Every other module imports these names from here. Values that staff may change per
installation are read from the environment (``CICOPA_*``); everything else is a constant
of the project. This module imports nothing of the project, so any module may use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# --- folders ---------------------------------------------------------------------------
DEFAULT_RAW_DATA = PROJECT_ROOT / "raw_data"
DEFAULT_OUT = PROJECT_ROOT / "out"
DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
REPORT_STATIC = PROJECT_ROOT / "reports" / "static"
REPORT_TEMPLATES = PROJECT_ROOT / "reports" / "templates"
LOCALE_DIR = PROJECT_ROOT / "reports" / "locale"


def raw_data_dir() -> Path:
    """The raw-data folder: CICOPA_RAW_DATA, else the project's `raw_data/`."""
    return Path(os.environ.get("CICOPA_RAW_DATA") or DEFAULT_RAW_DATA)


def out_dir() -> Path:
    """The output folder: CICOPA_OUT, else the project's `out/`."""
    return Path(os.environ.get("CICOPA_OUT") or DEFAULT_OUT)


def dagster_home() -> Path:
    """The instance folder: DAGSTER_HOME, else the project's `.dagster_home/`."""
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)


# PostgreSQL instance storage (dagster.postgres.yaml): the server's port when
# CICOPA_PG_PORT is not set. Dagster's `env:` config has no default of its own.
DEFAULT_PG_PORT = 5432


# --- languages -------------------------------------------------------------------------
LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español"}
# English dates as written in Brussels (31 March 2026), not the US default.
BABEL_LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR", "es": "es_ES"}

# --- reference years and the collection calendar ----------------------------------------
# The first reference year with submissions; the Dagster partitions start here.
FIRST_REFERENCE_YEAR = int(os.environ.get("CICOPA_FIRST_YEAR") or 2023)
# Trends and the large-change warning look back over Y-2..Y.
TREND_YEARS = 3
# Past this many reporting members (about ten pages of names) the report's Annex A
# counts them by country; every name stays in the annex workbook's member table.
REPORT_MEMBER_LIST_LIMIT = 400
# Non-response is imputed from a member's latest accepted year among Y-3..Y-1.
IMPUTATION_LOOKBACK_YEARS = 3


@dataclass(frozen=True)
class DayOfYear:
    """A day of year Y+1 for reference year Y, at an hour (UTC)."""

    month: int
    day: int
    hour: int = 6  # early, before staff start their day in Europe

    @property
    def cron(self) -> str:
        return f"0 {self.hour} {self.day} {self.month} *"

    def in_year_after(self, reference_year: int) -> date:
        return date(reference_year + 1, self.month, self.day)


# Reference year Y is collected in Y+1: forms go out on COLLECTION_OPENS, answers and
# corrections are due by DEADLINE, and the year is built on BUILD_AFTER.
COLLECTION_OPENS = DayOfYear(month=1, day=15)
DEADLINE = DayOfYear(month=3, day=31)
BUILD_AFTER = DayOfYear(month=4, day=1)


# Persons employed are counted as at this day of the reference year itself (a headcount,
# not full-time equivalents): the methodology of the report states it.
def employment_reference_date(reference_year: int) -> date:
    return date(reference_year, 12, 31)


# How often the sensor looks at the submissions folders, in seconds.
SUBMISSIONS_SENSOR_INTERVAL = 30


def default_deadline(year: int) -> date:
    """Answers and corrections for reference year `year` are due by this day."""
    return DEADLINE.in_year_after(year)


# --- limits on one submission file (SPEC section 2) -------------------------------------
# A submission holds at most 21 sectors x 5 types = 105 rows; these limits are far above
# any real answer and far below what would exhaust memory or time on this machine.
MAX_FILE_BYTES = 10 * 2**20  # also the portal's upload limit
MAX_DATA_ROWS = 10_000
# A sheet may carry a title block and blank rows above and below the table.
MAX_SHEET_ROWS = MAX_DATA_ROWS + 100
# The survey has 15 columns; 256 is Excel 2003's width, room for any notes beside them.
MAX_SHEET_COLUMNS = 256
# What a workbook may unpack to: a 10,000-row sheet is about 5 MiB of XML.
MAX_UNPACKED_BYTES = 64 * 2**20

# --- output names ----------------------------------------------------------------------
# The public statistics files, embedded in every report PDF.
STATISTICS_FILES: tuple[str, ...] = (
    "by_area.csv", "by_sector.csv", "by_type.csv", "trends.csv", "coverage.csv", "estimates.csv",
)  # fmt: skip
# Member-level statistics: published with the year for staff and auditors, never public.
MEMBER_LEVEL_STATISTICS: tuple[str, ...] = ("imputations.csv",)
VALIDATION_FILES: tuple[str, ...] = ("submissions.csv", "issues.csv")
# A staging folder of a run this Dagster instance does not know (another instance writing
# into the same out folder) is left alone until untouched this long; longer than any build.
STAGING_UNKNOWN_RUN_KEPT_HOURS = 24


def report_file_name(year: int, lang: str = "en") -> str:
    return f"annual_report_{year}_{lang}.pdf"


def annex_file_name(year: int, lang: str = "en") -> str:
    return f"statistical_annex_{year}_{lang}.xlsx"


# SDMX for the ILO and statistical offices (SPEC 3 "statistics/sdmx/"): agency, dataflow.
SDMX_AGENCY = "CICOPA"
SDMX_DATAFLOW = "COOP"
SDMX_VERSION = "1.0"
SDMX_FOLDER = "statistics/sdmx"


def sdmx_data_file_name(year: int) -> str:
    return f"CICOPA_COOP_{year}.csv"


def sdmx_structure_file_name(year: int) -> str:
    """The SDMX-ML 2.1 structure message (DSD, codelists, dataflow) beside the data."""
    return f"CICOPA_COOP_{year}_structure.xml"


# --- publication -----------------------------------------------------------------------
CONTACT = os.environ.get("CICOPA_CONTACT") or "statistics@cicopa.coop"
PUBLISHER = "CICOPA, International Organisation of Industrial and Service Cooperatives"
PUBLISHER_PLACE = os.environ.get("CICOPA_PUBLISHER_PLACE") or "Brussels"
# The report's licence: a short name the report prints and the licence's canonical URL.
LICENCE = os.environ.get("CICOPA_LICENCE") or "CC BY 4.0"
LICENCE_URL = os.environ.get("CICOPA_LICENCE_URL") or "https://creativecommons.org/licenses/by/4.0/"
# Serial and book numbers are printed only when the secretariat has been assigned them.
ISSN = os.environ.get("CICOPA_ISSN") or None
ISBN = os.environ.get("CICOPA_ISBN") or None
# The file a bundled sample raw-data folder carries (tools/generate_sample_data.py writes
# it): reports built from such a folder say on every page that the figures are not real.
SAMPLE_MARKER = "SAMPLE"


def publication_date(reference_year: int) -> date:
    """The day the report of `reference_year` is published: CICOPA_PUBLICATION_DATE
    (ISO 8601) when set, else the build day of the calendar (BUILD_AFTER in Y+1).

    From configuration, never the clock, so that rebuilding gives the same bytes.
    """
    given = os.environ.get("CICOPA_PUBLICATION_DATE")
    if given:
        return date.fromisoformat(given.strip())
    return BUILD_AFTER.in_year_after(reference_year)


def is_sample(raw_data: Path) -> bool:
    """True when `raw_data` is the bundled sample (it carries SAMPLE_MARKER)."""
    return (Path(raw_data) / SAMPLE_MARKER).is_file()


# Where `cicopa serve` is reached from outside: the download page and the member links.
PUBLIC_URL = (os.environ.get("CICOPA_DOWNLOAD_URL") or "http://127.0.0.1:8080").rstrip("/")
FX_SOURCE = os.environ.get("CICOPA_FX_SOURCE") or (
    "Annual average exchange rates from the IMF International Financial Statistics "
    "and national central banks, rounded (reference/fx_rates.csv)."
)

# --- the web application (`cicopa serve`, SPEC section 5) --------------------------------
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8080
# An upload is one submission file: SPEC section 2 makes anything larger unreadable.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOADS_PER_LINK_PER_HOUR = 20
# Seconds an open connection may stay silent before the server closes it.
IDLE_CONNECTION_SECONDS = 5
# The secret of the member links lives in the instance folder when not configured.
PORTAL_SECRET_FILE = "portal_secret"


def portal_secret_value() -> str | None:
    """CICOPA_PORTAL_SECRET, when configured (else a secret file is used, cicopa/links.py)."""
    return os.environ.get("CICOPA_PORTAL_SECRET") or None


def staff_token() -> str | None:
    """CICOPA_STAFF_TOKEN: the staff area's password; without it the staff area is off."""
    return os.environ.get("CICOPA_STAFF_TOKEN") or None
