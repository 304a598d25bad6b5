"""The survey form: one .xlsx per member and year, ready to fill and send back as is.

The sheet ``submission`` comes first and has the spec's column names in row 1, so the
file the member returns is read by ``cicopa.readers`` without any mapping. The rows the
member reported in its last accepted year are prepared (member_id, reference_year,
sector, cooperative_type, currency filled, figures empty); dropdowns and number checks
catch typing errors while the member types, in the member's language; the header row is
locked so the columns cannot be renamed. ``previous_year`` shows the last accepted
figures, ``instructions`` says what to enter, ``lists`` (hidden) holds the dropdowns.

The same inputs give the same bytes: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook

from cicopa.files import write_atomic
from cicopa.links import member_link, portal_secret
from cicopa.outputs import neutralise_formulas, workbook_bytes, write_csv
from cicopa.reference import Reference
from cicopa.settings import CONTACT, default_deadline, employment_reference_date
from reports.form_sheets import (
    write_instructions,
    write_lists,
    write_previous,
    write_submission,
)
from reports.form_texts import TITLE
from reports.member_texts import format_day, member_language, translations

SHEETS: tuple[str, ...] = ("submission", "instructions", "previous_year", "lists")
LINKS_FILE = "links.csv"
LINK_COLUMNS: tuple[str, ...] = ("member_id", "name", "language", "link")
# Euro-area members and the year they adopted the euro: their default currency is EUR.
EURO_AREA: dict[str, int] = {
    "AT": 1999, "BE": 1999, "DE": 1999, "ES": 1999, "FI": 1999, "FR": 1999, "IE": 1999,
    "IT": 1999, "LU": 1999, "NL": 1999, "PT": 1999, "GR": 2001, "SI": 2007, "CY": 2008,
    "MT": 2008, "SK": 2009, "EE": 2011, "LV": 2014, "LT": 2015, "HR": 2023, "BG": 2026,
}  # fmt: skip


# --- choosing what to prepare ---------------------------------------------------------


def default_currency(country: str | None, year: int, currencies: Sequence[str]) -> str | None:
    """EUR in the euro area, USD elsewhere; None when that code has no rate to offer."""
    adopted = EURO_AREA.get(str(country or "").upper())
    code = "EUR" if adopted is not None and adopted <= year else "USD"
    return code if code in currencies else None


def currencies_for(reference: Reference, year: int) -> list[str]:
    """The currency codes with a rate for `year`.

    A collection opens before the year's average rates are known: until then the codes of
    the latest earlier year are offered (the secretariat adds the rates before validating).
    """
    rates = reference.fx_rates.filter(pl.col("year") <= year)
    if rates.is_empty():
        return []
    latest = rates.filter(pl.col("year") == rates["year"].max())
    return sorted(set(latest["currency"].to_list()))


def previous_accepted(earlier: dict[int, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each member's accepted rows from its latest year among `earlier` (figures by year)."""
    found: dict[str, pl.DataFrame] = {}
    for year in sorted(earlier, reverse=True):
        for (member,), part in earlier[year].partition_by("member_id", as_dict=True).items():
            found.setdefault(str(member), part.sort("_row"))  # latest year first: keep it
    return found


# --- the workbook ---------------------------------------------------------------------


