"""SDMX for the ILO and statistical offices (SPEC 3 "statistics/sdmx/").

Two files from the published frames, data in and bytes out:

- ``CICOPA_COOP_<year>.csv``, SDMX-CSV 1.0: ``DATAFLOW, AREA, MEASURE, TIME_PERIOD,
  OBS_VALUE, OBS_STATUS``, one observation per row, one series per area × measure of
  by_area.csv (measure codes as its columns, upper case) and of estimates.csv (the
  reported-plus-imputed figures with an ``_EST`` suffix, and the imputation counts).
  ``OBS_STATUS`` is ``A`` for a reported value and ``E`` for a value that includes an
  estimate for non-response (an estimates figure of an area where a member was imputed).
  A missing value (nobody reported women, say) is no observation, never an empty one.
- ``CICOPA_COOP_<year>_structure.xml``, an SDMX-ML 2.1 structure message: the codelists
  of area, measure and observation status, the concept scheme, the data structure
  definition (dimensions AREA, MEASURE, TIME_PERIOD; attribute OBS_STATUS; primary
  measure OBS_VALUE) and the dataflow ``CICOPA:COOP(1.0)`` the CSV names.

The same frames give the same bytes: the message's preparation time is the date passed
in, never the clock.
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape, quoteattr

import polars as pl

from cicopa.outputs import csv_bytes, neutralise_formulas
from cicopa.settings import (
    SDMX_AGENCY,
    SDMX_DATAFLOW,
    SDMX_VERSION,
    sdmx_data_file_name,
    sdmx_structure_file_name,
)

DATAFLOW_REF = f"{SDMX_AGENCY}:{SDMX_DATAFLOW}({SDMX_VERSION})"
DSD_ID = f"DSD_{SDMX_DATAFLOW}"
CONCEPTS_ID = f"CS_{SDMX_DATAFLOW}"
CSV_COLUMNS = ("DATAFLOW", "AREA", "MEASURE", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS")
STATUS_NAMES = {"A": "Normal value (reported by members)", "E": "Estimated value"}

# by_area.csv column -> (measure code, English name); every one is a reported value.
REPORTED: dict[str, tuple[str, str]] = {
    "members_registered": ("MEMBERS_REGISTERED", "Members registered"),
    "members_reporting": ("MEMBERS_REPORTING", "Members with an accepted submission"),
    "response_rate": ("RESPONSE_RATE", "Response rate (fraction)"),
    "countries_reporting": ("COUNTRIES_REPORTING", "Countries of reporting members"),
    "enterprises": ("ENTERPRISES", "Enterprises (affiliated cooperatives)"),
    "worker_members": ("WORKER_MEMBERS", "Worker-members"),
    "employees": ("EMPLOYEES", "Employees who are not members"),
    "producer_members": ("PRODUCER_MEMBERS", "Producer-members"),
    "employment_in_cooperatives": ("EMPLOYMENT_IN_COOPERATIVES",
                                   "Employment in cooperatives (ILO, 20th ICLS)"),
    "employment_total": ("EMPLOYMENT_TOTAL", "Persons employed"),
    "women": ("WOMEN", "Women among persons employed (rows reporting women)"),
    "women_share": ("WOMEN_SHARE", "Women's share of persons employed (fraction)"),
    "turnover_usd": ("TURNOVER_USD", "Turnover in US dollars"),
    "new_enterprises": ("NEW_ENTERPRISES", "Cooperatives created during the year"),
    "transfers": ("TRANSFERS", "Businesses transferred to their employees"),
}  # fmt: skip
# estimates.csv column -> (measure code, English name, whether the value is an estimate).
ESTIMATED: dict[str, tuple[str, str, bool]] = {
    "members_imputed": ("MEMBERS_IMPUTED", "Members estimated for non-response", False),
    "members_not_estimated": ("MEMBERS_NOT_ESTIMATED",
                              "Non-reporting members not estimated", False),
    "enterprises": ("ENTERPRISES_EST", "Enterprises, with estimates", True),
    "worker_members": ("WORKER_MEMBERS_EST", "Worker-members, with estimates", True),
    "employees": ("EMPLOYEES_EST", "Employees who are not members, with estimates", True),
    "producer_members": ("PRODUCER_MEMBERS_EST", "Producer-members, with estimates", True),
    "employment_in_cooperatives": ("EMPLOYMENT_IN_COOPERATIVES_EST",
                                   "Employment in cooperatives, with estimates", True),
    "employment_total": ("EMPLOYMENT_TOTAL_EST", "Persons employed, with estimates", True),
    "employment_total_imputed": ("EMPLOYMENT_TOTAL_IMPUTED",
                                 "Persons employed, estimated part", True),
    "imputed_share": ("IMPUTED_SHARE", "Estimated share of persons employed (fraction)", True),
}  # fmt: skip
# Rounded as in the published CSVs, so an observation is the CSV's value, digit for digit.
DECIMALS = {"response_rate": 4, "women_share": 4, "imputed_share": 4, "turnover_usd": 2}


def _as_text(column: str) -> pl.Expr:
    if column in DECIMALS:
        d = DECIMALS[column]
        return pl.col(column).cast(pl.Float64).round(d).cast(pl.Decimal(38, d)).cast(pl.String)
    return pl.col(column).cast(pl.Int64).cast(pl.String)


def _long(
    frame: pl.DataFrame, measures: dict[str, str], status: pl.Expr | dict[str, pl.Expr]
) -> pl.DataFrame:
    """One row per area and measure with a value, in the frame's area order."""
    wide = frame.with_row_index("_area_order").select(
        "_area_order",
        "area_code",
        *(_as_text(c).alias(code) for c, code in measures.items()),
        *(
            (status[c] if isinstance(status, dict) else status).alias(f"_status_{code}")
            for c, code in measures.items()
        ),
    )
    parts = [
        wide.select(
            "_area_order",
            pl.lit(i, pl.Int64).alias("_measure_order"),
            pl.col("area_code").alias("AREA"),
            pl.lit(code).alias("MEASURE"),
            pl.col(code).alias("OBS_VALUE"),
            pl.col(f"_status_{code}").alias("OBS_STATUS"),
        )
        for i, code in enumerate(measures.values())
    ]
    return pl.concat(parts).drop_nulls("OBS_VALUE")


