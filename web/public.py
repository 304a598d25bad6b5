"""`/`: the public downloads of every published year, and `/files/...` to fetch them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from web.files import (
    GROUP_NAMES,
    Output,
    built_years,
    file_response,
    public_kind,
    resolve_request,
    year_outputs,
)
from web.member import not_found
from web.pages import render
from web.state import Portal


def _portal(request: Request) -> Portal:
    return request.app.state.portal  # type: ignore[no-any-return]


async def index(request: Request) -> Response:
    portal = _portal(request)
    years = await run_in_threadpool(_years, portal)
    return render("public.html.j2", years=years, groups=GROUP_NAMES)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def download(request: Request) -> Response:
    portal = _portal(request)
    # The raw target: what the client sent, before anything decoded or normalised it.
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    path = resolve_request(portal.out, raw.removeprefix("/files/"), public_kind)
    response = file_response(path, request.method == "HEAD") if path else None
    return response or not_found()


def provenance_meta(outputs: list[Output]) -> tuple[dict[str, Any], datetime | None]:
    """The year's build record and build time, read from its provenance.json if any."""
    for output in outputs:
        if output.relative == "provenance.json":
            try:
                record = json.loads(output.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}, None
            if not isinstance(record, dict):
                return {}, None
            try:
                built = datetime.fromisoformat(str(record.get("built_at")))
            except ValueError:
                built = None
            if built is not None and built.tzinfo is None:
                built = built.replace(tzinfo=UTC)
            return record, built
    return {}, None


def _years(portal: Portal) -> list[dict[str, Any]]:
    shown = []
    for year in built_years(portal.out):
        outputs = year_outputs(portal.out, year, public_kind, "/files")
        if not outputs:
            continue
        record, built = provenance_meta(outputs)
        recorded = {}
        if isinstance(record.get("outputs"), list):
            recorded = {o.get("path"): o.get("sha256") for o in record["outputs"]
                        if isinstance(o, dict)}  # fmt: skip
        run = record.get("orchestrator") if isinstance(record.get("orchestrator"), dict) else {}
        code = record.get("code_revision") if isinstance(record.get("code_revision"), dict) else {}
        files = []
        for output in outputs:
            info = output.path.stat()
            digest = portal.digests(output.path)
            files.append(
                {
                    "output": output,
                    "bytes": info.st_size,
                    "sha256": digest,
                    "modified": datetime.fromtimestamp(info.st_mtime, UTC),
                    "check": None if output.relative not in recorded
                    else recorded[output.relative] == digest,
                }
            )  # fmt: skip
        shown.append(
            {
                "year": year,
                "built": built,
                "run": str((run or {}).get("run_id") or "")[:8],
                "commit": str((code or {}).get("commit") or "")[:7],
                "dirty": bool((code or {}).get("uncommitted_changes")),
                "files": files,
            }
        )
    return shown