def form_bytes(
    *,
    member: Mapping[str, Any],
    year: int,
    previous: pl.DataFrame | None,
    currency: str | None,
    currencies: Sequence[str],
    lang: str,
    deadline: date | None = None,
    link: str | None = None,
) -> bytes:
    """The survey form of one member for reference year `year`, as .xlsx bytes.

    `member` is a row of members.csv; `previous` the member's accepted rows of its last
    accepted year (spec columns, as in ``YearValidation.accepted_rows``) or None; `currency`
    the code prepared in every row; `currencies` the dropdown's codes; `lang` en/fr/es;
    `link` the member's upload address (cicopa/links.py), written into the instructions.
    """
    lang = member_language(lang)
    gettext = translations(lang).gettext
    deadline = deadline or default_deadline(year)
    member_id = str(member["member_id"])
    context = {
        "member_id": member_id,
        "year": year,
        "previous": _previous_year(previous),
        "example": date(year + 1, 2, 15).isoformat(),
        "contact": CONTACT,
        "deadline": format_day(deadline, lang),
        # Headcounts are as at this day (settings): the instructions and column help say so.
        "employment_date": format_day(employment_reference_date(year), lang),
        "file": _previous_file(previous),
        "link": link or "",
    }

    def say(message: str) -> str:
        return gettext(message) % context if "%(" in message else gettext(message)

    workbook = Workbook()
    submission = workbook.active
    assert submission is not None
    submission.title = "submission"
    pairs = _pairs(previous)
    write_submission(submission, member_id, year, currency, pairs, list(currencies), say)
    write_instructions(
        workbook.create_sheet("instructions"),
        member,
        pairs=bool(pairs),
        say=say,
        lang=lang,
        link=bool(link),
    )
    write_previous(workbook.create_sheet("previous_year"), previous, say)
    write_lists(workbook.create_sheet("lists"), list(currencies))

    stamp = datetime(year + 1, 1, 1)
    properties = workbook.properties
    properties.title = f"{say(TITLE)} – {member_id}"
    properties.subject = f"CICOPA annual survey {year}"
    properties.creator = "CICOPA"
    properties.lastModifiedBy = "CICOPA"
    properties.language = lang
    properties.created = stamp
    properties.modified = stamp
    workbook.active = 0

    return workbook_bytes(workbook)


def _previous_year(previous: pl.DataFrame | None) -> int | None:
    if previous is None or previous.is_empty():
        return None
    return int(previous["reference_year"].drop_nulls().max())  # type: ignore[arg-type]


def _previous_file(previous: pl.DataFrame | None) -> str:
    if previous is None or previous.is_empty() or "file" not in previous.columns:
        return "–"
    return Path(str(previous["file"][0])).name


def _pairs(previous: pl.DataFrame | None) -> list[tuple[str, str]]:
    """(sector, cooperative_type) of the previous answer, in its row order, once each."""
    if previous is None or previous.is_empty():
        return []
    pairs = previous.select("sector", "cooperative_type").rows()
    return list(dict.fromkeys((str(s), str(t)) for s, t in pairs))


# --- one form per active member -------------------------------------------------------


def open_collection(
    reference: Reference,
    out: Path,
    year: int,
    *,
    earlier: dict[int, pl.DataFrame] | None = None,
    deadline: date | None = None,
    secret: bytes | None = None,
) -> list[Path]:
    """Write ``<out>/forms/<year>/<member_id>.xlsx`` for every member active in `year`,
    and ``links.csv`` beside them: each member's upload link, for staff to send.

    `earlier` is the accepted figures of earlier years, by year: each member's latest
    rows are prepared in its form. Returns the forms' paths.
    """
    currencies = currencies_for(reference, year)
    previous = previous_accepted(earlier or {})
    secret = secret if secret is not None else portal_secret()
    folder = out / "forms" / str(year)
    # Every form is made before the first is written: a bad member row stops the
    # collection before it has half-written the forms.
    forms: dict[Path, bytes] = {}
    links = []
    for member in reference.members_active_in(year).sort("member_id").iter_rows(named=True):
        rows = previous.get(member["member_id"])
        link = member_link(secret, member["member_id"], year)
        lang = member_language(member.get("language"))
        links.append({"member_id": member["member_id"], "name": member["name"],
                      "language": lang, "link": link})  # fmt: skip
        forms[folder / f"{member['member_id']}.xlsx"] = form_bytes(
            member=member,
            year=year,
            previous=rows,
            currency=_currency(rows, member, year, currencies),
            currencies=currencies,
            lang=lang,
            deadline=deadline,
            link=link,
        )
    for path, data in forms.items():
        write_atomic(path, data)
    table = pl.DataFrame(links, schema=dict.fromkeys(LINK_COLUMNS, pl.String()))
    write_csv(folder / LINKS_FILE, neutralise_formulas(table))
    return list(forms)


def _currency(
    previous: pl.DataFrame | None, member: Mapping[str, Any], year: int, currencies: list[str]
) -> str | None:
    """Last year's currency of the member when it is still offered, else the default."""
    if previous is not None:
        used = previous["currency"].drop_nulls()
        if used.len() and used[0] in currencies:
            return str(used[0])
    return default_currency(member.get("country"), year, currencies)
