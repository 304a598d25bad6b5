"""The statistical annex, `statistical_annex_<year>_<lang>.xlsx`, one workbook per language.

Laid out the way government statistical spreadsheets are (UK Government Analysis
Function, "Releasing statistics in spreadsheets"): a cover sheet with the release
metadata and a table of contents, a notes sheet, and one table per sheet. Each table
sits under a short title block, is marked up as an Excel Table, carries its units in the
column headers and stores numbers as numbers with a number format. No merged cells, no
blank rows or columns inside a table, no meaning carried by colour alone. A figure that
is missing is one of two shorthands, explained on the notes sheet: ``[x]`` not available
(nobody reported it), ``[z]`` not applicable (a share of nothing, the World's parent).
Text cells are formula-safe; the same inputs give the same bytes.

Modules: ``text`` (notes, shorthands, names), ``tables`` (what each table shows),
``workbook`` (writing the sheets). Messages are in the gettext domain ``annex``
(reports/locale/annex.pot; see ``reports.annex.text`` for how to update it).
"""

from reports.annex.model import AnnexData
from reports.annex.workbook import Release, annex_bytes, default_release

__all__ = ["AnnexData", "Release", "annex_bytes", "default_release"]
