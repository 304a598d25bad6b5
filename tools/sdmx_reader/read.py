"""Read the project's SDMX files with sdmx1 and print what a partner's tool sees, as JSON.

Usage: python read.py STRUCTURE.xml DATA.csv (in the environment of this folder's
pyproject.toml). sdmx1 reads SDMX-ML structure messages, not SDMX-CSV 1.0: the data
file is read with the csv module, and every observation is put into an sdmx1 DataSet
of the structure, which fails on a key or status the structure does not define.
Standard library and sdmx1 only: nothing of the project is imported.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import sdmx
from sdmx.model import common, v21


def read(structure_path: Path, data_path: Path) -> dict[str, object]:
    with structure_path.open("rb") as stream:
        structure = sdmx.read_sdmx(stream)
    (flow,) = structure.dataflow.values()
    dsd = flow.structure
    dimensions = [d.id for d in dsd.dimensions.components]
    status = dsd.attributes.get("OBS_STATUS")
    codes = status.local_representation.enumerated

    def flag(code: str) -> common.AttributeValue:
        return common.AttributeValue(value_for=status, value=codes[code])

    with data_path.open(newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    dataset = v21.DataSet(structured_by=dsd, described_by=flow)
    dataset.add_obs(
        v21.Observation(
            dimension=dsd.make_key(common.Key, {d: row[d] for d in dimensions}),
            value=float(row["OBS_VALUE"]),
            value_for=dsd.measures[0],
            attached_attribute={"OBS_STATUS": flag(row["OBS_STATUS"])},
        )
        for row in rows
    )
    return {
        "dataflow": f"{flow.maintainer.id}:{flow.id}({flow.version})",
        "structure_is_DSD_COOP": dsd is structure.structure["DSD_COOP"],
        "dimensions": dimensions,
        "codelists": {
            d.id: [c.id for c in d.local_representation.enumerated]
            for d in dsd.dimensions.components
            if d.local_representation.enumerated is not None
        },
        "OBS_STATUS": [c.id for c in codes],
        "areas": [[c.id, str(c.name)] for c in structure.codelist["CL_AREA"]],
        "prepared": structure.header.prepared.date().isoformat(),
        "observations_in_dataset": len(dataset.obs),
    }


if __name__ == "__main__":
    print(json.dumps(read(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False))
