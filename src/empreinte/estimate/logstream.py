"""Request logs of any size on one machine: DuckDB reads, the estimator runs batch by batch.

:func:`stream_log` reads a CSV, JSONL or Parquet log — a file, a directory (every file of the
format under it, Hive partitions included) or a glob — with DuckDB as the embedded engine, in
Arrow batches of ``batch_rows`` rows; each batch is estimated by :func:`.logbatch.estimate_batch`
(the in-memory estimator, unchanged) on a small pool of threads while DuckDB reads the next,
its totals are added to a :class:`.logbatch.LogTotals`, and its per-row output, when asked,
is written out at once (Parquet file, CSV file, or a partitioned Parquet dataset). Memory is
bounded by the batch size and the number of batches in flight, not by the log's size.

DuckDB's errors are translated here, at the boundary, into :class:`ConfigError`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError, EstimateError
from empreinte.estimate.logbatch import (
    LOG_COLUMNS,
    LogTotals,
    check_batchable,
    estimate_batch,
    rows_table,
)

__all__ = ["DEFAULT_BATCH_ROWS", "LogSource", "map_batches", "open_log", "stream_log"]

DEFAULT_BATCH_ROWS = 1 << 19
_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
}
_READERS = {
    "parquet": "read_parquet(?, union_by_name = true)",
    "csv": "read_csv(?, header = true, union_by_name = true)",
    "json": "read_json(?, format = 'newline_delimited', union_by_name = true)",
}


def _format(name: str) -> tuple[str, str] | None:
    low = name.lower()
    for comp in (".gz", ".zst"):
        low = low.removesuffix(comp)
    suffix = Path(low).suffix
    fmt = _FORMATS.get(suffix)
    return None if fmt is None else (fmt, name[len(low) - len(suffix) :])


def _resolve(source: str | Path) -> tuple[str, str]:
    """(format, DuckDB path or glob) of a file, a directory or a glob."""
    s = str(source)
    if any(ch in s for ch in "*?["):
        found = _format(s)
        if found is None:
            raise ConfigError(f"unknown log format in {s!r}: use .csv, .jsonl or .parquet")
        return found[0], s
    p = Path(s)
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file() and not f.name.startswith((".", "_")) and (found := _format(f.name)):
                return found[0], f"{p}/**/*{found[1]}"
        raise ConfigError(f"no CSV, JSONL or Parquet file under {p}")
    if not p.exists():
        raise ConfigError(f"no such file: {p}")
    found = _format(p.name)
    if found is None:
        raise ConfigError(f"unknown log format {p.suffix!r}: use .csv, .jsonl or .parquet")
    return found[0], s


def _duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class LogSource:
    """An open log: its format, columns, row count where cheap (Parquet), and its batches."""

    name: str
    format: str
    columns: list[str]
    total_rows: int | None
    _con: Any
    _sql: str
    _path: str

    def batches(self, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Any]:
        """Arrow record batches of at most ``batch_rows`` rows (DuckDB errors translated)."""
        err = _duckdb_error()
        try:
            reader = self._con.sql(self._sql, params=[self._path]).to_arrow_reader(batch_rows)
            for batch in reader:
                if batch.num_rows:
                    yield batch
        except (err, OSError) as exc:
            raise ConfigError(f"cannot read log {self.name}: {_one_line(exc)}") from exc

    def close(self) -> None:
        self._con.close()


def open_log(
    source: str | Path, *, threads: int | None = None, memory_limit: str = "512MB"
) -> LogSource:
    """Open a log with DuckDB (never downloading an extension); reads only the log columns."""
    import duckdb

    fmt, path = _resolve(source)
    config: dict[str, str | bool | int | float | list[str]] = {
        "threads": threads or min(2, os.cpu_count() or 1),
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
    }
    con = duckdb.connect(config=config)
    with suppress(duckdb.Error):  # without ICU, timestamps with a zone are UTC instants anyway
        con.execute("SET TimeZone = 'UTC'")
    reader = _READERS[fmt]
    try:
        cols = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {reader}", params=[path]).fetchall()]
        keep = [c for c in cols if c in LOG_COLUMNS]
        if not keep:
            raise EstimateError(f"the log has no 'model' column (columns: {sorted(cols)})")
        exprs = [_quote(c) for c in keep]
        if fmt == "parquet":  # text keys as enums: Arrow dictionaries, no hashing per batch
            types = dict(
                con.sql(
                    f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {reader})",
                    params=[path],
                ).fetchall()
            )
            exprs = [
                _as_enum(con, c, reader, path)
                if types.get(c) == "VARCHAR" and c in _TEXT_KEYS
                else _quote(c)
                for c in keep
            ]
        sql = f"SELECT {', '.join(exprs)} FROM {reader}"
        total = None
        if fmt == "parquet":  # from the footers, without reading the data
            rows = con.sql(f"SELECT count(*) FROM {reader}", params=[path]).fetchall()
            total = int(rows[0][0])
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(f"cannot read log {source}: {_one_line(exc)}") from exc
    except EstimateError:
        con.close()
        raise
    return LogSource(str(source), fmt, keep, total, con, sql, path)


_TEXT_KEYS = ("model", "zone", "provider")
_MAX_ENUM = 1 << 16


def _as_enum(con: Any, col: str, reader: str, path: str) -> str:
    """``col`` cast to an enum of its distinct values (a dictionary in Arrow), or as it is when
    it has more than 65,536 of them."""
    q = _quote(col)
    values = con.sql(
        f"SELECT DISTINCT {q} FROM {reader} WHERE {q} IS NOT NULL LIMIT {_MAX_ENUM + 1}",
        params=[path],
    ).fetchall()
    if not values or len(values) > _MAX_ENUM:
        return q
    name = f"empreinte_{col}"
    members = ", ".join("'" + str(v[0]).replace("'", "''") + "'" for v in values)
    con.execute(f"CREATE TYPE {name} AS ENUM ({members})")
    return f"{q}::{name} AS {q}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def map_batches(
    batches: Iterator[Any], work: Callable[[Any], Any], workers: int
) -> Iterator[tuple[int, Any]]:
    """``work`` over the batches on ``workers`` threads, in order, a bounded number in flight.

    The first batch runs alone, on this thread: it loads the catalogs (lazily, once) before
    any worker thread needs them.
    """
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return
    yield first.num_rows, work(first)
    if workers <= 1:
        for b in batches:
            yield b.num_rows, work(b)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="empreinte-log") as pool:
        pending: deque[tuple[int, Any]] = deque()
        for b in batches:
            pending.append((b.num_rows, pool.submit(work, b)))
            if len(pending) > workers:
                n, fut = pending.popleft()
                yield n, fut.result()
        while pending:
            n, fut = pending.popleft()
            yield n, fut.result()


class _RowsWriter:
    """Per-row output, written batch by batch: ``.csv``, ``.parquet``, or a directory of
    Parquet files partitioned by ``partition_by`` (Hive style: ``day=2026-01-01/...``)."""

    def __init__(self, path: Path, partition_by: str | None) -> None:
        self.path = path
        self.partition_by = partition_by
        self.kind = {".csv": "csv", ".parquet": "parquet"}.get(path.suffix.lower(), "dataset")
        self._writer: Any = None
        self._part = 0

    def write(self, table: Any) -> None:
        import pyarrow as pa

        if self.kind == "csv":  # as the in-memory path writes it: 7 digits are ample
            floats = [
                pa.float32() if pa.types.is_floating(f.type) else f.type for f in table.schema
            ]
            table = table.cast(
                pa.schema([f.with_type(t) for f, t in zip(table.schema, floats, strict=True)])
            )
        if self.kind == "dataset":
            self._write_part(table)
            return
        if self._writer is None:
            if self.kind == "csv":
                import pyarrow.csv as pc

                self._writer = pc.CSVWriter(self.path, table.schema)
            else:
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)

    def _write_part(self, table: Any) -> None:
        import pyarrow.dataset as ds

        part = self.partition_by if self.partition_by in table.column_names else None
        ds.write_dataset(
            table,
            self.path,
            format="parquet",
            partitioning=[part] if part else None,
            partitioning_flavor="hive" if part else None,
            basename_template=f"part-{self._part:06d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        self._part += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def stream_log(
    source: str | Path,
    *,
    rows_out: str | Path | None = None,
    partition_by: str | None = "day",
    batch_rows: int = DEFAULT_BATCH_ROWS,
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    **options: Any,
) -> LogTotals:
    """Estimate a log of any size; returns its totals (see :class:`.logbatch.LogTotals`).

    ``options`` are :func:`.logs.estimate_log`'s (``hardware``, ``location``, ``pue``...).
    ``rows_out`` writes per-row results as they come: a ``.csv`` or ``.parquet`` file, or else
    a directory of Parquet files partitioned by ``partition_by`` (``None``: not partitioned).
    ``progress(rows_done, total_rows_or_None)`` is called after each batch.
    """
    from empreinte.estimate.logs import check_log_options

    check_batchable(options)
    # checked before reading: a log without rows would otherwise never check them
    check_log_options(grid_gwp=options.get("grid_gwp"))
    workers = workers or min(2, os.cpu_count() or 1)
    totals = LogTotals()
    with ExitStack() as stack:
        log = open_log(source)
        stack.callback(log.close)
        writer = None
        if rows_out is not None:
            writer = _RowsWriter(Path(rows_out), partition_by)
            stack.callback(writer.close)
        empty_text = log.format == "csv"

        def work(batch: Any) -> tuple[LogTotals, Any]:
            le = estimate_batch(batch, empty_text=empty_text, **options)
            return LogTotals.of(le), (rows_table(le) if writer is not None else None)

        done = 0
        for n, (part, table) in map_batches(log.batches(batch_rows), work, workers):
            totals.merge(part)
            if writer is not None:
                try:
                    writer.write(table)
                except OSError as exc:
                    raise ConfigError(f"cannot write {rows_out}: {_one_line(exc)}") from exc
            done += n
            if progress is not None:
                progress(done, log.total_rows)
    return totals
