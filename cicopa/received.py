"""Names of received files: `<member_id>__<YYYYMMDDTHHMMSSZ>[-n].<ext>` (SPEC section 2).

The UTC time of receipt is in the name, and `-2`, `-3`, ... orders files of one member
received in the same second. A file without `submitted_at` is dated by its name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

STAMP = "%Y%m%dT%H%M%SZ"
RECEIVED_NAME = re.compile(
    r"^(?P<member>[A-Z]{2}-[A-Z0-9]{2,16})__(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<counter>\d{1,4}))?"
    r"\.[a-z0-9]{1,8}$"
)


def received_name(member_id: str, moment: datetime, ext: str, counter: int = 1) -> str:
    """The stored name; the first file of a second has no counter, the next ones -2, -3..."""
    stamp = moment.astimezone(UTC).strftime(STAMP)
    suffix = f"-{counter}" if counter > 1 else ""
    return f"{member_id}__{stamp}{suffix}.{ext}"


def receipt_time(file: str) -> tuple[datetime, int] | None:
    """(UTC receipt time, counter) of a received file's name, or None for other names."""
    match = RECEIVED_NAME.fullmatch(PurePosixPath(file).name)
    if match is None:
        return None
    try:
        moment = datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment, int(match["counter"] or 1)
