"""Read and validate ``labels.csv`` and ``verdicts.csv`` into typed Arrow tables.

Both files are hand-offs between separate tools (simulator, scanner, analyst), so every value
is checked and an error names the file, line and column: a metric computed from a silently
mis-parsed file would be worse than no metric.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from distillguard.events.errors import EventError
from distillguard.events.timestamps import parse_ts

ACTIONS = ("allow", "monitor", "throttle", "verify", "block")

# ``campaign`` is null for benign accounts (empty in the CSV).
_LABEL_FIELDS: list[pa.Field[Any]] = [
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("population", pa.string(), nullable=False),
    pa.field("campaign", pa.string()),
    pa.field("is_attack", pa.bool_(), nullable=False),
    pa.field("attack_exchanges", pa.int64(), nullable=False),
]
LABEL_SCHEMA = pa.schema(_LABEL_FIELDS)

# ``campaign_id`` and ``first_flagged_at`` are null when empty in the CSV; ``reasons`` is the
# semicolon-separated list split into codes.
_VERDICT_FIELDS: list[pa.Field[Any]] = [
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("risk", pa.float64(), nullable=False),
    pa.field("flagged", pa.bool_(), nullable=False),
    pa.field("campaign_id", pa.string()),
    pa.field("first_flagged_at", pa.timestamp("us", tz="UTC")),
    pa.field("action", pa.string(), nullable=False),
    pa.field("reasons", pa.list_(pa.string()), nullable=False),
]
VERDICT_SCHEMA = pa.schema(_VERDICT_FIELDS)


class InputFileError(ValueError):
    """A labels/verdicts file or table that breaks its contract, located to line and column."""

    def __init__(
        self, source: str, message: str, line: int | None = None, column: str = ""
    ) -> None:
        where = source if line is None else f"{source}:{line}"
        what = f"column '{column}': {message}" if column else message
        super().__init__(f"{where}: {what}")
        self.source = source
        self.line = line
        self.column = column


@dataclass(frozen=True)
class _Rule:
    """A row-level contract: rows where ``broken`` holds are rejected."""

    column: str
    message: str
    broken: pl.Expr


_LABEL_RULES = (
    _Rule("account_id", "must not be empty", pl.col("account_id").str.strip_chars() == ""),
    _Rule("population", "must not be empty", pl.col("population").str.strip_chars() == ""),
    _Rule(
        "campaign",
        "attack accounts need a campaign",
        pl.col("is_attack") & pl.col("campaign").is_null(),
    ),
    _Rule(
        "campaign",
        "must be empty when is_attack is false",
        ~pl.col("is_attack") & pl.col("campaign").is_not_null(),
    ),
    _Rule("attack_exchanges", "must not be negative", pl.col("attack_exchanges") < 0),
    _Rule(
        "attack_exchanges",
        "must be 0 when is_attack is false",
        ~pl.col("is_attack") & (pl.col("attack_exchanges") != 0),
    ),
)

_VERDICT_RULES = (
    _Rule("account_id", "must not be empty", pl.col("account_id").str.strip_chars() == ""),
    _Rule(
        "risk",
        "must be a number in [0, 1]",
        pl.col("risk").is_nan() | (pl.col("risk") < 0.0) | (pl.col("risk") > 1.0),
    ),
    _Rule(
        "action",
        f"must be one of {', '.join(ACTIONS)}",
        ~pl.col("action").is_in(ACTIONS),
    ),
    _Rule(
        "first_flagged_at",
        "flagged accounts need a first_flagged_at",
        pl.col("flagged") & pl.col("first_flagged_at").is_null(),
    ),
)


def read_labels(path: Path) -> pa.Table:
    """Parse ``labels.csv`` into a ``LABEL_SCHEMA`` table."""
    parsers: dict[str, Callable[[str], Any]] = {
        "account_id": str.strip,
        "population": str.strip,
        "campaign": _optional_text,
        "is_attack": _boolean,
        "attack_exchanges": _integer,
    }
    table, lines = _read_csv(path, LABEL_SCHEMA, parsers)
    return _check(table, _LABEL_RULES, str(path), lines)


def read_verdicts(path: Path) -> pa.Table:
    """Parse ``verdicts.csv`` into a ``VERDICT_SCHEMA`` table."""
    parsers: dict[str, Callable[[str], Any]] = {
        "account_id": str.strip,
        "risk": _number,
        "flagged": _boolean,
        "campaign_id": _optional_text,
        "first_flagged_at": _optional_ts,
        "action": str.strip,
        "reasons": _reasons,
    }
    table, lines = _read_csv(path, VERDICT_SCHEMA, parsers)
    return _check(table, _VERDICT_RULES, str(path), lines)


def conform_labels(table: pa.Table, source: str = "labels table") -> pa.Table:
    """Return an in-memory labels table as checked ``LABEL_SCHEMA`` (columns selected, cast)."""
    return _check(_conform(table, LABEL_SCHEMA, source), _LABEL_RULES, source, None)


def conform_verdicts(table: pa.Table, source: str = "verdicts table") -> pa.Table:
    """Return an in-memory verdicts table as checked ``VERDICT_SCHEMA`` (columns selected, cast).

    ``reasons`` may also be the CSV form, one semicolon-separated string per account.
    """
    reasons_type = table.schema.field("reasons").type if "reasons" in table.column_names else None
    if reasons_type is not None and (
        pa.types.is_string(reasons_type) or pa.types.is_large_string(reasons_type)
    ):
        codes = pl.Series(table.column("reasons")).fill_null("").str.split(";")
        codes = codes.list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != "")
        )
        table = table.set_column(
            table.column_names.index("reasons"),
            "reasons",
            codes.to_arrow().cast(pa.list_(pa.string())),
        )
    return _check(_conform(table, VERDICT_SCHEMA, source), _VERDICT_RULES, source, None)


def _conform(table: pa.Table, schema: pa.Schema, source: str) -> pa.Table:
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise InputFileError(source, f"missing columns: {', '.join(missing)}")
    selected = table.select(schema.names)
    for field in schema:
        if not field.nullable and selected.column(field.name).null_count:
            raise InputFileError(source, "must not contain nulls", column=field.name)
    try:
        return selected.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(source, f"columns do not match the expected types: {exc}") from None


def _check(
    table: pa.Table, rules: tuple[_Rule, ...], source: str, lines: list[int] | None
) -> pa.Table:
    """Apply ``rules`` and account uniqueness; report the first offending row of each rule."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.with_row_index("_row")
    for rule in (
        *rules,
        _Rule("account_id", "duplicate account_id", ~pl.col("account_id").is_first_distinct()),
    ):
        bad = frame.filter(rule.broken)
        if bad.height:
            row = bad.row(0, named=True)
            line = lines[row["_row"]] if lines is not None else None
            where = "" if lines is not None else f" (row {row['_row'] + 1})"
            raise InputFileError(
                source, f"{rule.message}, got {row[rule.column]!r}{where}", line, rule.column
            )
    return table


