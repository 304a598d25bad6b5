"""`cicopa serve`: run the web application on uvicorn.

Connections are handled by one event loop, not one thread each, and a connection that
stays silent (before its first request, or between requests) is closed after
IDLE_CONNECTION_SECONDS; h11 refuses request heads larger than 16 KiB.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from cicopa.settings import (
    IDLE_CONNECTION_SECONDS,
    SERVE_HOST,
    SERVE_PORT,
    out_dir,
    raw_data_dir,
    staff_token,
)
from web.app import make_app

MAX_HEAD_BYTES = 16 * 1024
MAX_CONNECTIONS = 1000


class IdleClosingH11(H11Protocol):
    """uvicorn's h11 protocol, with the keep-alive timer also running before the first
    request: a client that connects and says nothing is dropped like an idle one."""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )


def server_config(app: object, host: str, port: int, idle: float = IDLE_CONNECTION_SECONDS):  # type: ignore[no-untyped-def]
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        http=IdleClosingH11,
        loop="asyncio",
        ws="none",
        lifespan="off",
        interface="asgi3",
        timeout_keep_alive=idle,  # type: ignore[arg-type]
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
        proxy_headers=False,
        access_log=False,
        log_level="warning",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cicopa serve",
        description="Serve the web application: public downloads, member uploads, staff area.",
    )
    parser.add_argument("--host", default=SERVE_HOST, help=f"bind address (default {SERVE_HOST})")
    parser.add_argument("--port", type=int, default=SERVE_PORT, help=f"default {SERVE_PORT}")
    parser.add_argument("--raw-data", type=Path, default=raw_data_dir(), metavar="DIR")
    parser.add_argument("--out", type=Path, default=out_dir(), metavar="DIR")
    args = parser.parse_args(argv)
    app = make_app(args.raw_data, args.out, staff_token=staff_token())
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"cicopa serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    staff = "on" if staff_token() else "off (set CICOPA_STAFF_TOKEN)"
    print(f"Serving on http://{host}:{port}/ (staff area {staff}; Ctrl-C to stop)", file=sys.stderr)
    uvicorn.Server(server_config(app, args.host, args.port)).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
