"""Strict RFC 3339 timestamps, normalised to UTC.

``datetime.fromisoformat`` alone accepts dates without times, naive times and week dates;
the regex keeps v1 to RFC 3339 so two producers cannot disagree on what a ``ts`` means.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from distillguard.events.errors import EventError, type_name

# Also the "pattern" of `ts` in event.schema.json (a test keeps the two equal).
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def parse_ts(value: object, field: str = "ts") -> datetime:
    """Return ``value`` as an aware UTC datetime (microsecond precision, finer digits cut).

    Accepts an RFC 3339 string with ``Z`` or a numeric offset, or an aware ``datetime`` (as
    Parquet timestamp columns arrive). Raises ``EventError`` for anything else.
    """
    if type(value) is str:
        if RFC3339.fullmatch(value) is None:
            raise EventError(f"{field} is not RFC 3339 UTC: {value!r}", "bad_ts")
        try:
            parsed = datetime.fromisoformat(value.upper())
        except ValueError as exc:
            raise EventError(f"{field} is not RFC 3339 UTC: {value!r} ({exc})", "bad_ts") from None
        # fromisoformat gives the UTC singleton for "Z" and "+00:00", the usual forms.
        return parsed if parsed.tzinfo is UTC else _to_utc(parsed, field, repr(value))
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise EventError(f"{field} has no time zone: {value.isoformat()!r}", "bad_ts")
        return _to_utc(value, field, repr(value.isoformat()))
    raise EventError(f"{field} must be an RFC 3339 string, got {type_name(value)}", "bad_ts")


def _to_utc(value: datetime, field: str, shown: str) -> datetime:
    # 0001-01-01T00:00:00+01:00 is valid RFC 3339 but has no UTC datetime.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise EventError(f"{field} is out of range once in UTC: {shown}", "bad_ts") from None
