"""The survey form's member-facing texts (gettext domain ``collection``).

Column help, the data-validation error boxes, and the instructions sheet's words, marked
with ``N_`` and translated where reports/forms.py and reports/form_sheets.py write them.
"""

from __future__ import annotations

from cicopa.columns import COOPERATIVE_TYPES
from reports.member_texts import N_

COLUMN_HELP: dict[str, str] = {
    "member_id": N_(
        "Your member identifier in the CICOPA registry: %(member_id)s. Already filled in; "
        "repeat it in every row you add."
    ),
    "reference_year": N_(
        "The calendar year the figures describe: %(year)s. Already filled in; repeat it in "
        "every row you add."
    ),
    "sector": N_(
        "Economic activity of the cooperatives of the row: one ISIC Rev.4 section letter, "
        "A to U (see the list below), e.g. C for manufacturing."
    ),
    "cooperative_type": N_(
        "Type of the cooperatives of the row: worker, social, producer, multi_stakeholder or "
        "other (see the list below)."
    ),
    "enterprises": N_(
        "Number of cooperatives you affiliate in this sector and type. At least 1 when the "
        "row counts any person employed."
    ),
    "worker_members": N_(
        "Members who work in their own cooperative, counted on %(employment_date)s. "
        "Worker-members plus employees make up employment in cooperatives."
    ),
    "employees": N_(
        "Employees of the cooperatives who are not members, counted on %(employment_date)s. "
        "Enter 0 if there are none."
    ),
    "producer_members": N_(
        "Self-employed producers who are members of the cooperatives, counted on "
        "%(employment_date)s: employment within the scope of cooperatives. Do not count them "
        "again as employees."
    ),
    "women": N_(
        "Women among all the persons of the row (worker-members, employees and "
        "producer-members); not more than their sum. Leave empty if not known."
    ),
    "turnover": N_(
        "Annual turnover of the cooperatives of the row, in full units of the currency given "
        "in the column currency. Leave empty if not known."
    ),
    "currency": N_(
        "ISO 4217 code of the turnover, chosen from the list, e.g. EUR; the same in every "
        "row. Needed when a turnover is given."
    ),
    "new_enterprises": N_("Cooperatives created during %(year)s. Leave empty if not known."),
    "transfers": N_(
        "Of these new cooperatives, the businesses transferred to their employees; not more "
        "than new_enterprises."
    ),
    "submitted_at": N_(
        "The date you send the file, e.g. %(example)s; the same in every row. A corrected "
        "file needs a later date."
    ),
    "comment": N_("Anything we should know about the figures of the row (optional)."),
}
REQUIRED_YES = N_("yes")
REQUIRED_NO = N_("no")
REQUIRED_WITH_TURNOVER = N_("when turnover is given")

# (title, message) of the data-validation error boxes; Excel allows 32 / 255 characters.
ERROR_WHOLE = (
    N_("Whole number"),
    N_(
        "Enter a whole number, 0 or more, without spaces or separators, e.g. 12. Enter 0 "
        "where there are none."
    ),
)
ERROR_AMOUNT = (
    N_("Amount"),
    N_(
        "Enter an amount of 0 or more, without thousands separators or currency sign, "
        "e.g. 250000.50."
    ),
)
ERROR_SECTOR = (N_("Sector"), N_("Choose the ISIC Rev.4 section letter, A to U, from the list."))
ERROR_TYPE = (
    N_("Cooperative type"),
    N_("Choose worker, social, producer, multi_stakeholder or other from the list."),
)
ERROR_CURRENCY = (
    N_("Currency"),
    N_(
        "Choose the ISO 4217 code of the turnover from the list. If your currency is not in "
        "it, write to %(contact)s."
    ),
)
ERROR_MEMBER = (
    N_("Member"),
    N_("This form is for %(member_id)s: keep this identifier in every row."),
)
ERROR_YEAR = (N_("Reference year"), N_("This form is for the reference year %(year)s."))
ERROR_DATE = (
    N_("Date"),
    N_("Enter the date you send the file as year-month-day, e.g. %(example)s."),
)

