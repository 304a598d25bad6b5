"""A realistic, fictional ``ReportData`` for looking at the report without the pipeline.

48 registered members in 30 countries, 45 of them reporting from 29 countries, tied to
CICOPA's public headline (68,000 enterprises, 3,000,000 persons employed; Europe 50,000
and 1,300,000), with trends over 2023-2025 and a few members that joined or left.
Organisation names and figures are invented; deterministic (seeded).

Usage: ``python -m reports.sample [OUT.pdf] [--lang en|fr|es] [--missing 2023]
[--attach]`` (default ``out/sample_report.pdf``, English, all three years built).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import polars as pl

from cicopa.columns import SUB_REGION_PARENT
from reports.model import BY_AREA_COLUMNS, EMPLOYMENT_FIGURES, ReportData

YEAR = 2025
# country, name, region, sub-region, reporting members, relative size, currency
COUNTRIES: tuple[tuple[str, str, str, str, int, float, str], ...] = (
    ("IT", "Italy", "EUROPE", "", 4, 6.0, "EUR"),
    ("FR", "France", "EUROPE", "", 3, 3.5, "EUR"),
    ("ES", "Spain", "EUROPE", "", 3, 4.5, "EUR"),
    ("DE", "Germany", "EUROPE", "", 2, 2.0, "EUR"),
    ("BE", "Belgium", "EUROPE", "", 2, 1.5, "EUR"),
    ("PT", "Portugal", "EUROPE", "", 2, 1.0, "EUR"),
    ("PL", "Poland", "EUROPE", "", 1, 2.5, "PLN"),
    ("GB", "United Kingdom", "EUROPE", "", 2, 1.2, "GBP"),
    ("SE", "Sweden", "EUROPE", "", 1, 0.8, "SEK"),
    ("FI", "Finland", "EUROPE", "", 1, 0.8, "EUR"),
    ("NL", "Netherlands", "EUROPE", "", 1, 0.6, "EUR"),
    ("IE", "Ireland", "EUROPE", "", 1, 0.4, "EUR"),
    ("AT", "Austria", "EUROPE", "", 1, 0.6, "EUR"),
    ("CZ", "Czechia", "EUROPE", "", 1, 1.2, "CZK"),
    ("MT", "Malta", "EUROPE", "", 1, 0.15, "EUR"),
    ("US", "United States", "AMERICAS", "NORTH_AMERICA", 2, 1.0, "USD"),
    ("CA", "Canada", "AMERICAS", "NORTH_AMERICA", 1, 1.5, "CAD"),
    ("MX", "Mexico", "AMERICAS", "NORTH_AMERICA", 1, 0.8, "MXN"),
    ("BR", "Brazil", "AMERICAS", "MERCOSUR", 2, 3.0, "BRL"),
    ("AR", "Argentina", "AMERICAS", "MERCOSUR", 2, 2.5, "ARS"),
    ("UY", "Uruguay", "AMERICAS", "MERCOSUR", 1, 0.7, "UYU"),
    ("PY", "Paraguay", "AMERICAS", "MERCOSUR", 1, 0.5, "PYG"),
    ("CO", "Colombia", "AMERICAS", "", 1, 1.2, "COP"),
    ("CR", "Costa Rica", "AMERICAS", "", 1, 0.6, "CRC"),
    ("KE", "Kenya", "AFRICA", "", 2, 2.0, "KES"),
    ("SN", "Senegal", "AFRICA", "", 1, 1.0, "XOF"),
    ("IN", "India", "ASIA_PACIFIC", "", 2, 3.0, "INR"),
    ("JP", "Japan", "ASIA_PACIFIC", "", 1, 1.5, "JPY"),
    ("KR", "Republic of Korea", "ASIA_PACIFIC", "", 1, 1.0, "KRW"),
    ("ZA", "South Africa", "AFRICA", "", 0, 0.0, "ZAR"),  # registered, not reporting
)
# Registered members whose submission did not count: (country, status of their file).
NON_REPORTING: tuple[tuple[str, str | None], ...] = (
    ("KE", "rejected"),
    ("IT", "unreadable"),
    ("ZA", None),  # sent nothing
)
REGION_TOTALS = {  # enterprises, persons employed (SPEC section 1)
    "EUROPE": (50_000, 1_300_000),
    "AMERICAS": (11_000, 1_100_000),
    "AFRICA": (3_000, 250_000),
    "ASIA_PACIFIC": (4_000, 350_000),
}
FX_2025 = {
    "ARS": 1150, "BRL": 5.60, "CAD": 1.400, "COP": 4100, "CRC": 505, "CZK": 22.10,
    "EUR": 0.885, "GBP": 0.760, "INR": 86.5, "JPY": 149.0, "KES": 129.2, "KRW": 1420,
    "MXN": 19.30, "PLN": 3.77, "PYG": 7900, "SEK": 9.85, "USD": 1, "UYU": 41.0,
    "XOF": 580.5,
}  # fmt: skip
# Share of a type's persons employed who are worker-members, employees (rest: producers).
SPLIT = {
    "worker": (0.62, 0.33),
    "social": (0.30, 0.68),
    "producer": (0.04, 0.10),
    "multi_stakeholder": (0.40, 0.50),
    "other": (0.25, 0.60),
}
SECTORS_BY_TYPE = {
    "worker": "CFGHIJMNRS",
    "social": "QPNSE",
    "producer": "ACGH",
    "multi_stakeholder": "QDINE",
    "other": "KLBT",
}
NAME_PATTERNS = (
    "National Federation of Worker Cooperatives of {c}",
    "{c} Confederation of Social Cooperatives",
    "Union of Producers' and Artisans' Cooperatives ({c})",
    "{c} Cooperative Development Agency",
    "Association of Industrial & Service Cooperatives, {c}",
)


def _apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split an integer total by weights (largest remainder), each part >= minimum."""
    rest = total - minimum * len(weights)
    scaled = [rest * w / sum(weights) for w in weights]
    parts = [int(s) for s in scaled]
    order = sorted(range(len(weights)), key=lambda i: scaled[i] - parts[i], reverse=True)
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _members(rng: random.Random) -> pl.DataFrame:
    rows = []
    for code, name, region, _sub, n, _size, _cur in COUNTRIES:
        for k in range(n):
            rows.append((code, name, region, NAME_PATTERNS[(k + len(rows)) % 5].format(c=name)))
    frame = pl.DataFrame(rows, schema=["country", "country_name", "region", "name"], orient="row")
    ids = [f"{c}-M{i:02d}" for i, c in enumerate(frame["country"].to_list(), start=1)]
    frame = frame.with_columns(pl.Series("member_id", ids))
    # Two names that stress the layout: a long one, and one with markup-like text.
    names = frame["name"].to_list()
    names[0] = "Consorzio nazionale delle cooperative di produzione, lavoro e servizi"
    names[7] = "Confederación Española de Cooperativas de Trabajo Asociado & Empresas Sociales"
    frame = frame.with_columns(pl.Series("name", names))
    return frame.select("member_id", "name", "country", "country_name", "region").sort("member_id")


