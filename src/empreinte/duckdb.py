"""Request-log impacts in DuckDB SQL, with the estimator ``empreinte estimate log`` uses.

Two ways, the same numbers as the command line (tested):

- :func:`register` adds a SQL function over Arrow vectors,
  ``empreinte_impacts(model, input_tokens, output_tokens, zone)`` → a ``STRUCT`` of
  ``grid_zone`` and energy (Wh), GWP (gCO2e) and water (mL) with ``_low``/``_high`` bounds,
  null where a row cannot be estimated. ``zone`` may be ``NULL`` (then ``location``, given to
  :func:`register`, or the default). DuckDB calls it per vector of 2,048 rows: simple, and
  slower than :func:`impacts` on whole tables.
- :func:`impacts` turns any query into a relation of per-row impacts estimated in large Arrow
  batches (the streaming path's speed); register it as a view and query it with SQL.

::

    import duckdb, empreinte.duckdb
    con = duckdb.connect()
    empreinte.duckdb.register(con, location="FRA")
    con.sql("SELECT model, sum(i.energy_wh) / 1e3 AS kwh FROM ("
            "  SELECT model, empreinte_impacts(model, input_tokens, output_tokens, zone) AS i"
            "  FROM 'requests.parquet') GROUP BY model")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from empreinte.ranges import Range

__all__ = ["impacts", "register"]

_IMPACTS = tuple(
    f"{q}{s}" for q in ("energy_wh", "gwp_gco2e", "water_ml") for s in ("", "_low", "_high")
)


def _options(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def register(
    con: Any,
    *,
    name: str = "empreinte_impacts",
    hardware: str = "nvidia-h100-sxm",
    location: str | None = None,
    pue: Range | float | None = None,
    batch: float | None = None,
    task: str = "lm-arena-chat",
    **more: Any,
) -> None:
    """Register ``name(model, input_tokens, output_tokens, zone)`` on a DuckDB connection.

    The options are :func:`empreinte.estimate.estimate_log`'s (``more``: any others it takes).
    """
    import duckdb
    import pyarrow as pa

    from empreinte.estimate.logbatch import estimate_batch, impact_columns, zone_column

    options = _options(hardware=hardware, location=location, pue=pue, batch=batch, task=task)
    options |= more

    def udf(model: Any, input_tokens: Any, output_tokens: Any, zone: Any) -> Any:
        cols = {"model": model, "output_tokens": output_tokens}
        if input_tokens.null_count < len(input_tokens):
            cols["input_tokens"] = input_tokens
        if zone.null_count < len(zone):
            cols["zone"] = zone
        le = estimate_batch(pa.table(cols), **options)
        out = {"grid_zone": zone_column(le)}
        out |= impact_columns(le)
        return pa.StructArray.from_arrays(list(out.values()), names=list(out))

    struct = duckdb.struct_type({"grid_zone": "VARCHAR"} | dict.fromkeys(_IMPACTS, "DOUBLE"))
    con.create_function(
        name,
        udf,
        ["VARCHAR", "DOUBLE", "DOUBLE", "VARCHAR"],
        struct,
        type="arrow",
        null_handling="special",
    )


def impacts(
    con: Any, query: str, *, batch_rows: int = 1 << 19, workers: int | None = None, **options: Any
) -> Any:
    """A relation of per-row impacts of ``query``'s rows, estimated in Arrow batches.

    ``query`` is SQL returning log columns (``model``, ``output_tokens``...); the relation has
    them, then ``day`` (when there is a ``timestamp``), ``grid_zone`` and the impacts. It is a
    stream, read once: ``con.register("impacts", rel)`` or ``rel.to_table("impacts")``.
    Batches are estimated on ``workers`` threads (two by default) while DuckDB reads on.
    ``options`` are :func:`empreinte.estimate.estimate_log`'s.
    """
    import pyarrow as pa

    from empreinte.errors import EstimateError
    from empreinte.estimate.logbatch import (
        day_column,
        estimate_batch,
        impact_columns,
        zone_column,
    )
    from empreinte.estimate.logstream import map_batches

    source = con.cursor()  # its own connection to the database: its result stays open
    reader = source.sql(query).to_arrow_reader(batch_rows)

    def out(batch: Any) -> Any:
        le = estimate_batch(batch, **options)
        cols = dict(zip(batch.schema.names, batch.columns, strict=True))
        if "timestamp" in cols and "day" not in cols:
            cols["day"] = day_column(le)
        cols["grid_zone"] = zone_column(le)
        return pa.RecordBatch.from_pydict(cols | impact_columns(le))

    first = next(iter(reader), None)
    if first is None:
        raise EstimateError("the query returned no row")
    head = out(first)

    def batches() -> Iterator[Any]:
        yield head
        rest = (b for b in reader if b.num_rows)
        for _, batch in map_batches(rest, out, workers or min(2, os.cpu_count() or 1)):
            yield batch

    return con.from_arrow(pa.RecordBatchReader.from_batches(head.schema, batches()))
