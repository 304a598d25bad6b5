"""`/staff/`: the live tracker, files per member, links to send, member-level outputs.

Off (404, like any missing page) unless CICOPA_STAFF_TOKEN is configured; then a bearer
token or an HTTP basic password equal to it is needed. Withdrawing a file appends a line
to reference/withdrawals.csv (SPEC section 2) and never deletes anything.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from cicopa.links import member_link
from cicopa.outcomes import year_folder
from cicopa.reference import ReferenceDataError
from cicopa.tracker import files_by_member, tracker_table
from web.files import YEAR, built_years, file_response, resolve_request, staff_kind, year_outputs
from web.member import not_found
from web.pages import render
from web.security import CSRF_FIELD, set_csrf_cookie, staff_allowed
from web.state import Portal

WITHDRAWALS = ("reference", "withdrawals.csv")
WITHDRAWAL_HEADER = ("year", "file", "withdrawn_on", "reason")
FEEDBACK_NAME = re.compile(r"[A-Z]{2}-[A-Z0-9]{2,16}\.pdf")
CSRF_SCOPE = "staff"
_APPEND = threading.Lock()


def _portal(request: Request) -> Portal:
    return request.app.state.portal  # type: ignore[no-any-return]


def _refused(request: Request) -> Response | None:
    """None when the request may enter the staff area, else the answer to give."""
    token = _portal(request).staff_token
    if not token:
        return not_found()
    if not staff_allowed(request, token):
        return PlainTextResponse(
            "401 the staff area needs the staff token\n",
            401,
            headers={"WWW-Authenticate": 'Basic realm="CICOPA staff", charset="UTF-8"'},
        )
    return None


def submission_years(portal: Portal) -> list[int]:
    folder = portal.raw_data / "submissions"
    if not folder.is_dir():
        return []
    return sorted(
        (int(p.name) for p in folder.iterdir() if YEAR.fullmatch(p.name) and p.is_dir()),
        reverse=True,
    )


async def staff_page(request: Request) -> Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    portal = _portal(request)
    years = submission_years(portal)
    asked = request.query_params.get("year", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else (years[0] if years else None)
    try:
        view = await run_in_threadpool(_view, portal, year) if year else {}
    except ReferenceDataError as exc:
        return PlainTextResponse(f"503 reference data unusable: {exc}\n", 503)
    nonce, new = portal.csrf.nonce(request)
    response = render(
        "staff.html.j2",
        years=years,
        year=year,
        csrf=portal.csrf.token(CSRF_SCOPE, nonce),
        notice=request.query_params.get("done", ""),
        **view,
    )
    if new:
        set_csrf_cookie(response, nonce, "/staff/")
    return response


def _view(portal: Portal, year: int) -> dict[str, Any]:
    reference, validation = portal.year_validation(year)
    tracker = tracker_table(reference, validation, year)
    member_ids = reference.members["member_id"].to_list()
    grouped = files_by_member(validation.submissions, member_ids)
    issues = validation.issues.filter(validation.issues["severity"] == "error")
    first_errors: dict[str, list[str]] = {}
    for record in issues.iter_rows(named=True):
        first_errors.setdefault(record["file"], []).append(record["message"])
    prefix = f"submissions/{year}/"
    rows = []
    for member in tracker.iter_rows(named=True):
        files = grouped.get(member["member_id"], [])
        rows.append(
            {
                **member,
                "link": member_link(portal.secret, member["member_id"], year),
                "files": [
                    {
                        **f,
                        "name": f["file"].removeprefix(prefix),
                        "errors_text": first_errors.get(f["file"], [])[:3],
                    }
                    for f in sorted(files, key=lambda f: f["file"], reverse=True)
                ],
            }
        )
    known = {f for files in grouped.values() for f in (r["file"] for r in files)}
    others = [
        {**r, "name": r["file"].removeprefix(prefix)}
        for r in validation.submissions.iter_rows(named=True)
        if r["file"] not in known
    ]
    outputs = (
        year_outputs(portal.out, str(year), staff_kind, "/staff/files")
        if str(year) in built_years(portal.out)
        else []
    )
    feedback = portal.out / "feedback" / str(year)
    letters = (
        # Only regular files: a link is never served, so it is not listed either.
        sorted(
            p.name
            for p in feedback.iterdir()
            if FEEDBACK_NAME.fullmatch(p.name) and not p.is_symlink() and p.is_file()
        )
        if feedback.is_dir() and not feedback.is_symlink()
        else []
    )
    counts = tracker.group_by("status").len().sort("status").rows()
    return {
        "members": rows,
        "unattributed": others,
        "outputs": outputs,
        "letters": letters,
        "counts": counts,
    }


def _feedback_kind(year: str, relative: str) -> tuple[str, str] | None:
    return ("feedback", "Feedback letter") if FEEDBACK_NAME.fullmatch(relative) else None


async def staff_file(request: Request) -> Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    portal = _portal(request)
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    if raw.startswith("/staff/feedback/"):
        path = resolve_request(
            portal.out / "feedback", raw.removeprefix("/staff/feedback/"), _feedback_kind
        )
    else:
        path = resolve_request(portal.out, raw.removeprefix("/staff/files/"), staff_kind)
    response = file_response(path, request.method == "HEAD") if path else None
    return response or not_found()


async def withdraw(request: Request) -> Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    portal = _portal(request)
    form = await request.form(max_files=0, max_fields=8, max_part_size=8 * 1024)
    if not portal.csrf.valid(request, CSRF_SCOPE, form.get(CSRF_FIELD)):
        return PlainTextResponse("403 the form has expired; reload the page\n", 403)
    year, file, reason = (str(form.get(k) or "").strip() for k in ("year", "file", "reason"))
    if not YEAR.fullmatch(year) or not reason:
        return PlainTextResponse("400 give the year, the file and a reason\n", 400)
    if not _regular_file_in(year_folder(portal.raw_data, int(year)), file):
        return not_found()
    await run_in_threadpool(append_withdrawal, portal.raw_data, int(year), file, reason)
    return RedirectResponse(f"/staff/?year={year}&done=withdrawn", status_code=303)


def _regular_file_in(folder: Path, relative: str) -> bool:
    """The file named relative to the year folder exists there, as a regular file."""
    parts = relative.split("/")
    if not relative or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
        return False
    path = folder.joinpath(*parts)
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and path.resolve() == path.absolute()


def append_withdrawal(raw_data: Path, year: int, file: str, reason: str) -> Path:
    """Append `year,file,withdrawn_on,reason`; create the file with its header if absent."""
    path = raw_data.joinpath(*WITHDRAWALS)
    # One line, and never a live formula in a spreadsheet: the reason is typed by a person.
    reason = " ".join(reason.split())
    if reason[:1] in ("=", "+", "-", "@"):
        reason = "'" + reason
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\n")
    writer.writerow([year, file, datetime.now(UTC).date().isoformat(), reason])
    with _APPEND:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(",".join(WITHDRAWAL_HEADER) + "\n")
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            ends_open = (
                handle.tell() > 0 and (handle.seek(-1, os.SEEK_END), handle.read(1))[1] != b"\n"
            )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if ends_open else "") + line.getvalue())
    return path
