"""The staff and member pages keep the year's validation between requests, and show
every change at once: an upload, a withdrawal, a file added or rewritten by hand, an
edited registry."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cicopa.links import member_token
from tests.builders import FX_RATES, make_reference, row, write_csv, write_rows
from tests.web_helpers import SECRET, STAFF_TOKEN, multipart, raw_request, running

YEAR = 2025
AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}


def _link(member: str) -> str:
    return f"/submit/{member_token(SECRET, member, YEAR)}"


def _upload(port: int, member: str, data: bytes) -> int:
    status, headers, body = raw_request(port, _link(member))
    assert status == 200
    cookie = headers["set-cookie"].split(";", 1)[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    assert csrf
    content_type, form = multipart({"csrf": csrf.group(1)}, "form.csv", data)
    headers = {"Content-Type": content_type, "Cookie": cookie}
    return raw_request(port, _link(member), "POST", headers, form)[0]


def _staff(port: int) -> tuple[str, dict[str, str]]:
    """The staff page, and each listed file with its status."""
    status, _, body = raw_request(port, f"/staff/?year={YEAR}", headers=AUTH)
    assert status == 200
    page = body.decode()
    files = re.findall(r'<code>([^<]+)</code> <span class="status status-[a-z]+">([a-z]+)', page)
    return page, dict(files)


def _counts(page: str) -> dict[str, int]:
    found = re.search(r'<p class="counts">(.*?)</p>', page, re.S)
    assert found
    return {k: int(n) for k, n in re.findall(r">([a-z ]+): (\d+)<", found.group(1))}


def test_an_upload_shows_on_the_staff_page_at_once(tmp_path: Path) -> None:
    raw = make_reference(tmp_path / "raw_data")
    (raw / "submissions" / str(YEAR)).mkdir(parents=True)  # the collection is open
    with running(raw, tmp_path / "out") as port:
        page, files = _staff(port)
        assert files == {}
        assert _counts(page)["no submission"] == 7  # the 7 members active in 2025
        page, again = _staff(port)  # served from the cache: the same page
        assert again == {}

        good = write_csv(tmp_path / "a.csv", [row(member_id="KE-ONE")]).read_bytes()
        assert _upload(port, "KE-ONE", good) == 200
        page, files = _staff(port)
        (first,) = files
        assert files[first] == "accepted" and first.startswith("KE-ONE__")
        assert _counts(page)["no submission"] == 6

        # A corrected file (women now given) supersedes the first.
        fixed = write_csv(tmp_path / "b.csv", [row(member_id="KE-ONE", women=4)]).read_bytes()
        assert _upload(port, "KE-ONE", fixed) == 200
        _, files = _staff(port)
        assert len(files) == 2 and files[first] == "superseded"
        (second,) = set(files) - {first}
        assert files[second] == "accepted"


def test_a_file_added_or_rewritten_by_hand_and_an_edited_registry_show_at_once(
    tmp_path: Path,
) -> None:
    raw = make_reference(tmp_path / "raw_data")
    folder = raw / "submissions" / str(YEAR)
    folder.mkdir(parents=True)
    with running(raw, tmp_path / "out") as port:
        assert _staff(port)[1] == {}
        path = write_csv(folder / "IT-ONE_2025.csv", [row()])
        assert _staff(port)[1] == {"IT-ONE_2025.csv": "accepted"}
        # Rewritten in place with an error, same size, and its mtime set back: the
        # ctime still moves, so the page still shows the new verdict.
        info = path.stat()
        bad = path.read_bytes().replace(b",10,2,", b",10,x,")
        assert len(bad) == info.st_size
        path.write_bytes(bad)
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert _staff(port)[1] == {"IT-ONE_2025.csv": "rejected"}
        # The 2025 euro rate leaves fx_rates.csv: a turnover in euros can no longer count.
        write_csv(folder / "US-ONE_2025.csv", [row(member_id="US-ONE", turnover=5, currency="EUR")])
        assert _staff(port)[1]["US-ONE_2025.csv"] == "accepted"
        write_rows(
            raw / "reference" / "fx_rates.csv", [r for r in FX_RATES if r[:2] != ("2025", "EUR")]
        )
        assert _staff(port)[1]["US-ONE_2025.csv"] == "rejected"


def test_the_member_page_lists_a_new_file_at_once(tmp_path: Path) -> None:
    raw = make_reference(tmp_path / "raw_data")
    with running(raw, tmp_path / "out") as port:
        before = raw_request(port, _link("BR-ONE"))[2].decode()
        assert "BR-ONE_2025.csv" not in before
        write_csv(raw / "submissions" / str(YEAR) / "BR-ONE_2025.csv", [row(member_id="BR-ONE")])
        after = raw_request(port, _link("BR-ONE"))[2].decode()
        assert "BR-ONE_2025.csv" in after


def test_a_withdrawal_shows_on_the_staff_page_at_once(tmp_path: Path) -> None:
    raw = make_reference(tmp_path / "raw_data")
    with running(raw, tmp_path / "out") as port:
        data = write_csv(tmp_path / "a.csv", [row(member_id="CO-ONE")]).read_bytes()
        assert _upload(port, "CO-ONE", data) == 200
        status, headers, body = raw_request(port, f"/staff/?year={YEAR}", headers=AUTH)
        assert status == 200
        page = body.decode()
        ((name, verdict),) = _staff(port)[1].items()
        assert verdict == "accepted"
        cookie = headers["set-cookie"].split(";", 1)[0]
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf
        form = f"csrf={csrf.group(1)}&year={YEAR}&file={name}&reason=sent+twice"
        posted = {**AUTH, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        assert raw_request(port, "/staff/withdraw", "POST", posted, form.encode())[0] == 303
        page, files = _staff(port)
        assert files == {name: "withdrawn"}
        # CO-ONE's only file is withdrawn: the member's status says so; six others sent none.
        assert _counts(page) == {"no submission": 6, "withdrawn": 1}


def test_a_registry_rewritten_with_its_old_time_is_read_again(tmp_path: Path) -> None:
    """The registry is stamped as the validations are (lstat: size, inode, ctime too), so a
    file restored with its old modification time (`cp -p`, an editor) is not missed."""
    from web.state import Portal

    raw = make_reference(tmp_path / "raw_data")
    portal = Portal.create(raw, tmp_path / "out", secret=SECRET)
    members = raw / "reference" / "members.csv"
    before = portal.reference().members["member_id"].to_list()
    assert "FR-ONE" in before
    kept = os.stat(members)
    members.write_text(members.read_text().replace("FR-ONE,", "FR-UNO,"))
    os.utime(members, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert os.stat(members).st_mtime_ns == kept.st_mtime_ns
    after = portal.reference().members["member_id"].to_list()
    assert "FR-UNO" in after and "FR-ONE" not in after