def _read_csv(
    path: Path, schema: pa.Schema, parsers: dict[str, Callable[[str], Any]]
) -> tuple[pa.Table, list[int]]:
    """Parse each row's fields; return the table and the file line of every row."""
    source = str(path)
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    lines: list[int] = []
    for line, row in _rows(path, schema.names):
        for column, parse in parsers.items():
            try:
                columns[column].append(parse(row[column]))
            except _FieldError as exc:
                raise InputFileError(source, str(exc), line, column) from None
        lines.append(line)
    return pa.table(columns, schema=schema), lines


class _FieldError(ValueError):
    """A value that does not parse; ``_read_csv`` adds file, line and column."""


def _rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row by column name); the header must hold every required column."""
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise InputFileError(source, "file is empty; expected a header row", 1)
            names = [name.strip() for name in header]
            duplicated = sorted({name for name in names if names.count(name) > 1})
            if duplicated:
                raise InputFileError(source, f"duplicate columns: {', '.join(duplicated)}", 1)
            missing = [name for name in required if name not in names]
            if missing:
                raise InputFileError(source, f"missing columns: {', '.join(missing)}", 1)
            index = {name: names.index(name) for name in required}
            for record in reader:
                if not record:
                    continue
                if len(record) != len(names):
                    raise InputFileError(
                        source,
                        f"expected {len(names)} fields, found {len(record)}",
                        reader.line_num,
                    )
                yield reader.line_num, {name: record[i] for name, i in index.items()}
    except UnicodeDecodeError as exc:
        raise InputFileError(source, f"not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InputFileError(source, f"malformed CSV: {exc}") from None


def _optional_text(value: str) -> str | None:
    return value.strip() or None


def _boolean(value: str) -> bool:
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise _FieldError(f"expected true or false, got {value!r}")
    return text == "true"


def _integer(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise _FieldError(f"expected a whole number, got {value!r}") from None


def _number(value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise _FieldError(f"expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise _FieldError(f"expected a finite number, got {value!r}")
    return number


def _optional_ts(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        return parse_ts(text, "first_flagged_at")
    except EventError as exc:
        raise _FieldError(exc.reason) from None


def _reasons(value: str) -> list[str]:
    return [code.strip() for code in value.split(";") if code.strip()]
