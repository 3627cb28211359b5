"""Request-log impacts inside Spark, with the estimator ``empreinte estimate log`` uses.

:func:`estimate_logs` maps a DataFrame of requests (``model``, ``output_tokens`` and optionally
``input_tokens``, ``timestamp``, ``zone``, ``provider``) to a DataFrame of per-row impacts
through Arrow batches (``mapInArrow``): each batch is estimated on the executors by
:func:`empreinte.estimate.logbatch.estimate_batch`, the vectorised per-row estimator of the
single-machine path, so totals agree with it (relative difference ≤ 1e-9, tested).
:func:`log_totals` sums them by any columns.

Output columns: the input's, then ``day`` (when there is a ``timestamp``: its UTC day),
``grid_zone`` (the grid zone used), and energy (Wh), GWP (gCO2e) and water (mL), each with
``_low`` and ``_high`` bounds; null where a row cannot be estimated (never zero).

Executors need ``empreinte[spark]`` installed (``pip install`` on the cluster, a wheel on
``--py-files``, or a Databricks/EMR/Dataproc library); see docs/logs-at-scale.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from empreinte.ranges import Range

__all__ = ["IMPACT_COLUMNS", "estimate_logs", "log_totals", "output_schema"]

#: per-row impact columns added by :func:`estimate_logs`
IMPACT_COLUMNS = tuple(
    f"{q}{s}" for q in ("energy_wh", "gwp_gco2e", "water_ml") for s in ("", "_low", "_high")
)
#: the unit a per-row column is summed into by :func:`log_totals` (Wh → kWh, g → kg, mL → L)
_TOTALS = (("energy_wh", "energy_kwh"), ("gwp_gco2e", "gwp_kgco2e"), ("water_ml", "water_l"))


def _added(names: Sequence[str]) -> list[str]:
    extra = ["day"] if "timestamp" in names and "day" not in names else []
    return [*extra, "grid_zone", *IMPACT_COLUMNS]


def output_schema(schema: Any) -> Any:
    """The Spark schema of :func:`estimate_logs`' result for an input schema."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    fields = list(schema.fields)
    for name in _added(schema.names):
        kind = DoubleType() if name in IMPACT_COLUMNS else StringType()
        fields.append(StructField(name, kind, nullable=True))
    return StructType(fields)


def _impacts(batches: Iterator[Any], options: dict[str, Any]) -> Iterator[Any]:
    """Executor side: one output batch per input batch (input columns passed through)."""
    import pyarrow as pa

    from empreinte.estimate.logbatch import (
        day_column,
        estimate_batch,
        impact_columns,
        zone_column,
    )

    for batch in batches:
        if batch.num_rows == 0:
            continue
        le = estimate_batch(batch, **options)
        added: dict[str, Any] = {}
        if "day" in _added(batch.schema.names):
            added["day"] = day_column(le)
        added["grid_zone"] = zone_column(le)
        added |= impact_columns(le)
        yield pa.RecordBatch.from_arrays(
            [*batch.columns, *added.values()], names=[*batch.schema.names, *added]
        )


def estimate_logs(
    df: Any,
    *,
    hardware: str = "nvidia-h100-sxm",
    location: str | None = None,
    pue: Range | float | None = None,
    batch: float | None = None,
    task: str = "lm-arena-chat",
    **more: Any,
) -> Any:
    """A DataFrame of per-row impacts of the requests in ``df`` (lazy: nothing runs yet).

    The options are :func:`empreinte.estimate.estimate_log`'s (``more``: any others it takes).
    Rows are estimated in Arrow
    batches of ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows (raise it to 100000 or
    more for speed: each batch evaluates the model catalog once).
    """
    options = {"hardware": hardware, "location": location, "pue": pue, "batch": batch}
    options |= {"task": task, **more}
    from empreinte.estimate.logbatch import check_batchable

    check_batchable(options)  # on the driver, before any task fails with it
    schema = output_schema(df.schema)

    def impacts(batches: Iterator[Any]) -> Iterator[Any]:
        return _impacts(batches, options)

    return df.mapInArrow(impacts, schema)


def log_totals(impacts: Any, by: str | Sequence[str] | None = "model") -> Any:
    """Totals of :func:`estimate_logs`' output grouped by ``by`` (``None``: one row).

    Columns: ``requests``, ``estimated`` (rows with an estimate), and ``energy_kwh``,
    ``gwp_kgco2e``, ``water_l`` with ``_low``/``_high``, summed over the estimated rows —
    null for a group where no row could be estimated, never zero. Group by ``grid_zone`` for
    totals by grid zone.
    """
    from pyspark.sql import functions as F

    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    aggs = [F.count(F.lit(1)).alias("requests"), F.count("energy_wh").alias("estimated")]
    for col, total in _TOTALS:
        for s in ("", "_low", "_high"):
            aggs.append((F.sum(f"{col}{s}") / 1e3).alias(f"{total}{s}"))
    grouped = impacts.groupBy(*keys) if keys else impacts.groupBy()
    out = grouped.agg(*aggs)
    return out.orderBy(*keys) if keys else out
