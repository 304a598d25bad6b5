"""Member links: one secret URL per member and reference year (SPEC section 5).

The token is the URL-safe base64 of HMAC-SHA256(`<member_id>:<year>`) under the portal
secret, so it needs no table: the server recomputes the token of every member and year
it could belong to and compares them all in constant time. The secret comes from
``CICOPA_PORTAL_SECRET``; otherwise a random one is created once, with mode 0600, in the
instance folder (``DAGSTER_HOME``), and every later run reads the same file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cicopa.settings import PORTAL_SECRET_FILE, PUBLIC_URL, dagster_home, portal_secret_value

SECRET_BYTES = 32


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def portal_secret(home: Path | None = None) -> bytes:
    """The configured secret, else the instance folder's secret file (created once, 0600)."""
    configured = portal_secret_value()
    if configured:
        return configured.encode("utf-8")
    path = (home or dagster_home()) / PORTAL_SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        value = path.read_bytes().strip()
        if len(value) < SECRET_BYTES:
            raise RuntimeError(f"{path} holds no usable secret; delete it to create one") from None
        return value
    value = secrets.token_urlsafe(SECRET_BYTES).encode("ascii")
    with os.fdopen(fd, "wb") as handle:
        handle.write(value + b"\n")
    return value


def sign(secret: bytes, message: str) -> str:
    """URL-safe HMAC-SHA256 of `message`."""
    return _b64(hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest())


def member_token(secret: bytes, member_id: str, year: int) -> str:
    return sign(secret, f"{member_id}:{year}")


def member_link(secret: bytes, member_id: str, year: int, base: str = PUBLIC_URL) -> str:
    return f"{base.rstrip('/')}/submit/{member_token(secret, member_id, year)}"


def find_member(
    secret: bytes, token: str, candidates: Iterable[tuple[str, int]]
) -> tuple[str, int] | None:
    """The (member_id, year) whose token this is, or None.

    Every candidate is compared (no early exit) with hmac.compare_digest, so neither the
    answer time nor its content tells how close an altered token came.
    """
    given = token.encode("ascii", "replace")
    found = None
    for member_id, year in candidates:
        expected = member_token(secret, member_id, year).encode("ascii")
        if hmac.compare_digest(expected, given) and found is None:
            found = (member_id, year)
    return found
