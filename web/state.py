"""What the application knows between requests: folders, secrets, limits, the registry."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cicopa.links import find_member, portal_secret
from cicopa.reference import Reference, load_reference
from cicopa.settings import FIRST_REFERENCE_YEAR, UPLOADS_PER_LINK_PER_HOUR
from web.files import Digests
from web.security import Csrf, RateLimit

REFERENCE_FILES = ("members.csv", "regions.csv", "fx_rates.csv")


@dataclass
class Portal:
    raw_data: Path
    out: Path
    secret: bytes
    staff_token: str | None
    uploads: RateLimit
    csrf: Csrf
    digests: Digests = field(default_factory=Digests)
    _reference: tuple[tuple[int, ...], Reference] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls,
        raw_data: Path,
        out: Path,
        *,
        secret: bytes | None = None,
        staff_token: str | None = None,
        uploads_per_hour: int = UPLOADS_PER_LINK_PER_HOUR,
    ) -> Portal:
        key = secret if secret is not None else portal_secret()
        return cls(
            raw_data=raw_data.resolve(),
            out=out.resolve(),
            secret=key,
            staff_token=staff_token,
            uploads=RateLimit(uploads_per_hour),
            csrf=Csrf(key),
        )

    def reference(self) -> Reference:
        """The registry, read again only when one of its files changed."""
        folder = self.raw_data / "reference"
        stamp = tuple(
            (folder / name).stat().st_mtime_ns if (folder / name).exists() else 0
            for name in REFERENCE_FILES
        )
        with self._lock:
            if self._reference is not None and self._reference[0] == stamp:
                return self._reference[1]
        reference = load_reference(self.raw_data)  # ReferenceDataError for the caller
        with self._lock:
            self._reference = (stamp, reference)
        return reference

    def member_for(self, token: str) -> tuple[dict[str, Any], int] | None:
        """The member row and reference year of a link's token, or None."""
        if not token or len(token) > 64:
            return None
        reference = self.reference()
        candidates = [
            (member_id, year)
            for year in range(FIRST_REFERENCE_YEAR, datetime.now(UTC).year + 1)
            for member_id in reference.members_active_in(year)["member_id"].to_list()
        ]
        found = find_member(self.secret, token, candidates)
        if found is None:
            return None
        member = reference.members.filter(reference.members["member_id"] == found[0]).row(
            0, named=True
        )
        return member, found[1]
