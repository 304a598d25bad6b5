"""`/submit/<token>`: a member's own page, its upload, and the answer in its language."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cicopa.intake import Receipt, receive
from cicopa.reference import ReferenceDataError
from cicopa.settings import CONTACT, MAX_UPLOAD_BYTES, default_deadline
from cicopa.validation import parse_timestamp
from reports.feedback import SEVERITY, WHOLE_FILE, explain, message_values
from reports.member_texts import N_, format_day, member_language, translations
from web.guard import BodyTooLarge
from web.pages import render, utc_text
from web.security import CSRF_FIELD, set_csrf_cookie
from web.state import Portal

STATUS_TEXT: dict[str, str] = {
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "unreadable": N_("unreadable"),
    "superseded": N_("superseded"),
    "withdrawn": N_("withdrawn"),
    "refused": N_("not filed"),
}
VERDICT: dict[str, str] = {
    "accepted": N_("Accepted: the file is complete and its figures count."),
    "rejected": N_(
        "Rejected: correct every point below in the same file and send the whole file again."
    ),
    "unreadable": N_("Unreadable: the file could not be opened. Send the survey form again."),
    "refused": N_("Not filed: this file was kept aside and counts for nothing."),
}
REFUSAL: dict[str, str] = {
    "other_member": N_(
        "The file is for member %(found)s, but this link is for %(expected)s. Send the file "
        "of %(expected)s, or ask the secretariat for the link of %(found)s."
    ),
    "other_year": N_(
        "The file reports the year %(found)s, but this link is for %(year)s. Send the "
        "figures for %(year)s."
    ),
    "unknown_member": N_("The member %(found)s is not in the registry."),
    "no_member": N_("The file names no member."),
    "format": N_(
        "Files ending in .%(found)s are not accepted: send .xlsx, .xlsm, .ods, .xls, .csv or .json."
    ),
}
TOO_MANY = N_(
    "More than %(limit)s files were sent with this link in the last hour. Please try again later."
)
NO_FILE = N_("Choose a file first.")
TOO_LARGE = N_("The file is larger than %(limit)s MB, the most a survey file can be.")
FORM_EXPIRED = N_("The form has expired. Reload the page and send the file again.")


def _portal(request: Request) -> Portal:
    return request.app.state.portal  # type: ignore[no-any-return]


async def member_page(request: Request) -> Response:
    portal = _portal(request)
    try:
        found = portal.member_for(request.path_params["token"])
    except ReferenceDataError:
        return PlainTextResponse("503 reference data unusable; staff have been told\n", 503)
    if found is None:
        return not_found()
    member, year = found
    if request.method != "POST":
        return await _page(request, portal, member, year)
    lang = member_language(member.get("language"))
    say = translations(lang).gettext
    token = request.path_params["token"]
    if not portal.uploads.allow(token):
        notice = say(TOO_MANY) % {"limit": portal.uploads.limit}
        return await _page(request, portal, member, year, notice=notice, status=429)
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=16 * 1024)
    except BodyTooLarge:
        return _too_large(say)
    except MultiPartException:
        return PlainTextResponse("400 bad request\n", 400)
    try:
        if not portal.csrf.valid(request, token, form.get(CSRF_FIELD)):
            return await _page(request, portal, member, year, notice=say(FORM_EXPIRED), status=403)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _page(request, portal, member, year, notice=say(NO_FILE), status=400)
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return _too_large(say)
        receipt = await run_in_threadpool(
            receive,
            portal.raw_data,
            portal.reference(),
            year,
            data,
            upload.filename,
            str(member["member_id"]),
        )
    finally:
        await form.close()
    return await _page(request, portal, member, year, receipt=receipt)


def _when(text: str | None) -> str:
    moment = parse_timestamp(text) if text else None
    return utc_text(moment) if moment else (text or "")


def _too_large(say: Any) -> Response:
    text = say(TOO_LARGE) % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
    return PlainTextResponse(f"413 {text}\n", 413, headers={"Connection": "close"})


def not_found() -> Response:
    return PlainTextResponse("404 not found\n", 404)


async def _page(
    request: Request,
    portal: Portal,
    member: dict[str, Any],
    year: int,
    *,
    receipt: Receipt | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    lang = member_language(member.get("language"))
    catalogue = translations(lang)
    member_id = str(member["member_id"])
    files, deciding = await run_in_threadpool(portal.member_files, year, member_id)
    deadline = format_day(default_deadline(year), lang)
    nonce, new = portal.csrf.nonce(request)
    context = {
        "member": {"id": member_id, "name": str(member.get("name") or member_id)},
        "year": year,
        "deadline": deadline,
        "contact": CONTACT,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "csrf": portal.csrf.token(request.path_params["token"], nonce),
        "action": request.url.path,
        "notice": notice,
        "receipt": _receipt_view(receipt, catalogue, member_id, year, deadline)
        if receipt
        else None,
        "files": [
            {
                "name": f["file"].rsplit("/", 1)[-1],
                "received": _when(f["submitted_at"]),
                "status": f["status"],
                "status_text": catalogue.gettext(STATUS_TEXT.get(f["status"], f["status"])),
                "counts": deciding is not None
                and f["file"] == deciding["file"]
                and f["status"] == "accepted",
                "errors": f["errors"],
            }
            for f in files
        ],
    }
    response = render("member.html.j2", lang, status, **context)
    if new:
        set_csrf_cookie(response, nonce, request.url.path)
    return response


def _receipt_view(
    receipt: Receipt, catalogue: Any, member_id: str, year: int, deadline: str
) -> dict[str, Any]:
    values = message_values(member_id, year, deadline)
    issues = []
    for issue in receipt.issues:
        what, fix = explain(issue.rule, issue.column, catalogue, values)
        sheet = receipt.sheet_row(issue.row)
        issues.append(
            {
                "severity": issue.severity,
                "severity_label": catalogue.gettext(SEVERITY[issue.severity]),
                "sheet_row": sheet if sheet is not None else "",
                "data_row": issue.row if issue.row is not None else catalogue.gettext(WHOLE_FILE),
                "column": issue.column or "–",
                "what": what,
                "fix": fix,
                "details": issue.message,
            }
        )
    refusal = None
    if receipt.refusal is not None:
        refusal = catalogue.gettext(REFUSAL[receipt.refusal.reason]) % {
            **receipt.refusal.values,
            "year": year,
        }
    return {
        "status": receipt.status,
        "verdict": catalogue.gettext(VERDICT[receipt.status]),
        "status_text": catalogue.gettext(STATUS_TEXT[receipt.status]),
        "stored": receipt.stored_name,
        "sha256": receipt.sha256,
        "received": receipt.received_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "bytes": receipt.bytes,
        "refusal": refusal,
        "issues": issues,
        "errors": receipt.errors,
        "warnings": receipt.warnings,
    }
