"""The survey's vocabulary: columns, codes and display names from SPEC section 2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["code", "text", "integer", "decimal", "datetime"]


@dataclass(frozen=True)
class SubmissionColumn:
    name: str
    kind: ColumnKind
    required: bool
    description: str


SUBMISSION_COLUMNS: tuple[SubmissionColumn, ...] = (
    SubmissionColumn("member_id", "code", True, "the member's identifier in the registry"),
    SubmissionColumn("reference_year", "integer", True, "the year the figures describe"),
    SubmissionColumn("sector", "code", True, "ISIC Rev.4 section letter, A to U"),
    SubmissionColumn("cooperative_type", "code", True, "worker, social, producer, ..."),
    SubmissionColumn("enterprises", "integer", True, "affiliated cooperatives"),
    SubmissionColumn("worker_members", "integer", True, "members who work in their cooperative"),
    SubmissionColumn("employees", "integer", True, "employees who are not members"),
    SubmissionColumn("producer_members", "integer", True, "self-employed producer members"),
    SubmissionColumn("women", "integer", False, "women among the persons employed"),
    SubmissionColumn("turnover", "decimal", False, "annual turnover in the currency"),
    SubmissionColumn("currency", "code", False, "ISO 4217 code of the turnover"),
    SubmissionColumn("new_enterprises", "integer", False, "cooperatives created in the year"),
    SubmissionColumn("transfers", "integer", False, "businesses transferred to employees"),
    SubmissionColumn("submitted_at", "datetime", False, "date the member sent the file"),
    SubmissionColumn("comment", "text", False, "free text from the member"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SUBMISSION_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in SUBMISSION_COLUMNS if c.required)
INTEGER_COLUMNS: tuple[str, ...] = tuple(c.name for c in SUBMISSION_COLUMNS if c.kind == "integer")
DECIMAL_COLUMNS: tuple[str, ...] = tuple(c.name for c in SUBMISSION_COLUMNS if c.kind == "decimal")
UPPERCASE_CODES: tuple[str, ...] = ("member_id", "sector", "currency")
LOWERCASE_CODES: tuple[str, ...] = ("cooperative_type",)
# Columns a submission carries once: the file is one member's answer for one year.
PER_SUBMISSION_COLUMNS: tuple[str, ...] = (
    "member_id",
    "reference_year",
    "currency",
    "submitted_at",
)
# What a row says about one sector and type; a row with none of them carries no data
# (a prepared form row left unused: member_id and year filled in, nothing else).
ROW_DATA_COLUMNS: tuple[str, ...] = tuple(
    c for c in COLUMN_NAMES if c not in (*PER_SUBMISSION_COLUMNS, "comment")
)
# The four headcounts from which employment is derived (ILO, 20th ICLS 2018).
EMPLOYMENT_COLUMNS: tuple[str, ...] = ("worker_members", "employees", "producer_members")

ISIC_SECTIONS: dict[str, str] = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation",
    "F": "Construction",
    "G": "Wholesale and retail trade; repair of motor vehicles",
    "H": "Transportation and storage",
    "I": "Accommodation and food service activities",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "N": "Administrative and support service activities",
    "O": "Public administration and defence; compulsory social security",
    "P": "Education",
    "Q": "Human health and social work activities",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Activities of households as employers",
    "U": "Activities of extraterritorial organizations and bodies",
}
SECTORS: tuple[str, ...] = tuple(ISIC_SECTIONS)

COOPERATIVE_TYPES: dict[str, str] = {
    "worker": "Worker cooperatives",
    "social": "Social cooperatives",
    "producer": "Producers' cooperatives",
    "multi_stakeholder": "Multi-stakeholder cooperatives",
    "other": "Other cooperatives",
}

REGIONS: dict[str, str] = {
    "AFRICA": "Africa",
    "AMERICAS": "Americas (CICOPA Americas)",
    "ASIA_PACIFIC": "Asia-Pacific",
    "EUROPE": "Europe (CECOP – CICOPA Europe)",
}
SUB_REGIONS: dict[str, str] = {
    "NORTH_AMERICA": "North America (CICOPA North America)",
    "MERCOSUR": "Mercosur (CICOPA Mercosur)",
}
# A sub-regional organisation belongs to one region.
SUB_REGION_PARENT: dict[str, str] = {"NORTH_AMERICA": "AMERICAS", "MERCOSUR": "AMERICAS"}

MEMBERSHIPS: tuple[str, ...] = ("full", "associated")
MEMBER_KINDS: tuple[str, ...] = ("representative", "support", "development")

STATUSES: tuple[str, ...] = ("accepted", "rejected", "superseded", "withdrawn", "unreadable")
SUPPORTED_FORMATS: tuple[str, ...] = ("csv", "xlsx", "xlsm", "ods", "xls", "json")
