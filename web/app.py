"""The application: routes of the three audiences, behind the body limit and headers."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cicopa.settings import MAX_UPLOAD_BYTES
from web.guard import BodyTooLarge, Guard
from web.member import member_page
from web.pages import STATIC
from web.public import download, healthz, index
from web.staff import staff_file, staff_page, withdraw
from web.state import Portal

# Multipart framing and the form's few fields come on top of the file itself.
MAX_BODY = MAX_UPLOAD_BYTES + 64 * 1024
READ = ["GET", "HEAD"]
STYLESHEET = (STATIC / "site.css").read_bytes()


async def stylesheet(request: Request) -> Response:
    return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)  # browsers ask for it; there is none


def _allowed(path: str) -> str:
    if path.startswith("/submit/"):
        return "GET, HEAD, POST"
    if path == "/staff/withdraw":
        return "POST"
    return "GET, HEAD"


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    if code == 405:
        return PlainTextResponse(
            "405 method not allowed\n", 405, headers={"Allow": _allowed(request.url.path)}
        )
    if code == 404:
        return PlainTextResponse("404 not found\n", 404)
    return PlainTextResponse(f"{code} error\n", code)


async def _too_large(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("413 request too large\n", 413, headers={"Connection": "close"})


def create_app(portal: Portal) -> Guard:
    app = Starlette(
        routes=[
            Route("/", index, methods=READ),
            Route("/healthz", healthz, methods=READ),
            Route("/static/site.css", stylesheet, methods=READ),
            Route("/favicon.ico", no_icon, methods=READ),
            Route("/files/{rest:path}", download, methods=READ),
            Route("/submit/{token}", member_page, methods=[*READ, "POST"]),
            Route("/staff/", staff_page, methods=READ),
            Route("/staff/files/{rest:path}", staff_file, methods=READ),
            Route("/staff/feedback/{rest:path}", staff_file, methods=READ),
            Route("/staff/withdraw", withdraw, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error, BodyTooLarge: _too_large},
    )
    app.state.portal = portal
    return Guard(app, MAX_BODY)


def make_app(
    raw_data: Path,
    out: Path,
    *,
    secret: bytes | None = None,
    staff_token: str | None = None,
    uploads_per_hour: int | None = None,
) -> Guard:
    extra = {} if uploads_per_hour is None else {"uploads_per_hour": uploads_per_hour}
    portal = Portal.create(raw_data, out, secret=secret, staff_token=staff_token, **extra)
    return create_app(portal)
