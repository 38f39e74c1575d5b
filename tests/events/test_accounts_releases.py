from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard.events import (
    EventError,
    Quarantine,
    ReadStats,
    parse_account,
    read_accounts,
    read_releases,
)
from distillguard.events.schema import ACCOUNT_SCHEMA, RELEASE_SCHEMA
from tests.events.events_testkit import write_jsonl


def account(i: int = 0, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "account_id": f"acct-{i}",
        "created_at": "2025-01-05T08:00:00+01:00",
        "email_domain": "Example.ORG",
        "payment_fingerprint": f"pf-{i}",
        "signup_channel": "self_serve",
        "country": "DE",
        "org_id": None,
        "verified": True,
        "allowlist": None,
    }
    record.update(overrides)
    return record


def test_account_is_normalised() -> None:
    out = parse_account(account(1, referrer="ads", allowlist="contract-7"))
    assert list(out) == ACCOUNT_SCHEMA.names
    assert out["created_at"] == datetime(2025, 1, 5, 7, tzinfo=UTC)
    assert out["email_domain"] == "example.org"
    assert out["allowlist"] == "contract-7"
    assert out["extra"] == '{"referrer":"ads"}'
    assert parse_account({"account_id": "x"}) == dict.fromkeys(ACCOUNT_SCHEMA.names) | {
        "account_id": "x"
    }


@pytest.mark.parametrize(
    ("record", "reason", "category"),
    [
        ({"email_domain": "x"}, "missing required field 'account_id'", "missing_field"),
        ({"account_id": None}, "required field 'account_id' is null", "missing_field"),
        ({"account_id": ""}, "account_id must be a non-empty string, got ''", "bad_field"),
        (
            account(signup_channel="darkweb"),
            "signup_channel must be one of self_serve, education, startup, research, enterprise, "
            "reseller; got 'darkweb'",
            "bad_field",
        ),
        (account(verified="yes"), "verified must be true or false, got 'yes'", "bad_field"),
        (
            account(created_at="2025-01-05"),
            "created_at is not RFC 3339 UTC: '2025-01-05'",
            "bad_ts",
        ),
        (account(country=49), "country must be a string or null, got integer", "bad_field"),
        (
            account(email_domain=["a"]),
            "email_domain must be a string or null, got array",
            "bad_field",
        ),
    ],
)
def test_bad_accounts(record: dict[str, Any], reason: str, category: str) -> None:
    with pytest.raises(EventError) as info:
        parse_account(record)
    assert (info.value.reason, info.value.category) == (reason, category)


def test_read_accounts_quarantines_bad_and_duplicate_records(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "accounts.jsonl.gz",
        [
            account(1),
            "",
            account(2, signup_channel="partner"),
            "oops",
            account(1, country="FR"),
            account(3),
        ],
        "gzip",
    )
    stats = ReadStats()
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        table = read_accounts(path, quarantine, stats)
    assert table.schema.equals(ACCOUNT_SCHEMA)
    assert table.column("account_id").to_pylist() == ["acct-1", "acct-3"]
    assert table.column("country").to_pylist() == ["DE", "DE"]
    records = [orjson.loads(line) for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [r["line"] for r in records] == [3, 4, 5]
    assert records[0]["reason"].startswith("signup_channel must be one of ")
    assert records[1]["reason"].startswith("invalid JSON: ")
    assert records[2]["reason"] == "duplicate account_id 'acct-1' (first on line 1)"
    assert (stats.lines, stats.blank, stats.valid, stats.quarantined) == (6, 1, 2, 3)
    assert stats.reasons == {"bad_field": 1, "invalid_json": 1, "duplicate_account": 1}


def test_read_releases(tmp_path: Path) -> None:
    path = tmp_path / "releases.json"
    path.write_bytes(
        orjson.dumps(
            [
                {"name": "frontier-large", "ts": "2025-02-01T00:00:00Z"},
                {"name": "frontier-mini", "ts": "2025-02-20T09:00:00-03:00"},
            ]
        )
    )
    table = read_releases(path)
    assert table.schema.equals(RELEASE_SCHEMA)
    assert table.to_pylist() == [
        {"name": "frontier-large", "ts": datetime(2025, 2, 1, tzinfo=UTC)},
        {"name": "frontier-mini", "ts": datetime(2025, 2, 20, 12, tzinfo=UTC)},
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[{", "invalid JSON"),
        (b'{"name": "m", "ts": "2025-02-01T00:00:00Z"}', "expected a JSON list of releases"),
        (b'["m"]', r"release \[0\] must be an object, got string"),
        (b'[{"name": "m"}]', r"release \[0\] must have exactly 'name' and 'ts', got \['name'\]"),
        (b'[{"name": "", "ts": "2025-02-01T00:00:00Z"}]', "name must be a non-empty string"),
        (b'[{"name": "m", "ts": "Feb 1"}]', r"release \[0\]: ts is not RFC 3339 UTC: 'Feb 1'"),
        (
            b'[{"name": "m", "ts": "2025-02-01T00:00:00Z"}, '
            b'{"name": "m", "ts": "2025-03-01T00:00:00Z"}]',
            r"release \[1\]: model 'm' is listed twice",
        ),
    ],
)
def test_bad_releases_raise_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "releases.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_releases(path)


def test_read_accounts_from_parquet(tmp_path: Path) -> None:
    path = tmp_path / "accounts.parquet"
    pq.write_table(pa.Table.from_pylist([account(1), account(2, verified=False)]), path)
    with Quarantine(tmp_path / "q.jsonl") as quarantine:
        table = read_accounts(path, quarantine)
    assert table.to_pylist() == [
        parse_account(account(1)),
        parse_account(account(2, verified=False)),
    ]