TITLE = N_("CICOPA annual survey %(year)s")
DEADLINE = N_("Please send the completed form by %(deadline)s.")
ONLINE = N_(
    "Or upload it at your organisation's own address, which checks it at once and lists "
    "anything to correct (keep this link to yourselves): %(link)s"
)
HOW_TO = N_("How to answer")
STEP_FILL = N_(
    "Fill in the sheet 'submission': one row per sector and type of cooperative, with the "
    "figures for the calendar year %(year)s."
)
STEP_PREPARED = N_(
    "The rows you reported for %(previous)s are prepared (their figures are in the sheet "
    "'previous_year'): enter this year's figures in them."
)
STEP_EMPTY = N_(
    "Ten rows are prepared with your member identifier; use as many as you need and add "
    "more below if necessary."
)
STEP_CLEAR = N_(
    "Clear every prepared row you do not use (select its cells and press Delete): an empty "
    "row is ignored, but a row without figures is an error."
)
STEP_NEW_ROW = N_(
    "In a new row, repeat member_id, reference_year and currency as in the rows above. "
    "Leave the column names in row 1 as they are."
)
STEP_NUMBERS = N_(
    "Enter figures as numbers, without thousands separators or currency signs; enter 0 "
    "where there are none."
)
STEP_DATE = N_(
    "Enter in submitted_at the date you send the file. If you send a corrected file later, "
    "give it a later date: the latest file replaces the earlier ones."
)
STEP_SEND = N_(
    "Save the workbook as .xlsx, keeping its name, and send it by e-mail to %(contact)s."
)
DEFINITIONS = N_("Definitions")
# The day is settings.employment_reference_date, as in the report's methodology.
DEFINITION_DATE = N_(
    "Persons are counted as at %(employment_date)s: each person counts once, whatever their "
    "working time. The figures are headcounts, not full-time equivalents."
)
DEFINITION_IN = N_(
    "Employment in cooperatives: worker-members plus employees (ILO Guidelines concerning "
    "statistics of cooperatives, 2018)."
)
DEFINITION_SCOPE = N_(
    "Employment within the scope of cooperatives: producer-members, who are self-employed "
    "and work in their own enterprise."
)
DEFINITION_TOTAL = N_(
    "Persons employed, CICOPA's headline figure: employment in cooperatives plus employment "
    "within the scope of cooperatives."
)
DEFINITION_WOMEN = N_(
    "Women are counted among all these persons; transfers are counted among the new enterprises."
)
COLUMNS_HEADING = N_("The columns of the sheet 'submission'")
COLUMN = N_("Column")
REQUIRED = N_("Required")
WHAT_TO_ENTER = N_("What to enter")
SECTORS_HEADING = N_("Sectors (ISIC Rev.4 sections)")
TYPES_HEADING = N_("Cooperative types")
CODE = N_("Code")
MEANING = N_("Meaning")
PREVIOUS_TITLE = N_(
    "Figures accepted for %(previous)s (file %(file)s), for reference only: enter this year's "
    "figures in the sheet 'submission'."
)
PREVIOUS_NONE = N_(
    "No accepted figures in the last three years: please fill in the sheet 'submission' from "
    "the start."
)

TYPE_DESCRIPTIONS: dict[str, str] = {
    "worker": N_("Worker cooperatives: enterprises owned and run by the members who work in them."),
    "social": N_(
        "Social cooperatives: services of general interest such as care, health or "
        "education, or the work integration of disadvantaged persons."
    ),
    "producer": N_(
        "Producers' cooperatives: self-employed producers (farmers, artisans, fishers) who "
        "share services such as processing or marketing."
    ),
    "multi_stakeholder": N_(
        "Multi-stakeholder cooperatives: several kinds of members, e.g. workers, users and "
        "supporters, in one cooperative."
    ),
    "other": N_("Other cooperatives affiliated to your organisation."),
}
assert set(TYPE_DESCRIPTIONS) == set(COOPERATIVE_TYPES)
