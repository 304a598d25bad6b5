"""Secrets at the door: the CSRF tokens of forms, the upload rate per link, staff login.

CSRF: a random nonce in a SameSite=Strict, HttpOnly cookie, and in the form the HMAC of
(form scope, nonce) under the portal secret. A page of another site can neither read the
cookie nor compute the HMAC, so it cannot post a form that passes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections import deque

from starlette.requests import Request
from starlette.responses import Response

from cicopa.links import sign

CSRF_COOKIE = "cicopa_csrf"
CSRF_FIELD = "csrf"
HOUR = 3600.0


class Csrf:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def nonce(self, request: Request) -> tuple[str, bool]:
        """The request's nonce, and whether it is new (then the cookie must be set)."""
        current = request.cookies.get(CSRF_COOKIE, "")
        if 16 <= len(current) <= 64 and current.replace("-", "").replace("_", "").isalnum():
            return current, False
        return secrets.token_urlsafe(24), True

    def token(self, scope: str, nonce: str) -> str:
        return sign(self._secret, f"csrf:{scope}:{nonce}")

    def valid(self, request: Request, scope: str, given: object) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not isinstance(given, str) or not given:
            return False
        return hmac.compare_digest(self.token(scope, nonce).encode(), given.encode("utf-8"))


def set_csrf_cookie(response: Response, nonce: str, path: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, nonce, httponly=True, samesite="strict", path=path, max_age=12 * 3600
    )


class RateLimit:
    """At most `limit` events per key in any sliding hour (in memory, per process)."""

    def __init__(self, limit: int, window: float = HOUR) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= moment - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(moment)
            return True


def staff_allowed(request: Request, token: str) -> bool:
    """A bearer token or an HTTP basic password equal to the staff token (constant time)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    given = b""
    if scheme.lower() == "bearer":
        given = value.strip().encode("utf-8", "replace")
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        given = decoded.partition(b":")[2]
    if not given:
        return False
    return hmac.compare_digest(given, token.encode("utf-8"))
