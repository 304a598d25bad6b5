"""What the application knows between requests: folders, secrets, limits, the registry,
and each year's validation while none of its inputs changed."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cicopa.intake import belongs_to, member_files
from cicopa.links import find_member, portal_secret
from cicopa.outcomes import (
    YearValidation,
    list_submission_files,
    relative_name,
    validate_year,
    year_folder,
)
from cicopa.read_cache import ReadCache, Stamp, stamp
from cicopa.reference import Reference, load_reference, reference_paths
from cicopa.settings import FIRST_REFERENCE_YEAR, UPLOADS_PER_LINK_PER_HOUR
from cicopa.withdrawals import withdrawals_path
from web.files import Digests
from web.security import Csrf, RateLimit


@dataclass
class Portal:
    raw_data: Path
    out: Path
    secret: bytes
    staff_token: str | None
    uploads: RateLimit
    csrf: Csrf
    digests: Digests = field(default_factory=Digests)
    _reference: tuple[Any, Reference] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    reads: ReadCache = field(default_factory=ReadCache)
    # year -> (inputs' stamps, validation); (year, member) -> (stamps, that member's files)
    _years: dict[int, tuple[Any, YearValidation]] = field(default_factory=dict)
    _members: dict[tuple[int, str], tuple[Any, Any]] = field(default_factory=dict)
    _validating: threading.Lock = field(default_factory=threading.Lock)

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
        """The registry, read again only when one of its files changed.

        Stamped as the validations' keys stamp the same files (`_stamps`): a validation
        stored under new stamps was made with the registry those stamps describe.
        """
        stamps = _stamps(reference_paths(self.raw_data))
        with self._lock:
            if self._reference is not None and self._reference[0] == stamps:
                return self._reference[1]
        reference = load_reference(self.raw_data)  # ReferenceDataError for the caller
        with self._lock:
            self._reference = (stamps, reference)
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

    def year_validation(self, year: int) -> tuple[Reference, YearValidation]:
        """The year's validation, recomputed only when its inputs' stamps change.

        The stamps are every entry under submissions/<year>/ (name, and lstat's device,
        inode, size, mtime and ctime), the reference tables and withdrawals.csv: a file
        received, withdrawn, added or edited by hand shows on the next request. They are
        taken before validating, so a file that arrives meanwhile makes the next request
        validate again rather than be missed.
        """
        # The key first, then what it keys: an input that changes in between makes the
        # stored key stale (validated again next time), never the stored validation.
        paths = list_submission_files(self.raw_data, year)
        key = (self._inputs(), _stamps(paths))
        reference = self.reference()  # ReferenceDataError for the caller
        with self._lock:
            known = self._years.get(year)
        if known is not None and known[0] == key:
            return reference, known[1]
        with self._validating:  # one validation at a time: the others wait and reuse it
            with self._lock:
                known = self._years.get(year)
            if known is not None and known[0] == key:
                return reference, known[1]
            validation = validate_year(self.raw_data, reference, year, reads=self.reads)
            names = {relative_name(p, self.raw_data) for p in paths}
            folder = relative_name(year_folder(self.raw_data, year), self.raw_data) + "/"
            self.reads.keep_only(folder, names)
            with self._lock:
                self._years[year] = (key, validation)
        return reference, validation

    def member_files(self, year: int, member_id: str) -> Any:
        """`cicopa.intake.member_files`, recomputed only when the member's files change."""
        paths = [
            p
            for p in list_submission_files(self.raw_data, year)
            if belongs_to(relative_name(p, self.raw_data), member_id)
        ]
        key = (self._inputs(), _stamps(paths))
        reference = self.reference()
        with self._lock:
            known = self._members.get((year, member_id))
        if known is not None and known[0] == key:
            return known[1]
        found = member_files(self.raw_data, reference, year, member_id, reads=self.reads)
        with self._lock:
            self._members[(year, member_id)] = (key, found)
        return found

    def _inputs(self) -> tuple[Stamp | None, ...]:
        return _stamps([*reference_paths(self.raw_data), withdrawals_path(self.raw_data)])


def _stamps(paths: list[Path]) -> tuple[Any, ...]:
    """(name, lstat stamp or None) of each path: never follows a link."""
    found = []
    for path in paths:
        try:
            found.append((os.fsencode(path), stamp(os.lstat(path))))
        except OSError:
            found.append((os.fsencode(path), None))
    return tuple(found)
