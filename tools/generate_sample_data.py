"""Deterministic generator for the bundled, fictional sample data in ``raw_data/``.

The default run (45 members) writes reference files and survey submissions for
2023-2025 whose accepted 2025 files tie exactly to CICOPA's public headline
(45 members in 29 countries, 68,000 enterprises, 3,000,000 persons; Europe 26
members in 15 countries, 50,000 enterprises, 1,300,000 persons; Americas 12
members in 9 countries), plus a set of realistic imperfections outside those
headline files. ``--members N`` (N != 45) writes a larger, clean data set for
benchmarks. Every organisation is fictional ("Sample federation k of <Country>").

Output is byte-identical across runs: all randomness comes from one seeded
``random.Random``, dates are fixed, and XLSX archives are rewritten with fixed
zip timestamps.

Usage: ``python -m tools.generate_sample_data [--raw-data DIR] [--members N]``
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import math
import os
import random
import shutil
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from cicopa.columns import COLUMN_NAMES, INTEGER_COLUMNS
from cicopa.settings import SAMPLE_MARKER

YEARS: tuple[int, ...] = (2023, 2024, 2025)
REFERENCE_YEAR = 2025
HEADLINE_MEMBERS = 45
REPO_ROOT = Path(__file__).resolve().parents[1]

# Fixed workbook properties and zip entry times: openpyxl would otherwise stamp "now".
FIXED_DOC_TIME = datetime(2026, 1, 1, 0, 0, 0)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

SECTORS = "ABCDEFGHIJKLMNOPQRSTU"
TYPES = ("worker", "social", "producer", "multi_stakeholder", "other")
# The spec's columns, from the module the pipeline validates against.
INT_COLUMNS = tuple(c for c in INTEGER_COLUMNS if c != "reference_year")
ALL_COLUMNS = COLUMN_NAMES
# JSON puts these at the top level (SPEC section 2); the rest go into "rows".
JSON_TOP_LEVEL = ("member_id", "reference_year", "currency", "submitted_at", "comment")


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    region: str
    sub_region: str
    currency: str
    language: str  # survey language of its members: en, fr or es
    headline_members: int  # members in the 45-member headline data set
    size: float  # relative weight of its members' figures within the region
    turnover_band: tuple[int, int]  # USD turnover per person employed (illustrative)


HIGH = (45_000, 95_000)
MIDDLE = (25_000, 50_000)
LATAM = (8_000, 25_000)
LOW = (1_000, 4_000)

COUNTRIES: tuple[Country, ...] = (
    # Europe: 26 members in 15 countries.
    Country("IT", "Italy", "EUROPE", "", "EUR", "en", 4, 6.0, HIGH),
    Country("FR", "France", "EUROPE", "", "EUR", "fr", 3, 3.5, HIGH),
    Country("ES", "Spain", "EUROPE", "", "EUR", "es", 3, 4.5, HIGH),
    Country("DE", "Germany", "EUROPE", "", "EUR", "en", 2, 2.0, HIGH),
    Country("BE", "Belgium", "EUROPE", "", "EUR", "fr", 2, 1.5, HIGH),
    Country("PT", "Portugal", "EUROPE", "", "EUR", "en", 2, 1.0, MIDDLE),
    Country("PL", "Poland", "EUROPE", "", "PLN", "en", 1, 2.5, MIDDLE),
    Country("GB", "United Kingdom", "EUROPE", "", "GBP", "en", 2, 1.2, HIGH),
    Country("SE", "Sweden", "EUROPE", "", "SEK", "en", 1, 0.8, HIGH),
    Country("FI", "Finland", "EUROPE", "", "EUR", "en", 1, 0.8, HIGH),
    Country("NL", "Netherlands", "EUROPE", "", "EUR", "en", 1, 0.6, HIGH),
    Country("IE", "Ireland", "EUROPE", "", "EUR", "en", 1, 0.4, HIGH),
    Country("AT", "Austria", "EUROPE", "", "EUR", "en", 1, 0.6, HIGH),
    Country("CZ", "Czechia", "EUROPE", "", "CZK", "en", 1, 1.2, MIDDLE),
    Country("MT", "Malta", "EUROPE", "", "EUR", "en", 1, 0.15, MIDDLE),
    # Americas: 12 members in 9 countries.
    Country("US", "United States", "AMERICAS", "NORTH_AMERICA", "USD", "en", 2, 1.0, HIGH),
    Country("CA", "Canada", "AMERICAS", "NORTH_AMERICA", "CAD", "en", 1, 1.5, HIGH),
    Country("MX", "Mexico", "AMERICAS", "NORTH_AMERICA", "MXN", "es", 1, 0.8, LATAM),
    Country("BR", "Brazil", "AMERICAS", "MERCOSUR", "BRL", "en", 2, 3.0, LATAM),
    Country("AR", "Argentina", "AMERICAS", "MERCOSUR", "ARS", "es", 2, 2.5, LATAM),
    Country("UY", "Uruguay", "AMERICAS", "MERCOSUR", "UYU", "es", 1, 0.7, LATAM),
    Country("PY", "Paraguay", "AMERICAS", "MERCOSUR", "PYG", "es", 1, 0.5, LATAM),
    Country("CO", "Colombia", "AMERICAS", "", "COP", "es", 1, 1.2, LATAM),
    Country("CR", "Costa Rica", "AMERICAS", "", "CRC", "es", 1, 0.6, LATAM),
    # Africa: 3 members in 2 countries; Asia-Pacific: 4 members in 3 countries.
    Country("KE", "Kenya", "AFRICA", "", "KES", "en", 2, 2.0, LOW),
    Country("SN", "Senegal", "AFRICA", "", "XOF", "fr", 1, 1.0, LOW),
    Country("IN", "India", "ASIA_PACIFIC", "", "INR", "en", 2, 3.0, LOW),
    Country("JP", "Japan", "ASIA_PACIFIC", "", "JPY", "en", 1, 1.5, HIGH),
    Country("KR", "Republic of Korea", "ASIA_PACIFIC", "", "KRW", "en", 1, 1.0, HIGH),
)
# Countries in regions.csv without any member: areas the report must not invent.
EMPTY_COUNTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("CL", "Chile", "AMERICAS", ""),
    ("DK", "Denmark", "EUROPE", ""),
    ("NZ", "New Zealand", "ASIA_PACIFIC", ""),
    ("ZA", "South Africa", "AFRICA", ""),
)
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}

# Region totals (enterprises, persons employed) of the accepted 2025 files.
REGION_TOTALS: dict[str, tuple[int, int]] = {
    "EUROPE": (50_000, 1_300_000),
    "AMERICAS": (11_000, 1_100_000),
    "AFRICA": (3_000, 250_000),
    "ASIA_PACIFIC": (4_000, 350_000),
}
# Persons per enterprise, used only by the scaled (benchmark) data set.
PERSONS_PER_ENTERPRISE: dict[str, tuple[int, int]] = {
    "EUROPE": (15, 40),
    "AMERICAS": (50, 150),
    "AFRICA": (50, 120),
    "ASIA_PACIFIC": (50, 120),
}

# Units per USD, annual averages 2023/2024/2025 (approximate, rounded; see README).
FX_PER_USD: dict[str, tuple[str, str, str]] = {
    "ARS": ("296", "915", "1150"),
    "BRL": ("4.99", "5.39", "5.60"),
    "CAD": ("1.350", "1.370", "1.400"),
    "COP": ("4325", "4071", "4100"),
    "CRC": ("545", "515", "505"),
    "CZK": ("22.21", "23.21", "22.10"),
    "EUR": ("0.924", "0.924", "0.885"),
    "GBP": ("0.804", "0.783", "0.760"),
    "INR": ("82.6", "83.7", "86.5"),
    "JPY": ("140.5", "151.4", "149.0"),
    "KES": ("139.8", "134.8", "129.2"),
    "KRW": ("1306", "1364", "1420"),
    "MXN": ("17.76", "18.30", "19.30"),
    "PLN": ("4.20", "3.98", "3.77"),
    "PYG": ("7290", "7540", "7900"),
    "SEK": ("10.61", "10.57", "9.85"),
    "USD": ("1", "1", "1"),
    "UYU": ("38.8", "39.9", "41.0"),
    "XOF": ("606.0", "606.0", "580.5"),
}
# Currencies whose members report whole units (no minor unit in practice).
ZERO_DECIMALS = frozenset({"COP", "CRC", "JPY", "KRW", "PYG", "XOF"})

# Plausible sectors (ISIC Rev.4 sections) per cooperative type.
SECTORS_BY_TYPE: dict[str, str] = {
    "worker": "CFGHIJMNRS",
    "social": "QPNSE",
    "producer": "ACGH",  # farmers and fishers (A), artisans, retailers, drivers
    "multi_stakeholder": "QDINE",
    "other": "KLBT",
}
TYPE_PICK_WEIGHTS = (0.3, 0.25, 0.2, 0.15, 0.1)  # for rows after the first (worker) row
ROW_WEIGHT_RANGE: dict[str, tuple[float, float]] = {
    "worker": (3.0, 6.0),
    "social": (1.0, 3.0),
    "producer": (1.5, 4.0),
    "multi_stakeholder": (0.5, 1.5),
    "other": (0.3, 1.0),
}
PLAIN_COMMENTS = (
    "Figures from our census of affiliated cooperatives.",
    "Employment figures are headcounts at 31 December.",
    "Turnover for social cooperatives is partly estimated.",
    "Two affiliated cooperatives merged during the year.",
)


@dataclass
class Row:
    sector: str
    cooperative_type: str
    enterprises: int
    worker_members: int
    employees: int
    producer_members: int
    women: int | None = None
    turnover_usd: float | None = None  # converted to the file's currency when written
    new_enterprises: int | None = None
    transfers: int | None = None

    @property
    def employment(self) -> int:
        return self.worker_members + self.employees + self.producer_members


@dataclass
class Member:
    member_id: str
    name: str
    country: Country
    membership: str
    kind: str
    joined: int
    left: int | None = None
    language: str = ""

    def active(self, year: int) -> bool:
        return self.joined <= year and (self.left is None or year < self.left)


@dataclass
class Submission:
    member_id: str
    year: int
    rows: list[Row]
    currency: str | None  # None: the file reports no turnover
    submitted_at: str | datetime | None
    comment: str | None = None
    women_column: bool = True
    turnover_column: bool = True
    flow_columns: bool = False  # new_enterprises / transfers


@dataclass
class WriteOptions:
    """How one file deviates from the plain format (the imperfections)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal_comma: bool = False
    float_ints: frozenset[str] = frozenset()  # integer columns written as 12.0
    text_numbers: frozenset[str] = frozenset()  # XLSX: numbers stored as text "12.0"
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written
    extra_column: tuple[str, tuple[str, ...]] | None = None  # unknown column and its values
    blank_row_after: int | None = None  # a fully empty row after this data row
    odd_codes: bool = False  # codes in odd case with surrounding spaces
    title: str | None = None  # XLSX title row (and a blank row) above the header
    trailing_empty_rows: int = 0
    sheet_name: str = "submission"
    leading_sheet: str | None = None  # XLSX instructions sheet before the data sheet
    date_cell: bool = False  # XLSX submitted_at as a real date cell
    truncate: bool = False  # cut the file in half: unreadable


