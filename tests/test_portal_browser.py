"""A member's round trip in real Chromium: three mistakes in French, then accepted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from cicopa.links import member_token
from tests.builders import make_reference, row, write_xlsx
from tests.web_helpers import SECRET, STAFF_TOKEN, chromium, page_errors, running

SHOTS = Path("/tmp/cicopa_web_shots")


@pytest.fixture
def browser() -> Iterator:
    with chromium() as instance:
        yield instance


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict]:
    raw_data = make_reference(tmp_path / "raw_data")
    out = tmp_path / "out"
    (out / "2025" / "statistics").mkdir(parents=True)
    (out / "2025" / "validation").mkdir(parents=True)
    (out / "2025" / "statistics" / "by_area.csv").write_text("level,area_code\nglobal,WORLD\n")
    (out / "2025" / "validation" / "issues.csv").write_text("file,member_id\n")
    (out / "2025" / "validation" / "tracker.csv").write_text("member_id,status\n")
    with running(raw_data, out) as port:
        yield {"port": port, "raw": raw_data, "out": out, "tmp": tmp_path}


def test_a_french_member_corrects_three_mistakes_and_is_accepted(site, browser):
    SHOTS.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{site['port']}"
    link = f"{base}/submit/{member_token(SECRET, 'FR-ONE', 2025)}"
    wrong = [
        row(member_id="FR-ONE", sector="C", employees=-3),  # negative
        row(member_id="FR-ONE", sector="Z"),  # no such ISIC section
        row(member_id="FR-ONE", sector="F", women=50),  # more women than persons (12)
    ]
    right = [row(member_id="FR-ONE", sector="C"), row(member_id="FR-ONE", sector="F", women=5)]
    bad = write_xlsx(site["tmp"] / "enquete.xlsx", wrong, title="Enquête CICOPA")
    good = write_xlsx(site["tmp"] / "enquete_corrigee.xlsx", right, title="Enquête CICOPA")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = page_errors(page)
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_text("Sample federation 1 of France").is_visible()
    assert "31 mars 2026" in page.locator("header").inner_text()
    assert page.get_by_text("Aucun fichier reçu pour l'instant.").is_visible()

    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Vérifier et envoyer").click()
    page.wait_for_selector("#receipt")
    assert page.locator(".receipt .status").inner_text() == "rejeté"
    issues = page.locator("table.issues tbody tr")
    assert issues.count() == 3
    # Title row 1, empty row 2, header row 3: data rows 1, 2, 3 are sheet rows 4, 5, 6.
    found = [
        (
            issues.nth(i).locator(".sheet-row").inner_text(),
            issues.nth(i).locator(".data-row").inner_text(),
            issues.nth(i).locator("code").inner_text(),
        )
        for i in range(3)
    ]
    assert found == [("4", "1", "employees"), ("5", "2", "sector"), ("6", "3", "women")]
    text = page.locator("table.issues").inner_text()
    assert "Le chiffre est négatif." in text
    assert "Ce n'est pas une lettre de section de la CITI Rév.4." in text
    assert "Il y a plus de femmes que de personnes comptées dans la ligne." in text
    head = page.locator("table.issues thead").text_content() or ""
    assert "Ligne de la feuille" in head and "Comment corriger" in head
    page.screenshot(path=str(SHOTS / "member_fr_rejected.png"), full_page=True)

    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="Vérifier et envoyer").click()
    page.wait_for_selector(".receipt.accepted")
    assert page.locator(".receipt .status").inner_text() == "accepté"
    assert page.locator("table.issues").count() == 0
    stored = page.locator("#stored").inner_text()
    sha = page.locator("#sha256").inner_text()
    path = site["raw"] / "submissions" / "2025" / stored
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert path.read_bytes() == good.read_bytes()
    mine = page.locator("table.mine tbody tr")
    assert mine.count() == 2
    assert mine.nth(0).locator("code").inner_text() == stored
    assert "C'est ce fichier qui compte" in mine.nth(0).inner_text()
    assert "remplacé" in mine.nth(1).inner_text()  # superseded by the later file
    page.screenshot(path=str(SHOTS / "member_fr.png"), full_page=True)

    # The public page lists nothing member-level.
    page.goto(f"{base}/")
    public = page.content()
    assert "by_area.csv" in public
    for hidden in ("issues.csv", "tracker.csv", "validation", "FR-ONE", str(site["raw"])):
        assert hidden not in public
    page.screenshot(path=str(SHOTS / "public.png"), full_page=True)

    # The staff page needs the token.
    # (Chromium would ask for a password; its request context shows the answer itself.)
    answer = page.request.get(f"{base}/staff/")
    assert answer.status == 401 and answer.headers["www-authenticate"].startswith("Basic")
    assert problems == []
    context.close()
    staff = browser.new_context(
        viewport={"width": 1400, "height": 900},
        http_credentials={"username": "staff", "password": STAFF_TOKEN},
    )
    page = staff.new_page()
    answer = page.goto(f"{base}/staff/?year=2025")
    assert answer is not None and answer.status == 200
    row_fr = page.locator("#m-FR-ONE")
    assert "accepted" in row_fr.inner_text() and stored in row_fr.inner_text()
    assert page.get_by_role("link", name="validation/issues.csv").is_visible()
    page.screenshot(path=str(SHOTS / "staff.png"), full_page=True)
    staff.close()


@pytest.mark.parametrize(("member", "lang", "button"),
                         [("IT-ONE", "en", "Check and send"),
                          ("BR-ONE", "es", "Revisar y enviar")])  # fmt: skip
def test_the_member_page_in_each_language(site, browser, member, lang, button):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = page_errors(page)
    page.goto(f"http://127.0.0.1:{site['port']}/submit/{member_token(SECRET, member, 2025)}")
    assert page.locator("html").get_attribute("lang") == lang
    bad = write_xlsx(site["tmp"] / f"{member}.xlsx", [row(member_id=member, employees="12 000")])
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("#receipt")
    assert page.locator("table.issues tbody tr").count() == 1
    page.screenshot(path=str(SHOTS / f"member_{lang}.png"), full_page=True)
    assert problems == []
    context.close()