def _rows(members: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    size = {c[0]: c[5] for c in COUNTRIES}
    out = []
    for region, (enterprises, persons) in REGION_TOTALS.items():
        region_members = members.filter(pl.col("region") == region).to_dicts()
        cells = []
        for m in region_members:
            n_rows = rng.randint(2, 5)
            types = ["worker", *rng.sample(list(SPLIT)[1:], n_rows - 1)]
            weight = size[m["country"]] * rng.uniform(0.6, 1.4)
            for t in types:
                sector = rng.choice(SECTORS_BY_TYPE[t])
                cells.append((m, sector, t, weight * rng.uniform(0.5, 2.0)))
        weights = [c[3] for c in cells]
        ent = _apportion(enterprises, weights, minimum=1)
        per = _apportion(persons, [w * rng.uniform(0.6, 1.6) for w in weights])
        reports_women = {m["member_id"]: rng.random() < 0.85 for m in region_members}
        for (m, sector, t, _w), e, p in zip(cells, ent, per, strict=True):
            worker = int(p * SPLIT[t][0])
            employees = int(p * SPLIT[t][1])
            out.append(
                {
                    "member_id": m["member_id"],
                    "sector": sector,
                    "cooperative_type": t,
                    "enterprises": e,
                    "worker_members": worker,
                    "employees": employees,
                    "producer_members": p - worker - employees,
                    "women": int(p * rng.uniform(0.3, 0.65))
                    if reports_women[m["member_id"]]
                    else None,
                    "turnover_usd": round(p * rng.uniform(3_000, 70_000), 2),
                    "new_enterprises": max(0, int(e * rng.uniform(0.01, 0.05))),
                }
            )
    rows = pl.DataFrame(out).with_columns(
        transfers=(pl.col("new_enterprises") * 0.15).floor().cast(pl.Int64)
    )
    # Merge duplicate (member, sector, type) cells a random draw may have produced.
    figures = [c for c in rows.columns if c not in ("member_id", "sector", "cooperative_type")]
    women = pl.when(pl.col("women").is_null().all()).then(None).otherwise(pl.col("women").sum())
    return rows.group_by("member_id", "sector", "cooperative_type", maintain_order=True).agg(
        [pl.col(c).sum() if c != "women" else women.alias("women") for c in figures]
    )


def _aggregate(rows: pl.DataFrame, registered: pl.DataFrame) -> pl.DataFrame:
    """by_area in SPEC 3 form from accepted rows and the registry (countries in regions)."""
    geo = {c[0]: (c[1], c[2], c[3]) for c in COUNTRIES}
    area_of = {
        "country": lambda code: code,
        "sub_region": lambda code: geo[code][2] or None,
        "region": lambda code: geo[code][1],
        "global": lambda code: "WORLD",
    }
    names = {code: g[0] for code, g in geo.items()}
    rows = rows.with_columns(
        employment_in_cooperatives=pl.col("worker_members") + pl.col("employees"),
    ).with_columns(
        employment_total=pl.col("employment_in_cooperatives") + pl.col("producer_members"),
        women_base=pl.when(pl.col("women").is_not_null()).then(
            pl.col("worker_members") + pl.col("employees") + pl.col("producer_members")
        ),
    )
    result = []
    for level in ("global", "region", "sub_region", "country"):
        reg = registered.with_columns(
            area=pl.col("country").map_elements(area_of[level], return_dtype=pl.String)
        ).filter(pl.col("area").is_not_null())
        acc = rows.with_columns(
            area=pl.col("country").map_elements(area_of[level], return_dtype=pl.String)
        ).filter(pl.col("area").is_not_null())
        for area in sorted(reg["area"].unique().to_list()):
            r = acc.filter(pl.col("area") == area)
            members_reg = reg.filter(pl.col("area") == area).height
            reporting = r["member_id"].n_unique()
            women = r["women"].drop_nulls()
            base = r["women_base"].drop_nulls().sum()
            if level == "country":
                parent = geo[area][2] or geo[area][1]
            elif level == "sub_region":
                parent = SUB_REGION_PARENT[area]
            else:
                parent = "WORLD" if level == "region" else None
            row = {
                "level": level,
                "area_code": area,
                "area_name": names.get(area, area.title()),
                "parent_code": parent,
                "members_registered": members_reg,
                "members_reporting": reporting,
                "response_rate": round(reporting / members_reg, 4),
                "countries_reporting": r["country"].n_unique(),
                **{c: int(r[c].sum()) for c in EMPLOYMENT_FIGURES},
                "women": int(women.sum()) if len(women) else None,
                "women_share": round(women.sum() / base, 4) if len(women) and base else None,
                "turnover_usd": round(r["turnover_usd"].sum(), 2) if r.height else None,
                "new_enterprises": int(r["new_enterprises"].sum()) if r.height else None,
                "transfers": int(r["transfers"].sum()) if r.height else None,
            }
            result.append(row)
    return pl.DataFrame(result).select(BY_AREA_COLUMNS)


def _breakdown(rows: pl.DataFrame, key: str) -> pl.DataFrame:
    rows = rows.with_columns(
        employment_in_cooperatives=pl.col("worker_members") + pl.col("employees"),
    ).with_columns(
        employment_total=pl.col("employment_in_cooperatives") + pl.col("producer_members")
    )
    return (
        rows.group_by(key)
        .agg(pl.col(c).sum() for c in EMPLOYMENT_FIGURES)
        .with_columns(level=pl.lit("global"), area_code=pl.lit("WORLD"))
        .select("level", "area_code", key, *EMPLOYMENT_FIGURES)
        .sort(key)
    )


# Growth of each region's figures from one year to the next (members, enterprises, persons).
GROWTH = {
    "EUROPE": (1, 1.021, 1.034),
    "AMERICAS": (2, 1.046, 1.052),
    "AFRICA": (0, 0.985, 1.071),
    "ASIA_PACIFIC": (1, 1.012, 0.994),
}
# Members that joined or left CICOPA in the trend years: (id, name, country, change, year).
MEMBERSHIP_CHANGES = (
    ("CO-M40", "Confederación de Cooperativas de Colombia", "Colombia", "joined", YEAR - 1),
    ("KR-M45", "Korean Federation of Worker Cooperatives", "Republic of Korea", "joined",
     YEAR - 1),
    ("GH-COOP", "Ghana Federation of Industrial Cooperatives", "Ghana", "left", YEAR),
)  # fmt: skip


def _trends(by_area: pl.DataFrame, missing_years: tuple[int, ...]) -> pl.DataFrame:
    """Global and regional totals for YEAR-2..YEAR, earlier years derived from YEAR's."""
    current = by_area.filter(pl.col("level") == "region").to_dicts()
    rows = []
    for year in range(YEAR - 2, YEAR + 1):
        if year in missing_years:
            continue
        back = YEAR - year
        for r in current:
            members, ent_growth, per_growth = GROWTH[r["area_code"]]
            rows.append(
                {
                    "year": year,
                    "level": "region",
                    "area_code": r["area_code"],
                    "members_reporting": r["members_reporting"] - members * back,
                    "members_registered": r["members_registered"] - members * back,
                    "countries_reporting": r["countries_reporting"],
                    "enterprises": round(r["enterprises"] / ent_growth**back),
                    "employment_total": round(r["employment_total"] / per_growth**back),
                }
            )
    frame = pl.DataFrame(rows)
    world = (
        frame.group_by("year")
        .agg(pl.exclude("level", "area_code").sum())
        .with_columns(level=pl.lit("global"), area_code=pl.lit("WORLD"))
    )
    return pl.concat([world.select(frame.columns), frame]).sort("area_code", "year")


def _membership_changes() -> pl.DataFrame:
    return pl.DataFrame(
        MEMBERSHIP_CHANGES,
        schema=["member_id", "name", "country_name", "change", "year"],
        orient="row",
    )


def sample_report_data(seed: int = 2025, missing_years: tuple[int, ...] = ()) -> ReportData:
    rng = random.Random(seed)
    reporting = _members(rng)
    extra = pl.DataFrame(
        [
            {
                "member_id": f"{c}-X{i}",
                "name": f"Regional cooperative network {i} ({c})",
                "country": c,
                "country_name": next(x[1] for x in COUNTRIES if x[0] == c),
                "region": next(x[2] for x in COUNTRIES if x[0] == c),
            }
            for i, (c, _s) in enumerate(NON_REPORTING, start=1)
        ]
    )
    registered = pl.concat([reporting, extra])
    rows = _rows(reporting, rng).join(
        reporting.select("member_id", "country"), on="member_id", how="left"
    )
    submissions = []
    for i, m in enumerate(reporting.to_dicts()):
        fmt = ("csv", "xlsx", "json")[i % 3]
        n_rows = rows.filter(pl.col("member_id") == m["member_id"]).height
        submissions.append(
            (f"{m['member_id']}.{fmt}", fmt, m["member_id"], "accepted", n_rows, 0, i % 4 == 0)
        )
        if i % 9 == 4:  # an earlier file of the same member
            earlier = f"{m['member_id']}_v1.{fmt}"
            submissions.append((earlier, fmt, m["member_id"], "superseded", n_rows, 0, 0))
    for i, (c, status) in enumerate(NON_REPORTING, start=1):
        if status:
            submissions.append((f"{c}-X{i}.csv", "csv", f"{c}-X{i}", status, 0, 3, 0))
    subs = pl.DataFrame(
        [
            {
                "file": f,
                "sha256": f"{i:064x}",
                "format": fmt,
                "member_id": mid,
                "submitted_at": f"{YEAR + 1}-02-{(i % 27) + 1:02d}",
                "status": status,
                "rows": n,
                "errors": errors,
                "warnings": int(warn),
            }
            for i, (f, fmt, mid, status, n, errors, warn) in enumerate(submissions)
        ]
    )
    fx = pl.DataFrame(
        {
            "year": [YEAR] * len(FX_2025),
            "currency": list(FX_2025),
            "per_usd": [float(v) for v in FX_2025.values()],
        }
    )
    by_area = _aggregate(rows, registered)
    return ReportData(
        year=YEAR,
        by_area=by_area,
        by_sector=_breakdown(rows, "sector"),
        by_type=_breakdown(rows, "cooperative_type"),
        submissions=subs,
        reporting_members=reporting,
        fx_rates=fx,
        fx_source=(
            "Exchange rates are annual averages for the reference year (illustrative rates "
            "for this fictional sample report)."
        ),
        trends=_trends(by_area, missing_years),
        membership_changes=_membership_changes(),
    )


def sample_attachments(data: ReportData) -> list[tuple[str, bytes]]:
    """The statistics as CSV, as the pipeline embeds them (for looking at Annex C)."""
    return [
        ("by_area.csv", data.by_area.write_csv().encode()),
        ("by_sector.csv", data.by_sector.write_csv().encode()),
        ("by_type.csv", data.by_type.write_csv().encode()),
    ]


def main(argv: list[str] | None = None) -> int:
    from reports.render import LANGUAGES, render_pdf

    parser = argparse.ArgumentParser(prog="python -m reports.sample")
    parser.add_argument("out", nargs="?", default="out/sample_report.pdf")
    parser.add_argument("--lang", choices=LANGUAGES, default="en")
    parser.add_argument(
        "--missing",
        type=int,
        action="append",
        default=[],
        help="an earlier year without statistics (repeatable)",
    )
    parser.add_argument("--attach", action="store_true", help="embed the statistics CSVs")
    args = parser.parse_args(argv)
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = sample_report_data(missing_years=tuple(args.missing))
    attachments = sample_attachments(data) if args.attach else ()
    target.write_bytes(render_pdf(data, lang=args.lang, attachments=attachments))
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