def observations(
    year: int, by_area: pl.DataFrame, estimates: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The SDMX-CSV rows (CSV_COLUMNS): reported series first, then the estimates."""
    parts = [
        _long(by_area, {c: code for c, (code, _n) in REPORTED.items()}, pl.lit("A"))
        .with_columns(pl.lit(0).alias("_source"))
    ]  # fmt: skip
    if estimates is not None:
        imputed = pl.col("members_imputed") > 0
        status = {
            c: pl.when(imputed & is_estimate).then(pl.lit("E")).otherwise(pl.lit("A"))
            for c, (_code, _n, is_estimate) in ESTIMATED.items()
        }
        measures = {c: code for c, (code, _n, _e) in ESTIMATED.items()}
        parts.append(_long(estimates, measures, status).with_columns(pl.lit(1).alias("_source")))
    rows = pl.concat(parts).sort("_area_order", "_source", "_measure_order")
    return rows.select(
        pl.lit(DATAFLOW_REF).alias("DATAFLOW"),
        "AREA",
        "MEASURE",
        pl.lit(str(year)).alias("TIME_PERIOD"),
        "OBS_VALUE",
        "OBS_STATUS",
    )


def data_csv_bytes(rows: pl.DataFrame) -> bytes:
    """SDMX-CSV 1.0 with the project's CSV conventions (text cells formula-safe)."""
    # Codes are SDMX IDs and never begin so; this is the rule every CSV here follows.
    safe = neutralise_formulas(rows)
    return csv_bytes(safe.select(CSV_COLUMNS))


# --- the structure message -------------------------------------------------------------

_NS = (
    'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
    'xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" '
    'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"'
)


def _name(text: str, indent: str) -> str:
    return f'{indent}<com:Name xml:lang="en">{escape(text)}</com:Name>\n'


def _codelist(cl_id: str, name: str, codes: list[tuple[str, str]]) -> str:
    out = (
        f'      <str:Codelist id="{cl_id}" agencyID="{SDMX_AGENCY}" version="{SDMX_VERSION}">\n'
        + _name(name, "        ")
    )
    for code, code_name in codes:
        out += f"        <str:Code id={quoteattr(code)}>\n"
        out += _name(code_name, "          ")
        out += "        </str:Code>\n"
    return out + "      </str:Codelist>\n"


def _concept_ref(concept: str) -> str:
    return (
        f'<Ref id="{concept}" maintainableParentID="{CONCEPTS_ID}" '
        f'maintainableParentVersion="{SDMX_VERSION}" agencyID="{SDMX_AGENCY}" '
        'package="conceptscheme" class="Concept"/>'
    )


def _enumeration(cl_id: str) -> str:
    return (
        "<str:LocalRepresentation><str:Enumeration>"
        f'<Ref id="{cl_id}" version="{SDMX_VERSION}" agencyID="{SDMX_AGENCY}" '
        'package="codelist" class="Codelist"/>'
        "</str:Enumeration></str:LocalRepresentation>"
    )


def measure_codes() -> list[tuple[str, str]]:
    """Every measure code with its English name, reported ones first."""
    return [*REPORTED.values(), *((code, name) for code, name, _e in ESTIMATED.values())]


def structure_bytes(year: int, by_area: pl.DataFrame, prepared: date) -> bytes:
    """The SDMX-ML 2.1 structure message for the year's data file."""
    areas = [(code, name or code) for code, name in by_area.select("area_code", "area_name").rows()]
    concepts = {
        "AREA": "Area (World, ICA region, CICOPA sub-region, country ISO 3166-1 alpha-2)",
        "MEASURE": "Measure",
        "TIME_PERIOD": "Reference year",
        "OBS_VALUE": "Observation value",
        "OBS_STATUS": "Observation status",
    }
    dim = "str:Dimension"
    xml = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<mes:Structure {_NS}>\n",
        "  <mes:Header>\n",
        f"    <mes:ID>CICOPA_COOP_{year}_STRUCTURE</mes:ID>\n",
        "    <mes:Test>false</mes:Test>\n",
        f"    <mes:Prepared>{prepared.isoformat()}T00:00:00Z</mes:Prepared>\n",
        f'    <mes:Sender id="{SDMX_AGENCY}"/>\n',
        "  </mes:Header>\n",
        "  <mes:Structures>\n",
        "    <str:Dataflows>\n",
        f'      <str:Dataflow id="{SDMX_DATAFLOW}" agencyID="{SDMX_AGENCY}" '
        f'version="{SDMX_VERSION}">\n',
        _name("Cooperatives federated by CICOPA members: enterprises and employment", "        "),
        f'        <str:Structure><Ref id="{DSD_ID}" version="{SDMX_VERSION}" '
        f'agencyID="{SDMX_AGENCY}" package="datastructure" class="DataStructure"/>'
        "</str:Structure>\n",
        "      </str:Dataflow>\n",
        "    </str:Dataflows>\n",
        "    <str:Codelists>\n",
        _codelist("CL_AREA", "Areas", areas),
        _codelist("CL_MEASURE", "Measures", measure_codes()),
        _codelist("CL_OBS_STATUS", "Observation status", list(STATUS_NAMES.items())),
        "    </str:Codelists>\n",
        "    <str:Concepts>\n",
        f'      <str:ConceptScheme id="{CONCEPTS_ID}" agencyID="{SDMX_AGENCY}" '
        f'version="{SDMX_VERSION}">\n',
        _name("Concepts of the CICOPA statistics", "        "),
        *(
            f'        <str:Concept id="{c}">\n{_name(n, "          ")}        </str:Concept>\n'
            for c, n in concepts.items()
        ),
        "      </str:ConceptScheme>\n",
        "    </str:Concepts>\n",
        "    <str:DataStructures>\n",
        f'      <str:DataStructure id="{DSD_ID}" agencyID="{SDMX_AGENCY}" '
        f'version="{SDMX_VERSION}">\n',
        _name("CICOPA cooperative statistics", "        "),
        "        <str:DataStructureComponents>\n",
        '          <str:DimensionList id="DimensionDescriptor">\n',
        f'            <{dim} id="AREA" position="1"><str:ConceptIdentity>'
        f"{_concept_ref('AREA')}</str:ConceptIdentity>{_enumeration('CL_AREA')}</{dim}>\n",
        f'            <{dim} id="MEASURE" position="2"><str:ConceptIdentity>'
        f"{_concept_ref('MEASURE')}</str:ConceptIdentity>{_enumeration('CL_MEASURE')}</{dim}>\n",
        '            <str:TimeDimension id="TIME_PERIOD" position="3"><str:ConceptIdentity>'
        f"{_concept_ref('TIME_PERIOD')}</str:ConceptIdentity><str:LocalRepresentation>"
        '<str:TextFormat textType="ObservationalTimePeriod"/></str:LocalRepresentation>'
        "</str:TimeDimension>\n",
        "          </str:DimensionList>\n",
        '          <str:AttributeList id="AttributeDescriptor">\n',
        '            <str:Attribute id="OBS_STATUS" assignmentStatus="Mandatory">'
        f"<str:ConceptIdentity>{_concept_ref('OBS_STATUS')}</str:ConceptIdentity>"
        f"{_enumeration('CL_OBS_STATUS')}<str:AttributeRelationship>"
        '<str:PrimaryMeasure><Ref id="OBS_VALUE"/></str:PrimaryMeasure>'
        "</str:AttributeRelationship></str:Attribute>\n",
        "          </str:AttributeList>\n",
        '          <str:MeasureList id="MeasureDescriptor">\n',
        '            <str:PrimaryMeasure id="OBS_VALUE"><str:ConceptIdentity>'
        f"{_concept_ref('OBS_VALUE')}</str:ConceptIdentity></str:PrimaryMeasure>\n",
        "          </str:MeasureList>\n",
        "        </str:DataStructureComponents>\n",
        "      </str:DataStructure>\n",
        "    </str:DataStructures>\n",
        "  </mes:Structures>\n",
        "</mes:Structure>\n",
    ]
    return "".join(xml).encode()


def sdmx_files(
    year: int,
    by_area: pl.DataFrame,
    estimates: pl.DataFrame | None = None,
    *,
    prepared: date,
) -> dict[str, bytes]:
    """File name (in statistics/sdmx/) -> bytes: the SDMX-CSV data and its structure."""
    return {
        sdmx_data_file_name(year): data_csv_bytes(observations(year, by_area, estimates)),
        sdmx_structure_file_name(year): structure_bytes(year, by_area, prepared),
    }
