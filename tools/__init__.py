"""Maintenance scripts, run as `python -m tools.<name>`."""

# Imported first by `python -m tools.<name>`: workbooks are written the same way as by
# cicopa (openpyxl without lxml; see cicopa/__init__.py), so the sample stays identical.
import cicopa  # noqa: F401
