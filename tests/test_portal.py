"""The member and staff areas over real HTTP: tokens, CSRF, limits, idle connections."""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cicopa.links import member_token
from tests.builders import make_reference, row, write_csv
from tests.web_helpers import SECRET, STAFF_TOKEN, multipart, raw_request, running

YEAR = 2025


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[dict]:
    raw_data = make_reference(tmp_path / "raw_data")
    with running(raw_data, tmp_path / "out", idle=1) as port:
        yield {"port": port, "raw": raw_data, "tmp": tmp_path}


def _link(member: str, year: int = YEAR, secret: bytes = SECRET) -> str:
    return f"/submit/{member_token(secret, member, year)}"


def _form(port: int, path: str) -> tuple[str, str]:
    """(cookie header, csrf field) of a member page."""
    status, headers, body = raw_request(port, path)
    assert status == 200
    cookie = headers["set-cookie"].split(";", 1)[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    assert csrf
    return cookie, csrf.group(1)


def _upload(port: int, path: str, data: bytes, name: str = "form.csv", csrf: bool = True):
    cookie, token = _form(port, path)
    content_type, body = multipart({"csrf": token} if csrf else {}, name, data)
    return raw_request(port, path, "POST", {"Content-Type": content_type, "Cookie": cookie}, body)


def _stored(raw: Path) -> list[str]:
    folder = raw / "submissions" / str(YEAR)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_member_link_opens_the_members_page_in_its_language(portal):
    status, headers, body = raw_request(portal["port"], _link("FR-ONE"))
    page = body.decode()
    assert status == 200 and '<html lang="fr">' in page
    assert "Sample federation 1 of France" in page and "FR-ONE" in page
    assert "31 mars 2026" in page  # the deadline, in French
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_an_altered_or_foreign_token_gets_the_same_404_as_a_missing_page(portal):
    port = portal["port"]
    missing = raw_request(port, "/no/such/page")
    good = member_token(SECRET, "FR-ONE", YEAR)
    altered = good[:-1] + ("A" if good[-1] != "A" else "B")
    for path in (
        f"/submit/{altered}",
        _link("FR-ONE", secret=b"another installation's secret!!!!"),
        _link("FR-OLD"),  # a member no longer active in 2025
        _link("XX-NONE"),
        "/submit/" + "A" * 43,
        "/submit/",
    ):
        status, _, body = raw_request(port, path)
        assert (status, body) == (404, b"404 not found\n") == (missing[0], missing[2]), path


def test_another_members_token_shows_that_member_only(portal):
    page = raw_request(portal["port"], _link("IT-ONE"))[2].decode()
    assert "Sample federation 1 of Italy" in page and "France" not in page


def test_an_upload_without_the_csrf_token_is_refused_and_not_stored(portal, tmp_path):
    data = write_csv(tmp_path / "f.csv", [row(member_id="FR-ONE")]).read_bytes()
    status, _, _ = _upload(portal["port"], _link("FR-ONE"), data, csrf=False)
    assert status == 403 and _stored(portal["raw"]) == []
    # A CSRF token of another link does not pass either.
    cookie, token = _form(portal["port"], _link("IT-ONE"))
    content_type, body = multipart({"csrf": token}, "f.csv", data)
    status = raw_request(portal["port"], _link("FR-ONE"), "POST",
                         {"Content-Type": content_type, "Cookie": cookie}, body)[0]  # fmt: skip
    assert status == 403 and _stored(portal["raw"]) == []


def test_an_oversize_body_is_refused_from_its_content_length_before_it_is_read(portal):
    with socket.create_connection(("127.0.0.1", portal["port"]), timeout=10) as sock:
        head = (
            f"POST {_link('FR-ONE')} HTTP/1.1\r\nHost: x\r\nContent-Length: {50 * 1024 * 1024}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n"
        )
        sock.sendall(head.encode())  # no body at all: the answer must not wait for it
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413")


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(portal):
    """Chunked, without a length: the server counts and answers 413 long before 40 MiB."""
    chunk = b"x" * (256 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", portal["port"]), timeout=10) as sock:
        head = (
            f"POST {_link('FR-ONE')} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n\r\n"
        )
        sock.sendall(head.encode())
        part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        answer = b""
        try:
            while sent < 40 * 1024 * 1024:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                sock.settimeout(0.001)
                with contextlib.suppress(TimeoutError, BlockingIOError):
                    answer += sock.recv(4096)
                sock.settimeout(10)
                if answer:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        if not answer:
            sock.settimeout(5)
            answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert sent < 16 * 1024 * 1024  # stopped a little after 10 MiB, not at the end
    assert _stored(portal["raw"]) == []


def test_the_21st_upload_in_an_hour_gets_429(portal, tmp_path):
    data = write_csv(tmp_path / "f.csv", [row(member_id="BR-ONE")]).read_bytes()
    statuses = [_upload(portal["port"], _link("BR-ONE"), data)[0] for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert len(_stored(portal["raw"])) == 20
    # Another member's link has its own count.
    assert _upload(portal["port"], _link("IT-ONE"), data.replace(b"BR-ONE", b"IT-ONE"))[0] == 200


def test_a_file_naming_another_member_is_not_filed_and_the_page_says_why(portal, tmp_path):
    data = write_csv(tmp_path / "f.csv", [row(member_id="IT-ONE")]).read_bytes()
    status, _, body = _upload(portal["port"], _link("FR-ONE"), data)
    page = body.decode()
    assert status == 200 and _stored(portal["raw"]) == []
    assert "Le fichier est celui du membre IT-ONE, mais ce lien est celui de FR-ONE" in page
    refused = list((portal["raw"] / "portal" / "refused" / str(YEAR)).iterdir())
    assert [p.read_bytes() for p in refused] == [data]


def test_dot_dot_and_absolute_upload_names_are_harmless(portal, tmp_path):
    data = write_csv(tmp_path / "f.csv", [row(member_id="IT-ONE")]).read_bytes()
    for name in ("../../reference/members.csv", "/etc/cron.d/x.csv", "..\\..\\evil.csv"):
        assert _upload(portal["port"], _link("IT-ONE"), data, name)[0] == 200
    stored = _stored(portal["raw"])
    assert len(stored) == 3 and all(re.fullmatch(r"IT-ONE__\d{8}T\d{6}Z(-\d)?\.csv", n)
                                    for n in stored)  # fmt: skip
    assert (portal["raw"] / "reference" / "members.csv").read_text().startswith("member_id,")


def test_two_uploads_in_the_same_second_are_both_kept(portal, tmp_path):
    data = write_csv(tmp_path / "f.csv", [row(member_id="IT-ONE")]).read_bytes()
    forms = [_form(portal["port"], _link("IT-ONE")) for _ in range(2)]
    results = []

    def post(cookie: str, token: str) -> None:
        content_type, body = multipart({"csrf": token}, "f.csv", data)
        headers = {"Content-Type": content_type, "Cookie": cookie}
        results.append(raw_request(portal["port"], _link("IT-ONE"), "POST", headers, body)[0])

    for _ in range(5):  # until both land in one second (each takes well under a second)
        threads = [threading.Thread(target=post, args=f) for f in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stamps = [re.sub(r"(-\d+)?\.csv$", "", n) for n in _stored(portal["raw"])]
        if len(stamps) != len(set(stamps)):
            break
    assert set(results) == {200}
    names = _stored(portal["raw"])
    assert len(names) == len(results)  # every upload stored, none overwritten
    assert any(n.endswith("-2.csv") for n in names)


# --- staff ---


def test_the_staff_area_needs_the_token(portal):
    port = portal["port"]
    status, headers, _ = raw_request(port, "/staff/")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    assert raw_request(port, "/staff/", headers={"Authorization": "Bearer wrong"})[0] == 401
    basic = base64.b64encode(f"staff:{STAFF_TOKEN}".encode()).decode()
    assert raw_request(port, "/staff/", headers={"Authorization": f"Basic {basic}"})[0] == 200
    status, _, body = raw_request(
        port, "/staff/", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
    )
    assert status == 200 and b"No submissions folder yet" in body


def test_without_a_configured_token_the_staff_area_is_off(tmp_path):
    with running(make_reference(tmp_path / "raw"), tmp_path / "out", staff=None) as port:
        status, _, body = raw_request(port, "/staff/", headers={"Authorization": "Bearer x"})
    assert (status, body) == (404, b"404 not found\n")


def test_staff_withdraw_a_file_appends_a_line_and_deletes_nothing(portal, tmp_path):
    port, raw = portal["port"], portal["raw"]
    data = write_csv(tmp_path / "f.csv", [row(member_id="KE-ONE")]).read_bytes()
    _upload(port, _link("KE-ONE"), data)
    (name,) = _stored(raw)
    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    status, headers, body = raw_request(port, "/staff/?year=2025", headers=auth)
    page = body.decode()
    assert status == 200 and name in page and _link("KE-ONE") in page
    cookie = headers["set-cookie"].split(";", 1)[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = f"csrf=&year=2025&file={name}&reason=sent+by+mistake"
    posted = {**auth, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    forged = raw_request(port, "/staff/withdraw", "POST", posted, form.encode())
    assert forged[0] == 403 and not (raw / "reference" / "withdrawals.csv").exists()
    form = f"csrf={csrf}&year=2025&file={name}&reason=%3Dsent+by+mistake"
    status, headers, _ = raw_request(port, "/staff/withdraw", "POST", posted, form.encode())
    assert status == 303 and headers["location"] == "/staff/?year=2025&done=withdrawn"
    lines = (raw / "reference" / "withdrawals.csv").read_text().splitlines()
    assert lines[0] == "year,file,withdrawn_on,reason"
    assert re.fullmatch(rf"2025,{re.escape(name)},\d{{4}}-\d\d-\d\d,'=sent by mistake", lines[1])
    assert _stored(raw) == [name]  # still there


def test_300_idle_connections_hold_no_threads_and_do_not_block_a_request(portal):
    port = portal["port"]
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(300)]
    try:
        time.sleep(0.2)
        assert threading.active_count() - before < 5  # one event loop, not a thread each
        # Answered while they are all open (the speed of it is no test's business).
        status, _, body = raw_request(port, "/healthz")
        assert (status, body) == (200, b"ok")
        # The server drops silent connections after its idle timeout (1 s here).
        time.sleep(2.5)
        closed = 0
        for sock in idle[:20]:
            sock.settimeout(1)
            try:
                closed += sock.recv(1) == b""
            except (ConnectionResetError, TimeoutError):
                closed += 0
        assert closed == 20
    finally:
        for sock in idle:
            sock.close()


def test_no_symlinked_output_is_listed_or_served_publicly_or_to_staff(tmp_path):
    # A year built for real beside files planted as links to a secret outside the out
    # folder: in the public statistics, the staff-only tables and the feedback letters.
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:secret\n")
    out = tmp_path / "out"
    year = out / "2025"
    real = {
        "statistics/by_area.csv": b"level,area_code\nglobal,WORLD\n",
        "validation/submissions.csv": b"file,status\n",
    }
    for name, data in real.items():
        (year / name).parent.mkdir(parents=True, exist_ok=True)
        (year / name).write_bytes(data)
    links = [
        year / "statistics" / "by_sector.csv",
        year / "statistics" / "imputations.csv",
        year / "validation" / "issues.csv",
        year / "provenance.json",
        out / "feedback" / "2025" / "KE-ONE.pdf",
    ]
    for link in links:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(secret)
    # A link to a real output inside the folder is refused too: no link is followed.
    (year / "statistics" / "by_type.csv").symlink_to(year / "statistics" / "by_area.csv")
    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    raw = make_reference(tmp_path / "raw")
    write_csv(raw / "submissions" / "2025" / "KE-ONE.csv", [row(member_id="KE-ONE")])
    with running(raw, out) as port:
        public = raw_request(port, "/")[2].decode()
        staff = raw_request(port, "/staff/?year=2025", headers=auth)[2].decode()
        served = {
            url: raw_request(port, url, headers=auth if url.startswith("/staff") else None)
            for url in (
                "/files/2025/statistics/by_sector.csv",
                "/files/2025/statistics/by_type.csv",
                "/files/2025/provenance.json",
                "/staff/files/2025/statistics/imputations.csv",
                "/staff/files/2025/validation/issues.csv",
                "/staff/feedback/2025/KE-ONE.pdf",
            )
        }
        # The real files beside them are served: the refusals are the links only.
        assert (
            raw_request(port, "/files/2025/statistics/by_area.csv")[2]
            == real["statistics/by_area.csv"]
        )
        assert (
            raw_request(port, "/staff/files/2025/validation/submissions.csv", headers=auth)[2]
            == real["validation/submissions.csv"]
        )
    assert 'href="/files/2025/statistics/by_area.csv"' in public
    assert 'href="/staff/files/2025/validation/submissions.csv"' in staff
    for url in served:
        assert f'href="{url}"' not in public + staff, url
    for url, (status, _, body) in served.items():
        assert (status, body) == (404, b"404 not found\n"), url
