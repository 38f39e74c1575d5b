"""labels.csv / verdicts.csv parsing: valid files load typed, bad ones name file, line, column."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from distillguard.evaluate.inputs import (
    InputFileError,
    conform_verdicts,
    read_labels,
    read_verdicts,
)

LABEL_HEADER = "account_id,population,campaign,is_attack,attack_exchanges\n"
VERDICT_HEADER = "account_id,risk,flagged,campaign_id,first_flagged_at,action,reasons\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_labels_parse_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "labels.csv",
        LABEL_HEADER + "a1,lab,camp-1,true,12\n\nb1,devs,,FALSE,0\n",
    )
    table = read_labels(path)
    assert table.to_pylist() == [
        {
            "account_id": "a1",
            "population": "lab",
            "campaign": "camp-1",
            "is_attack": True,
            "attack_exchanges": 12,
        },
        {
            "account_id": "b1",
            "population": "devs",
            "campaign": None,
            "is_attack": False,
            "attack_exchanges": 0,
        },
    ]


def test_verdicts_parse_typed_with_extra_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "verdicts.csv",
        VERDICT_HEADER.rstrip("\n")
        + ",note\n"
        + "a1,0.93,true,C7,2026-03-02T10:00:00.000000Z,block,cot_template;shared_asn,x\n"
        + "b1,0,false,,,allow,,y\n",
    )
    rows = read_verdicts(path).to_pylist()
    assert rows[0]["first_flagged_at"] == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert rows[0]["reasons"] == ["cot_template", "shared_asn"]
    assert rows[0]["risk"] == pytest.approx(0.93)
    assert rows[1] == {
        "account_id": "b1",
        "risk": 0.0,
        "flagged": False,
        "campaign_id": None,
        "first_flagged_at": None,
        "action": "allow",
        "reasons": [],
    }


@pytest.mark.parametrize(
    ("body", "line", "column", "fragment"),
    [
        ("a1,lab,c,yes,3\n", 2, "is_attack", "expected true or false"),
        ("a1,lab,c,true,3\na2,lab,c,true,x\n", 3, "attack_exchanges", "whole number"),
        ("a1,lab,,true,3\n", 2, "campaign", "attack accounts need a campaign"),
        ("a1,lab,c,false,0\n", 2, "campaign", "must be empty"),
        ("a1,lab,,false,4\n", 2, "attack_exchanges", "must be 0"),
        ("a1,lab,c,true,-1\n", 2, "attack_exchanges", "negative"),
        ("a1,,c,true,1\n", 2, "population", "must not be empty"),
        ("a1,lab,c,true,1\n\na1,lab,c,true,1\n", 4, "account_id", "duplicate"),
    ],
)
def test_bad_label_values_are_located(
    tmp_path: Path, body: str, line: int, column: str, fragment: str
) -> None:
    path = write(tmp_path, "labels.csv", LABEL_HEADER + body)
    with pytest.raises(InputFileError) as info:
        read_labels(path)
    assert (info.value.line, info.value.column) == (line, column)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: column '{column}'")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("a1,1.5,false,,,allow,", "risk", "[0, 1]"),
        ("a1,nan,false,,,allow,", "risk", "finite"),
        ("a1,high,false,,,allow,", "risk", "expected a number"),
        ("a1,0.5,maybe,,,allow,", "flagged", "true or false"),
        ("a1,0.5,true,,,block,", "first_flagged_at", "flagged accounts need"),
        ("a1,0.5,true,,2026-03-02 10:00,block,", "first_flagged_at", "RFC 3339"),
        ("a1,0.5,true,,2026-03-02T10:00:00,block,", "first_flagged_at", "RFC 3339"),
        ("a1,0.5,false,,,ban,", "action", "must be one of allow"),
    ],
)
def test_bad_verdict_values_are_located(
    tmp_path: Path, row: str, column: str, fragment: str
) -> None:
    path = write(tmp_path, "verdicts.csv", VERDICT_HEADER + "a0,0,false,,,allow,\n" + row + "\n")
    with pytest.raises(InputFileError) as info:
        read_verdicts(path)
    assert (info.value.line, info.value.column) == (3, column)
    assert fragment in str(info.value)


def test_missing_columns_named(tmp_path: Path) -> None:
    path = write(tmp_path, "verdicts.csv", "account_id,risk,flagged\na1,0.1,false\n")
    with pytest.raises(InputFileError, match="missing columns: campaign_id, first_flagged_at"):
        read_verdicts(path)


def test_wrong_field_count_and_empty_file(tmp_path: Path) -> None:
    short = write(tmp_path, "labels.csv", LABEL_HEADER + "a1,lab,c,true\n")
    with pytest.raises(InputFileError, match=r"labels\.csv:2: expected 5 fields, found 4"):
        read_labels(short)
    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(InputFileError, match="file is empty"):
        read_labels(empty)


def test_unterminated_quote_and_bad_encoding(tmp_path: Path) -> None:
    quoted = write(tmp_path, "labels.csv", LABEL_HEADER + 'a1,"lab,c,true,1\n')
    with pytest.raises(InputFileError, match="malformed CSV"):
        read_labels(quoted)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(LABEL_HEADER.encode() + b"a1,\xff\xfe,c,true,1\n")
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_labels(binary)


def test_conform_rejects_bad_in_memory_tables() -> None:
    good = {
        "account_id": ["a1", "a2"],
        "risk": [0.2, 2.0],
        "flagged": [False, False],
        "campaign_id": [None, None],
        "first_flagged_at": pa.array([None, None], pa.timestamp("us", tz="UTC")),
        "action": ["allow", "allow"],
        "reasons": [[], []],
    }
    with pytest.raises(InputFileError, match=r"verdicts table: column 'risk'.*\(row 2\)"):
        conform_verdicts(pa.table(good))
    with pytest.raises(InputFileError, match="missing columns: reasons"):
        conform_verdicts(pa.table({k: v for k, v in good.items() if k != "reasons"}))


def test_conform_accepts_reasons_as_csv_string() -> None:
    table = pa.table(
        {
            "account_id": ["a1", "a2", "a3"],
            "risk": [0.9, 0.1, 0.2],
            "flagged": [True, False, False],
            "campaign_id": pa.array(["C1", None, None], pa.string()),
            "first_flagged_at": pa.array(
                [datetime(2026, 3, 2, tzinfo=UTC), None, None], pa.timestamp("us", tz="UTC")
            ),
            "action": ["block", "allow", "allow"],
            "reasons": pa.array(["cot_template; shared_asn;;", "", None], pa.string()),
        }
    )
    reasons = conform_verdicts(table).column("reasons").to_pylist()
    assert reasons == [["cot_template", "shared_asn"], [], []]
