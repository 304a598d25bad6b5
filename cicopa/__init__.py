"""cicopa-stats: CICOPA's annual statistics (see SPEC.md and README.md)."""

import os

# openpyxl writes its XML through lxml when lxml is installed (the dev tools bring it in,
# through sdmx1) and through the standard library otherwise: the same workbook, other
# bytes. Always the standard library, so workbooks are byte-identical on every machine.
# It must be set before openpyxl is first imported; every entry point imports cicopa
# first (the CLI, the Dagster code location, the tests' conftest).
os.environ.setdefault("OPENPYXL_LXML", "False")