@dataclass
class FileSpec:
    name: str
    fmt: str  # csv, xlsx or json
    submission: Submission
    options: WriteOptions = field(default_factory=WriteOptions)


@dataclass
class Dataset:
    members: list[Member]
    files: dict[int, list[FileSpec]]


# --------------------------------------------------------------------------- figures


def allocate(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Every share gets at least ``minimum``; ties break on position so the split is
    deterministic and the parts always add up to ``total`` exactly.
    """
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} of {total}")
    weight_sum = sum(weights)
    quotas = [rest * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _pick_combos(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """n distinct (sector, type) cells; the first is always a worker cooperative."""
    combos = [(rng.choice(SECTORS_BY_TYPE["worker"]), "worker")]
    while len(combos) < n:
        ctype = rng.choices(TYPES, weights=TYPE_PICK_WEIGHTS)[0]
        combo = (rng.choice(SECTORS_BY_TYPE[ctype]), ctype)
        if combo not in combos:
            combos.append(combo)
    return combos


def _split_employment(rng: random.Random, ctype: str, persons: int) -> tuple[int, int, int]:
    """(worker_members, employees, producer_members) adding up to ``persons``."""
    if ctype == "producer":  # self-employed members; a few employees of the cooperative
        producers = round(persons * rng.uniform(0.85, 0.97))
        return 0, persons - producers, producers
    if ctype == "multi_stakeholder":
        producers = round(persons * rng.uniform(0.0, 0.15))
        workers = round((persons - producers) * rng.uniform(0.3, 0.5))
        return workers, persons - producers - workers, producers
    share = {"worker": (0.55, 0.8), "social": (0.3, 0.5), "other": (0.2, 0.5)}[ctype]
    workers = round(persons * rng.uniform(*share))
    return workers, persons - workers, 0


def build_rows(
    rng: random.Random, country: Country, enterprises: int, persons: int, n: int | None = None
) -> list[Row]:
    """One member's figures split over ``n`` (default 2-8) rows, summing exactly to the totals."""
    n = min(n or rng.randint(2, 8), enterprises, persons // 3)
    combos = _pick_combos(rng, n)
    weights = [rng.uniform(*ROW_WEIGHT_RANGE[ctype]) for _, ctype in combos]
    # Enterprises follow the same cells with some noise, so firm sizes vary by row.
    ent_weights = [w * rng.uniform(0.6, 1.5) for w in weights]
    row_enterprises = allocate(enterprises, ent_weights, minimum=1)
    row_persons = allocate(persons, weights, minimum=3)
    women_share = rng.uniform(0.3, 0.6)
    rows: list[Row] = []
    for (sector, ctype), ent, pers in zip(combos, row_enterprises, row_persons, strict=True):
        workers, employees, producers = _split_employment(rng, ctype, pers)
        women_row_share = min(0.9, women_share * (1.3 if ctype == "social" else 1.0))
        factor = 0.4 if ctype == "producer" else 1.0  # producers' own sales stay outside
        turnover = pers * rng.uniform(*country.turnover_band) * factor
        new = round(ent * rng.uniform(0.01, 0.08))
        rows.append(
            Row(
                sector=sector,
                cooperative_type=ctype,
                enterprises=ent,
                worker_members=workers,
                employees=employees,
                producer_members=producers,
                women=round(pers * women_row_share * rng.uniform(0.85, 1.1)),
                turnover_usd=turnover,
                new_enterprises=new,
                transfers=round(new * rng.uniform(0.0, 0.35)),
            )
        )
    return rows


def scale_rows(rng: random.Random, rows: list[Row], factor: float) -> list[Row]:
    """The same cells with every figure scaled (earlier years, preliminary files)."""
    scaled: list[Row] = []
    for row in rows:
        workers = round(row.worker_members * factor)
        employees = round(row.employees * factor)
        producers = round(row.producer_members * factor)
        total = workers + employees + producers
        new = None
        if row.new_enterprises is not None:
            new = round(row.new_enterprises * factor * rng.uniform(0.8, 1.2))
        transfers = None
        if row.transfers is not None and new is not None:
            transfers = min(new, round(row.transfers * factor))
        scaled.append(
            replace(
                row,
                enterprises=max(1, round(row.enterprises * factor)),
                worker_members=workers,
                employees=employees,
                producer_members=producers,
                women=None if row.women is None else min(total, round(row.women * factor)),
                turnover_usd=(
                    None
                    if row.turnover_usd is None
                    else row.turnover_usd * factor * rng.uniform(0.97, 1.03)
                ),
                new_enterprises=new,
                transfers=transfers,
            )
        )
    return scaled


def _profile(rng: random.Random, rows: list[Row]) -> tuple[list[Row], bool, bool, bool]:
    """Decide which optional figures a file reports; returns (rows, women, turnover, flows)."""
    women_mode = rng.choices(("all", "some", "none"), weights=(0.7, 0.15, 0.15))[0]
    turnover = rng.random() < 0.85
    flows = rng.random() < 0.4
    out: list[Row] = []
    for row in rows:
        keep_women = women_mode == "all" or (women_mode == "some" and rng.random() < 0.6)
        out.append(
            replace(
                row,
                women=row.women if keep_women else None,
                turnover_usd=row.turnover_usd if turnover else None,
                new_enterprises=row.new_enterprises if flows else None,
                transfers=row.transfers if flows else None,
            )
        )
    # Files reporting no women at all sometimes omit the column, sometimes leave it empty.
    women_column = women_mode != "none" or rng.random() < 0.5
    return out, women_column, turnover, flows


def _submitted_at(rng: random.Random, year: int) -> str:
    """An ISO date or datetime in January-April of the year after the reference year."""
    day = date(year + 1, 1, 1) + timedelta(days=rng.randint(0, 118))
    if rng.random() < 0.4:
        return day.isoformat()
    return f"{day.isoformat()}T{rng.randint(8, 18):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"


def _file_name(member_id: str, year: int, fmt: str, style: int) -> str:
    """Members name their files in different ways."""
    stem = (
        member_id,
        f"{member_id}_{year}",
        f"{year}_{member_id}",
        f"{member_id.lower()}_survey{year}",
    )[(0, 0, 0, 1, 1, 1, 2, 3)[style % 8]]  # mostly plain ids, a few other habits
    return f"{stem}.{fmt}"


def _rotating_format(index: int, year: int) -> str:
    return ("csv", "xlsx", "json")[(index + year) % 3]


def _in_sentence(country: Country) -> str:
    """The country as written after "of": "the United States" but "Italy"."""
    article = country.code in {"GB", "KR", "NL", "US"}
    return f"the {country.name}" if article else country.name


def _member(rng: random.Random, country: Country, number: int, member_id: str) -> Member:
    draw = rng.random()
    if draw < 0.8:
        membership, kind = "full", "representative"
    elif draw < 0.92:
        membership, kind = "associated", "support"
    else:
        membership, kind = "associated", "development"
    joined = rng.randint(1990, 1999) if rng.random() < 0.1 else rng.randint(2000, 2020)
    return Member(
        member_id=member_id,
        name=f"Sample federation {number} of {_in_sentence(country)}",
        country=country,
        membership=membership,
        kind=kind,
        joined=joined,
        language=country.language,
    )


# --------------------------------------------------------------------------- data sets


def _submission(
    rng: random.Random, member: Member, year: int, rows: list[Row], comment: str | None = None
) -> Submission:
    rows, women_column, turnover, flows = _profile(rng, rows)
    # One Costa Rican member keeps its accounts in US dollars.
    currency = "USD" if member.member_id == "CR-SAMPLE1" else member.country.currency
    return Submission(
        member_id=member.member_id,
        year=year,
        rows=rows,
        currency=currency if turnover else None,
        submitted_at=_submitted_at(rng, year),
        comment=comment,
        women_column=women_column,
        turnover_column=turnover or rng.random() < 0.5,
        flow_columns=flows,
    )


def _yearly_rows(rng: random.Random, rows_2025: list[Row]) -> dict[int, list[Row]]:
    """2025 figures and the same cells 3-6 % lower for each year back."""
    by_year = {REFERENCE_YEAR: rows_2025}
    factor = 1.0
    for year in sorted(YEARS, reverse=True)[1:]:
        factor *= 1 - rng.uniform(0.03, 0.06)
        by_year[year] = scale_rows(rng, rows_2025, factor)
    return by_year


def headline_dataset(rng: random.Random) -> Dataset:
    """45 reporting members tying to the public headline, plus the imperfect files."""
    members: list[Member] = []
    for country in COUNTRIES:
        for k in range(1, country.headline_members + 1):
            members.append(_member(rng, country, k, f"{country.code}-SAMPLE{k}"))
    by_id = {m.member_id: m for m in members}
    by_id["FR-SAMPLE3"].joined = 2024  # joined in 2024: no 2023 submission
    for quiet in ("FI-SAMPLE1", "JP-SAMPLE1"):  # language left empty (means en)
        by_id[quiet].language = ""

    # Region totals split over members, then each member's totals over its rows.
    rows_2025: dict[str, list[Row]] = {}
    for region, (enterprises, persons) in REGION_TOTALS.items():
        group = [m for m in members if m.country.region == region]
        ent_w = [m.country.size * rng.uniform(0.5, 1.5) for m in group]
        pers_w = [w * rng.uniform(0.6, 1.6) for w in ent_w]
        ents = allocate(enterprises, ent_w, minimum=30)
        pers = allocate(persons, pers_w, minimum=2_000)
        for member, ent, per in zip(group, ents, pers, strict=True):
            rows_2025[member.member_id] = build_rows(rng, member.country, ent, per)

    # Extra registry entries outside the headline.
    left = _member(rng, COUNTRY_BY_CODE["DE"], 3, "DE-SAMPLE3")
    left.joined, left.left = 2006, 2025  # active 2023-2024 only
    rejected = _member(rng, COUNTRY_BY_CODE["IT"], 5, "IT-SAMPLE5")
    rejected.joined = 2022  # registered since 2022, first (broken) submission in 2025
    unreadable = _member(rng, COUNTRY_BY_CODE["PT"], 3, "PT-SAMPLE3")
    unreadable.joined = 2025
    rows_left = build_rows(rng, left.country, 900, 21_000)
    rows_rejected = build_rows(rng, rejected.country, 700, 14_000, n=4)
    rows_unreadable = build_rows(rng, unreadable.country, 120, 2_500)

    files: dict[int, list[FileSpec]] = {year: [] for year in YEARS}
    plain_comment = itertools.cycle(PLAIN_COMMENTS)
    for index, member in enumerate([*members, left]):
        history = _yearly_rows(rng, rows_2025.get(member.member_id, rows_left))
        for year in YEARS:
            if not member.active(year):
                continue
            comment = next(plain_comment) if (index + year) % 11 == 0 else None
            sub = _submission(rng, member, year, history[year], comment)
            fmt = _rotating_format(index, year)
            spec = FileSpec(_file_name(member.member_id, year, fmt, index + year), fmt, sub)
            files[year].append(spec)
    _add_imperfections(rng, files, by_id, rejected, rows_rejected, unreadable, rows_unreadable)
    members += [left, rejected, unreadable]
    return Dataset(members=members, files=files)


def _with_turnover(rng: random.Random, sub: Submission, currency: str) -> None:
    """Make a file report turnover in every row (for the decimal-comma files)."""
    sub.rows = [
        replace(r, turnover_usd=r.turnover_usd or r.employment * rng.uniform(25_000, 45_000))
        for r in sub.rows
    ]
    sub.currency, sub.turnover_column = currency, True


def _find(files: list[FileSpec], member_id: str) -> FileSpec:
    return next(f for f in files if f.submission.member_id == member_id)


def _reformat(spec: FileSpec, fmt: str, name: str) -> None:
    spec.fmt, spec.name = fmt, name


def _add_imperfections(
    rng: random.Random,
    files: dict[int, list[FileSpec]],
    by_id: dict[str, Member],
    rejected: Member,
    rows_rejected: list[Row],
    unreadable: Member,
    rows_unreadable: list[Row],
) -> None:
    """The awkward files real members send; none of them changes the 2025 headline."""
    # 2023: a ';' CSV with decimal commas (UTF-8), sheet-name fallbacks, no submitted_at.
    spec = _find(files[2023], "IT-SAMPLE2")
    _reformat(spec, "csv", "IT-SAMPLE2_2023.csv")
    _with_turnover(rng, spec.submission, "EUR")
    spec.options = WriteOptions(delimiter=";", decimal_comma=True)
    spec = _find(files[2023], "DE-SAMPLE1")
    _reformat(spec, "xlsx", "DE-SAMPLE1_2023.xlsx")
    spec.options = WriteOptions(sheet_name="Data")  # no "submission" sheet: first sheet
    spec = _find(files[2023], "SE-SAMPLE1")
    _reformat(spec, "xlsx", "SE-SAMPLE1_2023.xlsx")
    spec.options = WriteOptions(leading_sheet="Instructions")
    for member_id in ("AT-SAMPLE1", "KE-SAMPLE2"):
        _find(files[2023], member_id).submission.submitted_at = None

    # 2024: Windows-1252 ';' CSV with decimal commas and an accented comment.
    spec = _find(files[2024], "ES-SAMPLE1")
    _reformat(spec, "csv", "ES-SAMPLE1_2024.csv")
    _with_turnover(rng, spec.submission, "EUR")
    spec.submission.comment = (
        "Datos revisados por la comisión técnica; año completo, incluye Cataluña."
    )
    spec.options = WriteOptions(delimiter=";", encoding="cp1252", decimal_comma=True)
    # 2024: XLSX with a title row, a blank row, trailing empty rows, floats for integers.
    spec = _find(files[2024], "PT-SAMPLE1")
    _reformat(spec, "xlsx", "PT-SAMPLE1_2024.xlsx")
    spec.submission.women_column = True
    spec.options = WriteOptions(
        title=f"Annual survey 2024 – {by_id['PT-SAMPLE1'].name}",
        trailing_empty_rows=2,
        float_ints=frozenset({"worker_members", "employees", "producer_members", "women"}),
        text_numbers=frozenset({"enterprises"}),
    )
    # 2024: UTF-8 CSV with a byte-order mark.
    spec = _find(files[2024], "BE-SAMPLE1")
    _reformat(spec, "csv", "BE-SAMPLE1_2024.csv")
    spec.options = WriteOptions(encoding="utf-8-sig")
    # 2024: headers in other case / with spaces, and an unknown "notes" column.
    spec = _find(files[2024], "GB-SAMPLE1")
    _reformat(spec, "csv", "GB-SAMPLE1_2024.csv")
    headers = {c: c.upper() if i % 3 == 0 else c.title() for i, c in enumerate(ALL_COLUMNS)}
    headers["enterprises"] = " Enterprises "
    headers["cooperative_type"] = "Cooperative_Type "
    notes = tuple(
        "includes two start-ups" if i == 0 else "" for i in range(len(spec.submission.rows))
    )
    spec.options = WriteOptions(headers=headers, extra_column=("notes", notes))
    # 2024: JSON with codes in odd case/spaces and integers as 12.0.
    spec = _find(files[2024], "MX-SAMPLE1")
    _reformat(spec, "json", "MX-SAMPLE1_2024.json")
    spec.options = WriteOptions(odd_codes=True, float_ints=frozenset(INT_COLUMNS))
    # 2024: XLSX whose submitted_at is a real date cell, not text.
    spec = _find(files[2024], "NL-SAMPLE1")
    _reformat(spec, "xlsx", "NL-SAMPLE1_2024.xlsx")
    spec.submission.submitted_at = datetime(2025, 3, 12, 16, 20, 0)
    spec.options = WriteOptions(date_cell=True)
    # 2024: CSV with a fully empty line between data rows.
    spec = _find(files[2024], "IE-SAMPLE1")
    _reformat(spec, "csv", "IE-SAMPLE1_2024.csv")
    spec.options = WriteOptions(blank_row_after=1)

    # 2025: a comment with markup, an ampersand, quotes and an accented name.
    spec = _find(files[2025], "FR-SAMPLE1")
    _reformat(spec, "csv", "FR-SAMPLE1_2025.csv")
    spec.submission.comment = (
        'Données validées par Hélène Lefèvre; <b>chiffres & "estimations"</b> pour le secteur Q.'
    )
    # 2025: a resubmission. The accepted (newer) file keeps the headline figures; an
    # older preliminary file with lower estimates is superseded.
    spec = _find(files[2025], "ES-SAMPLE2")
    _reformat(spec, "json", "ES-SAMPLE2_2025_corrected.json")
    spec.submission.submitted_at = "2026-03-18T09:15:00"
    spec.submission.comment = "Corrected figures; replaces our file of 3 February."
    older = replace(
        spec.submission,
        rows=scale_rows(rng, spec.submission.rows, 0.9),
        submitted_at="2026-02-03",
        comment="Preliminary figures.",
    )
    files[2025].append(FileSpec("ES-SAMPLE2_2025.csv", "csv", older))
    # 2025: an extra member's file with several errors at once: rejected as a whole.
    bad = _submission(rng, rejected, 2025, rows_rejected)
    bad.rows[0].employees = -12  # negative count
    bad.rows[1].sector = "Z"  # not an ISIC section
    bad.rows[-1].women = bad.rows[-1].employment + 40  # more women than persons
    bad.women_column = True
    files[2025].append(FileSpec("IT-SAMPLE5_2025.csv", "csv", bad))
    # 2025: another extra member's XLSX cut in half (e.g. an interrupted upload).
    broken = _submission(rng, unreadable, 2025, rows_unreadable)
    files[2025].append(
        FileSpec("PT-SAMPLE3_2025.xlsx", "xlsx", broken, WriteOptions(truncate=True))
    )


def scaled_dataset(rng: random.Random, count: int) -> Dataset:
    """``count`` members spread over the same countries, random plausible figures."""
    per_country = allocate(
        count, [c.headline_members for c in COUNTRIES], minimum=1 if count >= len(COUNTRIES) else 0
    )
    members: list[Member] = []
    for country, n in zip(COUNTRIES, per_country, strict=True):
        for k in range(1, n + 1):
            members.append(_member(rng, country, k, f"{country.code}-S{k}"))
    files: dict[int, list[FileSpec]] = {year: [] for year in YEARS}
    for index, member in enumerate(members):
        region = member.country.region
        enterprises = max(2, round(rng.lognormvariate(math.log(150), 1.0)))
        persons = max(enterprises * 3, enterprises * rng.randint(*PERSONS_PER_ENTERPRISE[region]))
        history = _yearly_rows(rng, build_rows(rng, member.country, enterprises, persons))
        for year in YEARS:
            sub = _submission(rng, member, year, history[year])
            fmt = _rotating_format(index, year)
            spec = FileSpec(_file_name(member.member_id, year, fmt, index + year), fmt, sub)
            files[year].append(spec)
    return Dataset(members=members, files=files)


# --------------------------------------------------------------------------- writers


def _turnover(sub: Submission, row: Row) -> float | int | None:
    """Turnover in the file's currency at that year's average rate."""
    if row.turnover_usd is None or sub.currency is None:
        return None
    rate = float(FX_PER_USD[sub.currency][YEARS.index(sub.year)])
    value = row.turnover_usd * rate
    return round(value) if sub.currency in ZERO_DECIMALS else round(value, 2)


def _columns(sub: Submission) -> list[str]:
    present = {
        "women": sub.women_column,
        "turnover": sub.turnover_column,
        "currency": sub.turnover_column,
        "new_enterprises": sub.flow_columns,
        "transfers": sub.flow_columns,
        "submitted_at": sub.submitted_at is not None,
        "comment": sub.comment is not None,
    }
    return [c for c in ALL_COLUMNS if present.get(c, True)]


def _codes(options: WriteOptions, value: str, lower: bool) -> str:
    if not options.odd_codes:
        return value
    return f" {value.lower() if lower else value.capitalize()} "


def _records(sub: Submission, options: WriteOptions) -> list[dict[str, object]]:
    """Rows as column -> Python value (int, float, str, datetime or None)."""
    records: list[dict[str, object]] = []
    for row in sub.rows:
        record: dict[str, object] = {
            "member_id": _codes(options, sub.member_id, lower=True),
            "reference_year": sub.year,
            "sector": _codes(options, row.sector, lower=True),
            "cooperative_type": _codes(options, row.cooperative_type, lower=False),
            "enterprises": row.enterprises,
            "worker_members": row.worker_members,
            "employees": row.employees,
            "producer_members": row.producer_members,
            "women": row.women,
            "turnover": _turnover(sub, row),
            "currency": None if sub.currency is None else _codes(options, sub.currency, True),
            "new_enterprises": row.new_enterprises,
            "transfers": row.transfers,
            "submitted_at": sub.submitted_at,
            "comment": sub.comment,
        }
        for column in options.float_ints:
            value = record[column]
            if isinstance(value, int):
                record[column] = float(value)
        records.append(record)
    return records


def _csv_text(column: str, value: object, options: WriteOptions) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Money with two decimals; integers written as floats keep the "12.0" look.
        text = repr(value) if column != "turnover" else f"{value:.2f}"
        return text.replace(".", ",") if options.decimal_comma else text
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, sub: Submission, options: WriteOptions) -> None:
    columns = _columns(sub)
    header = [options.headers.get(c, c) for c in columns]
    body = [[_csv_text(c, r[c], options) for c in columns] for r in _records(sub, options)]
    if options.extra_column is not None:
        name, values = options.extra_column
        header.append(name)
        for line, value in zip(body, values, strict=True):
            line.append(value)
    if options.blank_row_after is not None:
        body.insert(options.blank_row_after, [""] * len(header))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=options.delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    path.write_bytes(buffer.getvalue().encode(options.encoding))


def write_json(path: Path, sub: Submission, options: WriteOptions) -> None:
    columns = _columns(sub)
    records = _records(sub, options)
    first = records[0]
    document: dict[str, object] = {
        key: first[key] if key in columns or key == "member_id" else None for key in JSON_TOP_LEVEL
    }
    document["rows"] = [{c: r[c] for c in columns if c not in JSON_TOP_LEVEL} for r in records]
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    path.write_bytes(text.encode("utf-8"))


class FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose entries all carry the same timestamp and file mode.

    openpyxl hands zipfile plain names (dated with the clock) and temporary files
    (dated with their mtime); both are pinned here so the bytes are reproducible.
    """

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: bytes | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_EPOCH)
            info.compress_type = self.compression
            info.external_attr = 0o644 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = arcname if arcname is not None else Path(filename).name
        self.writestr(name, Path(filename).read_bytes(), compress_type, compresslevel)


def xlsx_bytes(sub: Submission, options: WriteOptions) -> bytes:
    workbook = Workbook()
    workbook.properties.creator = "cicopa-stats sample data generator"
    workbook.properties.created = FIXED_DOC_TIME
    workbook.properties.modified = FIXED_DOC_TIME
    sheet = workbook.active
    assert sheet is not None
    if options.leading_sheet is not None:
        sheet.title = options.leading_sheet
        sheet.append(["Fill in the sheet 'submission': one row per sector and type."])
        sheet = workbook.create_sheet(options.sheet_name)
    else:
        sheet.title = options.sheet_name
    if options.title is not None:
        sheet.append([options.title])
        sheet.append([])  # blank row between title and header
    columns = _columns(sub)
    sheet.append([options.headers.get(c, c) for c in columns])
    for record in _records(sub, options):
        values: list[object] = []
        for column in columns:
            value = record[column]
            if column in options.text_numbers and isinstance(value, int | float):
                value = f"{float(value):.1f}"  # "number stored as text"
            values.append(value)
        sheet.append(values)
        if options.date_cell and "submitted_at" in columns:
            sheet.cell(
                sheet.max_row, columns.index("submitted_at") + 1
            ).number_format = "yyyy-mm-dd hh:mm"
    for i in range(options.trailing_empty_rows):
        if i % 2 == 0:  # formatted but empty cells, as spreadsheets leave behind
            sheet.cell(sheet.max_row + 1, 1).font = Font(bold=True)
        else:
            sheet.append([""] * len(columns))
    buffer = io.BytesIO()
    # ExcelWriter directly: save_workbook() would overwrite "modified" with the clock.
    with FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


def write_xlsx(path: Path, sub: Submission, options: WriteOptions) -> None:
    data = xlsx_bytes(sub, options)
    path.write_bytes(data[: len(data) // 2] if options.truncate else data)


WRITERS = {"csv": write_csv, "json": write_json, "xlsx": write_xlsx}
PARALLEL_FROM = 600  # files; below this a process pool costs more than it saves


def write_file(job: tuple[Path, FileSpec]) -> None:
    target, spec = job
    WRITERS[spec.fmt](target, spec.submission, spec.options)


def _write_csv_table(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def write_reference(reference: Path, members: list[Member]) -> None:
    _write_csv_table(
        reference / "members.csv",
        ("member_id", "name", "country", "membership", "kind", "joined", "left", "language"),
        [
            (
                m.member_id,
                m.name,
                m.country.code,
                m.membership,
                m.kind,
                m.joined,
                m.left,
                m.language,
            )
            for m in sorted(members, key=lambda m: m.member_id)
        ],
    )
    regions = [(c.code, c.name, c.region, c.sub_region) for c in COUNTRIES]
    _write_csv_table(
        reference / "regions.csv",
        ("country", "country_name", "region", "sub_region"),
        sorted([*regions, *EMPTY_COUNTRIES]),
    )
    _write_csv_table(
        reference / "fx_rates.csv",
        ("year", "currency", "per_usd"),
        [(year, cur, FX_PER_USD[cur][i]) for i, year in enumerate(YEARS) for cur in FX_PER_USD],
    )


README = """\
# raw_data — fictional sample data

Everything in this folder is generated by `python -m tools.generate_sample_data`
(seed {seed}, {members} members) and is **fictional**: organisations are named
"Sample federation k of <Country>" and do not exist. With the default 45 members
the accepted 2025 submissions add up exactly to CICOPA's public headline figures
(45 members in 29 countries, 68,000 enterprises, 3,000,000 persons employed).
Re-running the generator rewrites this README, `reference/` and
`submissions/2023`–`2025` byte for byte; it touches nothing else.

- `reference/members.csv` — the member registry (who is a member, since and until when).
- `reference/regions.csv` — country to ICA region and CICOPA sub-region; a few
  countries have no members.
- `reference/fx_rates.csv` — units of each currency per US dollar, 2023–2025:
  approximate annual averages of official rates (IMF International Financial
  Statistics / national central banks), rounded; for illustration.
- `submissions/<year>/` — one file per member submission for that reference year,
  as CSV, XLSX or JSON (see SPEC.md section 2). Some files are deliberately
  imperfect, as real submissions are: other encodings and delimiters, title rows,
  odd header case, an unknown column, a resubmission, a file with errors and a
  truncated file (2025).
"""
# Where the deliberate imperfections are (default 45-member data set only).
SAMPLE_MARKER_TEXT = """\
This folder holds the bundled, fictional sample data (tools/generate_sample_data.py).
A report built from a folder with this file marks every page "Sample data".
"""

README_IMPERFECTIONS = """
## Deliberate imperfections (45-member data set)

Accepted despite their form:
- `2023/IT-SAMPLE2_2023.csv`: `;` delimiter, decimal comma in turnover (UTF-8).
- `2023/DE-SAMPLE1_2023.xlsx`: the only sheet is named `Data` (first sheet is used).
- `2023/SE-SAMPLE1_2023.xlsx`: an `Instructions` sheet before `submission`.
- 2023 files of AT-SAMPLE1 and KE-SAMPLE2: no `submitted_at` column.
- `2024/ES-SAMPLE1_2024.csv`: Windows-1252, `;` delimiter, decimal comma,
  accented comment.
- `2024/PT-SAMPLE1_2024.xlsx`: title row and blank row above the header, two
  trailing empty rows, integers as floats, `enterprises` as text such as `133.0`.
- `2024/BE-SAMPLE1_2024.csv`: UTF-8 with a byte-order mark.
- `2024/GB-SAMPLE1_2024.csv`: header case and spaces (` Enterprises `) and an
  unknown column `notes` (a warning).
- `2024/MX-SAMPLE1_2024.json`: codes in odd case with spaces (` mx-sample1 `,
  ` Producer `, ` mxn `), integers as `12.0`.
- `2024/NL-SAMPLE1_2024.xlsx`: `submitted_at` is a real date cell.
- `2024/IE-SAMPLE1_2024.csv`: a fully empty line between data rows.
- `2025/FR-SAMPLE1_2025.csv`: comment with markup, `&`, quotes and an accented
  name (the report must escape it).

Not counted in 2025:
- `2025/ES-SAMPLE2_2025.csv`: superseded by `ES-SAMPLE2_2025_corrected.json`
  (later `submitted_at`), which is accepted.
- `2025/IT-SAMPLE5_2025.csv`: rejected (negative employees, sector `Z`, women
  above employment).
- `2025/PT-SAMPLE3_2025.xlsx`: unreadable (truncated archive).

Registry: FR-SAMPLE3 joined in 2024; DE-SAMPLE3 left in 2025 (submissions for 2023
and 2024 only); IT-SAMPLE5 (registered since 2022) and PT-SAMPLE3 (joined 2025)
are the two registered members without an accepted 2025 submission.
"""


def _clear(raw_data: Path) -> None:
    """Remove only the paths this generator owns."""
    for name in ("members.csv", "regions.csv", "fx_rates.csv"):
        (raw_data / "reference" / name).unlink(missing_ok=True)
    for year in YEARS:
        shutil.rmtree(raw_data / "submissions" / str(year), ignore_errors=True)
    (raw_data / "README.md").unlink(missing_ok=True)
    (raw_data / SAMPLE_MARKER).unlink(missing_ok=True)


def generate(raw_data: Path, members: int = HEADLINE_MEMBERS, seed: int = 2025) -> None:
    """Write the sample reference files and 2023-2025 submissions under ``raw_data``."""
    if members < 1:
        raise ValueError("members must be at least 1")
    rng = random.Random(seed)
    dataset = headline_dataset(rng) if members == HEADLINE_MEMBERS else scaled_dataset(rng, members)
    raw_data = Path(raw_data)
    _clear(raw_data)
    (raw_data / "reference").mkdir(parents=True, exist_ok=True)
    write_reference(raw_data / "reference", dataset.members)
    jobs: list[tuple[Path, FileSpec]] = []
    for year, specs in dataset.files.items():
        folder = raw_data / "submissions" / str(year)
        folder.mkdir(parents=True)
        jobs += [(folder / spec.name, spec) for spec in specs]
    if len({target for target, _ in jobs}) != len(jobs):
        raise RuntimeError("duplicate sample file names")
    # Each file's bytes depend only on its spec, so writing in parallel stays deterministic.
    if len(jobs) < PARALLEL_FROM:
        for job in jobs:
            write_file(job)
    else:
        with ProcessPoolExecutor() as pool:
            list(pool.map(write_file, jobs, chunksize=64))
    readme = README.format(seed=seed, members=members)
    if members == HEADLINE_MEMBERS:
        readme += README_IMPERFECTIONS
    (raw_data / "README.md").write_bytes(readme.encode("utf-8"))
    # The marker the report looks for: every page of a report built from this folder
    # says that the figures are sample data, not CICOPA's.
    (raw_data / SAMPLE_MARKER).write_bytes(SAMPLE_MARKER_TEXT.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tools.generate_sample_data",
        description="Write the fictional sample data (reference files and 2023-2025 "
        "submissions) into raw_data/.",
    )
    parser.add_argument(
        "--raw-data",
        type=Path,
        default=REPO_ROOT / "raw_data",
        help="target folder (default: raw_data/ in the repository root)",
    )
    parser.add_argument(
        "--members",
        type=int,
        default=HEADLINE_MEMBERS,
        help="number of members; 45 ties to the public headline, other values are "
        "random plausible data for benchmarks",
    )
    parser.add_argument("--seed", type=int, default=2025, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    generate(args.raw_data, members=args.members, seed=args.seed)


if __name__ == "__main__":
    main()
