"""Whether every check of a pandera model holds on a frame, in one polars query.

pandera runs each check as its own query and builds its failure cases as it goes:
about 2 ms a check, paid even when the data are clean, which is the usual case (a
member's file, the reference tables). `holds` reads the same checks off the model
(their own functions, not copies of them) and decides them all in one `collect`.
It only ever answers "every check holds": on any failure, or on a feature of the
model it does not decide, the caller runs pandera itself, which then words every
failure exactly as before. So a file is refused, and with which message, by pandera
alone; this only skips pandera's bookkeeping when there is nothing to refuse.
"""

from __future__ import annotations

import polars as pl
from pandera.api.checks import Check
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend
from pandera.config import CONFIG
from pandera.constants import CHECK_OUTPUT_KEY


def holds(model: type, frame: pl.DataFrame) -> bool:
    """True only when pandera's `model.validate(frame)` would pass and return `frame`."""
    if CONFIG.use_narwhals_backend:
        return False  # another engine runs the checks: let pandera decide
    schema = model.to_schema()
    schema.register_default_backends(pl.LazyFrame)  # what `validate` does first
    if (
        schema.coerce
        or schema.ordered
        or schema.add_missing_columns
        or schema.strict == "filter"
        or schema.dtype is not None
        or getattr(schema, "parsers", None)
        or len(set(frame.columns)) != len(frame.columns)
    ):
        return False  # pandera transforms or judges the frame as a whole: let it decide
    names = frame.schema
    if schema.strict and set(names) - set(schema.columns):
        return False
    lazy = frame.lazy()
    verdicts: list[pl.LazyFrame] = []
    totals: list[pl.Expr] = []
    for name, column in schema.columns.items():
        if (
            column.regex
            or column.coerce
            or getattr(column, "default", None) is not None
            or getattr(column, "parsers", None)
        ):
            return False
        if name not in names:
            if column.required:
                return False
            continue
        data = PolarsData(lazy.select(name), name)
        if column.dtype is not None and not column.dtype.check(names[name], data):
            return False
        if not column.nullable:
            present = pl.col(name).is_not_null()
            if names[name].is_float():
                present &= pl.col(name).is_not_nan()
            totals.append(present.all().alias(f"_present_{name}"))
        if column.unique:
            totals.append(pl.col(name).is_unique().all().alias(f"_unique_{name}"))
        for check in column.checks:
            verdicts.append(_verdict(check, PolarsData(lazy, name)))
    for check in schema.checks:
        verdicts.append(_verdict(check, PolarsData(lazy, "*")))
    if schema.unique:
        keys = [schema.unique] if all(isinstance(k, str) for k in schema.unique) else schema.unique
        for number, key in enumerate(keys):
            present = [k for k in key if k in names]
            unique = pl.struct(present).is_unique().all() if present else pl.lit(True)
            totals.append(unique.alias(f"_unique_key_{number}"))
    try:
        columns = lazy.select(pl.lit(True).alias("_columns"), *totals)
        named = [v.select(pl.first().alias(f"_check_{i}")) for i, v in enumerate(verdicts)]
        answers = pl.concat([columns, *named], how="horizontal")
        return all(answers.collect().row(0))
    except Exception:  # a check that cannot even run: pandera reports it as a failure
        return False


def _verdict(check: Check, data: PolarsData) -> pl.LazyFrame:
    """One check's pass/fail as a one-row frame, with pandera's own treatment of nulls."""
    if check.element_wise or check.groupby is not None:
        return pl.LazyFrame({CHECK_OUTPUT_KEY: [False]})  # not decided here
    # As `Check.__call__` does: a built-in check's function is looked up again, so the
    # polars implementation registered since the model was defined is the one that runs.
    builtin = getattr(check._check_fn, "__name__", None)
    if builtin is not None and check.is_builtin_check(builtin):
        check._check_fn = check.get_builtin_check_fn(builtin)
    try:
        backend = check.get_backend(data.lazyframe)(check)
        if not isinstance(backend, PolarsCheckBackend):
            return pl.LazyFrame({CHECK_OUTPUT_KEY: [False]})
        out = backend.apply(data)
    except Exception:
        return pl.LazyFrame({CHECK_OUTPUT_KEY: [False]})
    if isinstance(out, bool):
        return pl.LazyFrame({CHECK_OUTPUT_KEY: [out]})
    result = pl.col(CHECK_OUTPUT_KEY)
    result = result | result.is_null() if check.ignore_na else result.fill_null(False)
    return out.select(result.all())
