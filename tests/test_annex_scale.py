"""Annex A at scale: past REPORT_MEMBER_LIST_LIMIT members the report counts them by country."""

from __future__ import annotations

import polars as pl

from cicopa.settings import REPORT_MEMBER_LIST_LIMIT
from reports.model import ReportData
from reports.render import render_html
from tests.test_report_render import make_data


def _with_members(data: ReportData, italy: int, france: int) -> ReportData:
    rows = [(f"IT-{i:04d}", f"Cooperativa {i:04d}", "IT", "Italy", "EUROPE") for i in range(italy)]
    rows += [
        (f"FR-{i:04d}", f"Coopérative {i:04d}", "FR", "France", "EUROPE") for i in range(france)
    ]
    members = pl.DataFrame(
        rows, schema=["member_id", "name", "country", "country_name", "region"], orient="row"
    )
    return ReportData(**{**data.__dict__, "reporting_members": members})


def _annex_a(html: str) -> str:
    start = html.index('id="annex-members"')
    return html[start : html.index('id="annex-fx"')]


def test_past_the_limit_annex_a_counts_members_by_country() -> None:
    assert REPORT_MEMBER_LIST_LIMIT == 400
    annex = _annex_a(render_html(_with_members(make_data(), italy=300, france=101)))
    assert "Table A.1. Reporting member organisations by country, 2025" in annex
    assert "The names of the 401 reporting member organisations are listed in the" in annex
    # France before Italy (alphabetical within Europe), one row each, with its count.
    assert annex.index("<td>France</td>") < annex.index("<td>Italy</td>")
    assert '<td>France</td><td>Europe</td><td class="num">101</td>' in annex
    assert '<td>Italy</td><td>Europe</td><td class="num">300</td>' in annex
    assert "Cooperativa 0001" not in annex


def test_at_the_limit_every_member_is_named() -> None:
    annex = _annex_a(render_html(_with_members(make_data(), italy=300, france=100)))
    assert "Table A.1. Reporting member organisations, 2025" in annex
    assert "Cooperativa 0299" in annex and "Coopérative 0099" in annex
    assert "by country" not in annex


def test_the_count_table_is_translated() -> None:
    annex = _annex_a(render_html(_with_members(make_data(), italy=300, france=101), "fr"))
    assert "Tableau A.1. Organisations membres répondantes par pays, 2025" in annex
    assert "Organisations membres" in annex
