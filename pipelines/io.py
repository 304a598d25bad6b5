"""Intermediate results as files a person can open: Parquet for tables, JSON for the rest.

Every asset output is stored under ``<base>/<asset>/<partition>/``: each polars frame
it holds as its own Parquet file, and ``value.json`` describing the object around them
(dataclasses by field, lists, dicts, scalars, dates; bytes as files beside it). An
auditor can open any intermediate table with polars, DuckDB or a spreadsheet tool; no
pickle is used, so nothing in storage runs code when it is read. Only classes of this
project are rebuilt from ``value.json``.
"""

import dataclasses
import hashlib
import importlib
import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from dagster import ConfigurableIOManager, InputContext, OutputContext

from cicopa.settings import DEFAULT_DAGSTER_HOME
from pipelines.resources import CicopaPaths

# Only the project's own classes are rebuilt from storage.
TRUSTED_PACKAGES = ("cicopa.", "pipelines.", "reports.", "schemas.")
VALUE_FILE = "value.json"
# AssetIn metadata flag: the input spans several years and loads as {year: value}.
BY_YEAR = "cicopa/by_year"


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def _file(self, suffix: str) -> str:
        self.count += 1
        return f"part-{self.count:04d}{suffix}"

    def encode(self, obj: Any) -> Any:
        if isinstance(obj, pl.DataFrame):
            name = self._file(".parquet")
            # Statistics written with compression and without timestamps: same data, same bytes.
            obj.write_parquet(self.folder / name, statistics=False)
            return {"$frame": name}
        if isinstance(obj, bytes):
            name = self._file(".bin")
            (self.folder / name).write_bytes(obj)
            return {"$bytes": name}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            cls = type(obj)
            return {
                "$dataclass": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {
                    f.name: self.encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                },
            }
        if isinstance(obj, tuple):
            return {"$tuple": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, dict):
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, datetime):
            return {"$datetime": obj.isoformat()}
        if isinstance(obj, date):
            return {"$date": obj.isoformat()}
        if isinstance(obj, Path):
            return {"$path": str(obj)}
        if obj is None or isinstance(obj, str | int | float | bool):
            return obj
        raise TypeError(f"cannot store a {type(obj).__name__} as Parquet/JSON")


def _trusted_class(spec: str) -> type:
    module, _, name = spec.partition(":")
    if not module.startswith(TRUSTED_PACKAGES):
        raise ValueError(f"refusing to rebuild {spec!r} from storage: not a class of the project")
    value: Any = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    return value


def _decode(folder: Path, node: Any) -> Any:
    if isinstance(node, list):
        return [_decode(folder, v) for v in node]
    if not isinstance(node, dict):
        return node
    if "$frame" in node:
        return pl.read_parquet(folder / node["$frame"])
    if "$bytes" in node:
        return (folder / node["$bytes"]).read_bytes()
    if "$dataclass" in node:
        cls = _trusted_class(node["$dataclass"])
        fields = {k: _decode(folder, v) for k, v in node["fields"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in fields.items() if k in init})
        for key in fields.keys() - init:
            object.__setattr__(obj, key, fields[key])
        return obj
    if "$tuple" in node:
        return tuple(_decode(folder, v) for v in node["$tuple"])
    if "$dict" in node:
        return {_decode(folder, k): _decode(folder, v) for k, v in node["$dict"]}
    if "$datetime" in node:
        return datetime.fromisoformat(node["$datetime"])
    if "$date" in node:
        return date.fromisoformat(node["$date"])
    if "$path" in node:
        return Path(node["$path"])
    raise ValueError(f"unknown stored value {sorted(node)}")


def store(obj: Any, folder: Path) -> None:
    """Write `obj` into `folder` (replaced whole), as Parquet files and value.json."""
    staging = folder.with_name(folder.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    tree = _Writer(staging).encode(obj)
    (staging / VALUE_FILE).write_text(json.dumps(tree, indent=1, sort_keys=True) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def load(folder: Path) -> Any:
    return _decode(folder, json.loads((folder / VALUE_FILE).read_text()))


def storage_folder(raw_data: Path, asset: list[str], partition: str | None) -> Path:
    """Where an asset partition built from `raw_data` is stored under the instance.

    Keyed by the raw-data folder: years built from another folder (a test, a copy) are
    never mixed into this folder's trends, estimates or warnings.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)
    source = hashlib.sha256(str(raw_data.resolve()).encode()).hexdigest()[:16]
    return home.joinpath("storage", "assets", source, *asset, partition or "all")


class ParquetIOManager(ConfigurableIOManager):
    """Stores asset outputs as Parquet (tables) and JSON (the rest) under the instance.

    An input spanning several partitions (earlier reference years) loads as a dict from
    the year to its value; a year never materialised is simply absent from it.
    """

    @staticmethod
    def _raw_data(context: InputContext | OutputContext) -> Path:
        # The raw-data folder of this run, resolved as its `paths` resource resolves it:
        # from the run config (`cicopa build --raw-data`), else from the environment.
        run_config = context.step_context.dagster_run.run_config or {}
        given = run_config.get("resources", {}).get("paths", {}).get("config", {})
        return CicopaPaths(**given).raw_data_dir

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if obj is None:
            return  # MaterializeResult assets hold nothing to pass on
        partition = context.partition_key if context.has_partition_key else None
        folder = storage_folder(self._raw_data(context), list(context.asset_key.path), partition)
        store(obj, folder)
        context.add_output_metadata({"stored at": str(folder)})

    def load_input(self, context: InputContext) -> Any:
        key = list(context.asset_key.path)
        raw = self._raw_data(context)
        if not context.has_asset_partitions:
            return load(storage_folder(raw, key, None))
        if not (context.definition_metadata or {}).get(BY_YEAR):
            return load(storage_folder(raw, key, context.asset_partition_key))
        # A window of earlier years: what exists, by year.
        return {
            int(k): load(storage_folder(raw, key, k))
            for k in context.asset_partition_keys
            if (storage_folder(raw, key, k) / VALUE_FILE).is_file()
        }
