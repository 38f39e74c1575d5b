"""Metrics on small hand-built label/verdict tables whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from distillguard.evaluate.event_times import collect_event_times
from distillguard.evaluate.inputs import LABEL_SCHEMA, VERDICT_SCHEMA, InputFileError
from distillguard.evaluate.metrics import (
    Evaluation,
    evaluate,
    read_evaluation_json,
    write_evaluation_json,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def labels(rows: list[tuple[str, str, str | None, int]]) -> pa.Table:
    """Rows of (account, population, campaign or None, attack_exchanges)."""
    return pa.Table.from_pylist(
        [
            {
                "account_id": a,
                "population": p,
                "campaign": c,
                "is_attack": c is not None,
                "attack_exchanges": n,
            }
            for a, p, c, n in rows
        ],
        schema=LABEL_SCHEMA,
    )


def verdicts(rows: list[tuple[str, float, str | None, float | None, str]]) -> pa.Table:
    """Rows of (account, risk, campaign_id, flagged-at minute or None (= not flagged), action)."""
    return pa.Table.from_pylist(
        [
            {
                "account_id": a,
                "risk": r,
                "flagged": m is not None,
                "campaign_id": c,
                "first_flagged_at": None if m is None else minutes(m),
                "action": act,
                "reasons": [],
            }
            for a, r, c, m, act in rows
        ],
        schema=VERDICT_SCHEMA,
    )


def event_times(per_account: dict[str, list[float]]) -> pa.Table:
    rows = [(a, minutes(m)) for a, ms in per_account.items() for m in ms]
    return pa.table(
        {
            "account_id": pa.array([a for a, _ in rows], pa.string()),
            "ts": pa.array([t for _, t in rows], pa.timestamp("us", tz="UTC")),
        }
    )


LABELS = labels(
    [
        ("a1", "lab", "A", 100),
        ("a2", "lab", "A", 50),
        ("a3", "lab", "A", 50),
        ("b1", "lab", "B", 30),
        ("n1", "devs", None, 0),
        ("n2", "devs", None, 0),
        ("n3", "students", None, 0),
        ("n4", "students", None, 0),  # no verdict: not flagged, risk 0
    ]
)
VERDICTS = verdicts(
    [
        ("a1", 0.9, "C1", 10, "block"),
        ("a2", 0.2, None, None, "allow"),
        ("a3", 0.8, "C1", 5, "throttle"),
        ("b1", 0.7, "C2", 60, "verify"),
        ("n1", 0.85, "C1", 30, "block"),
        ("n2", 0.1, None, None, "allow"),
        ("n3", 0.3, None, None, "monitor"),
        ("x9", 0.5, None, None, "allow"),  # not labelled: ignored
    ]
)
EVENTS = event_times(
    {
        "a1": [*range(10), *range(20, 30)],  # 10 of 20 events by the flag at minute 10
        "a2": [0, 1, 2, 3, 4],  # never flagged: everything is before
        "a3": list(range(10)),  # 6 of 10 events by the flag at minute 5
        "n1": [0, 1],
        # b1 has no events
    }
)


def by_name(items: list[Any], key: str) -> dict[str, Any]:
    return {getattr(item, key): item for item in items}


def test_campaign_metrics_match_hand_computation() -> None:
    result = evaluate(LABELS, VERDICTS, EVENTS)
    campaigns = by_name(result.campaigns, "campaign")
    a = campaigns["A"]
    assert (a.accounts, a.flagged, a.attack_exchanges) == (3, 2, 200)
    assert a.account_recall == pytest.approx(2 / 3)
    assert a.exchange_weighted_recall == pytest.approx(150 / 200)
    # a1: 100 × 10/20 = 50, a2: all 50, a3: 50 × 6/10 = 30
    assert a.harvested_before_detection == pytest.approx(130)
    assert a.harvest_before_detection == pytest.approx(130 / 200)
    assert a.median_detection_delay_s == pytest.approx((600 + 300) / 2)
    assert a.first_detection_delay_s == pytest.approx(300)
    assert (a.grouping_majority_id, a.grouping_coverage) == ("C1", 1.0)
    assert a.grouping_purity == pytest.approx(2 / 3)  # n1 (benign) is also in C1
    b = campaigns["B"]
    assert (b.account_recall, b.exchange_weighted_recall) == (1.0, 1.0)
    assert b.harvest_before_detection == 1.0  # no events: everything counts as before
    assert (b.median_detection_delay_s, b.first_detection_delay_s) == (None, None)
    assert (b.grouping_majority_id, b.grouping_coverage, b.grouping_purity) == ("C2", 1.0, 1.0)


def test_populations_overall_and_coverage() -> None:
    result = evaluate(LABELS, VERDICTS, EVENTS)
    populations = by_name(result.populations, "population")
    assert set(populations) == {"devs", "students"}
    devs = populations["devs"]
    assert (devs.accounts, devs.flagged, devs.blocked, devs.false_positive_rate) == (2, 1, 1, 0.5)
    assert populations["students"].false_positive_rate == 0.0
    o = result.overall
    assert (o.accounts, o.attack_accounts, o.benign_accounts, o.flagged) == (8, 4, 4, 4)
    assert (o.true_positives, o.false_positives) == (3, 1)
    assert (o.precision, o.recall, o.f1) == (0.75, 0.75, 0.75)
    assert o.roc_auc == pytest.approx(12 / 16)
    assert o.benign_false_positive_rate == 0.25
    assert o.exchange_weighted_recall == pytest.approx(180 / 230)
    assert o.harvest_before_detection == pytest.approx(160 / 230)
    assert (o.adjusted_rand_index, o.v_measure) == (1.0, 1.0)
    c = result.coverage
    assert (c.labelled_accounts, c.verdict_accounts) == (8, 8)
    assert (c.labelled_without_verdict, c.verdicts_without_label) == (1, 1)
    assert c.attack_accounts_without_events == 1
    assert len(result.notes) == 3


def test_without_events_timing_is_null_with_note() -> None:
    result = evaluate(LABELS, VERDICTS)
    assert all(c.harvest_before_detection is None for c in result.campaigns)
    assert all(c.median_detection_delay_s is None for c in result.campaigns)
    assert result.overall.harvest_before_detection is None
    assert result.coverage.attack_accounts_without_events is None
    assert any("no event timestamps" in note for note in result.notes)


def test_unassigned_accounts_are_singleton_groups() -> None:
    lab = labels([("a", "p", "A", 1), ("b", "p", "A", 1), ("c", "p", "B", 1), ("d", "p", "B", 1)])
    ver = verdicts(
        [
            ("a", 0.9, "C1", 1, "block"),
            ("b", 0.9, "C1", 1, "block"),
            ("c", 0.9, None, 1, "block"),
            ("d", 0.9, None, 1, "block"),
        ]
    )
    result = evaluate(lab, ver)
    # Contingency by hand: index 1, expected 1/3, max 3/2 → (1 - 1/3) / (3/2 - 1/3) = 4/7.
    assert result.overall.adjusted_rand_index == pytest.approx(4 / 7)
    assert result.overall.v_measure is not None and result.overall.v_measure < 1.0
    b = by_name(result.campaigns, "campaign")["B"]
    assert (b.grouping_majority_id, b.grouping_coverage, b.grouping_purity) == (None, 0.0, None)


def test_no_attack_accounts() -> None:
    lab = labels([("n1", "devs", None, 0), ("n2", "devs", None, 0)])
    ver = verdicts([("n1", 0.9, None, 3, "block"), ("n2", 0.1, None, None, "allow")])
    result = evaluate(lab, ver, event_times({"n1": [1, 2]}))
    assert result.campaigns == []
    o = result.overall
    assert (o.precision, o.recall, o.f1, o.roc_auc, o.average_precision) == (
        0.0,
        None,
        None,
        None,
        None,
    )
    assert o.benign_false_positive_rate == 0.5
    assert (o.exchange_weighted_recall, o.harvest_before_detection) == (None, None)
    assert (o.adjusted_rand_index, o.v_measure) == (None, None)
    assert any("no attack accounts" in note for note in result.notes)


def test_all_flagged_at_first_event() -> None:
    lab = labels([("a", "p", "A", 4), ("n", "devs", None, 0)])
    ver = verdicts([("a", 0.9, "C1", 0, "block"), ("n", 0.6, None, 0, "verify")])
    result = evaluate(lab, ver, event_times({"a": [0, 1, 2, 3]}))
    a = result.campaigns[0]
    # The exchange at the flag instant was answered, so it counts as harvested: 4 × 1/4.
    assert a.harvested_before_detection == pytest.approx(1.0)
    assert a.median_detection_delay_s == 0.0
    o = result.overall
    assert (o.precision, o.recall, o.benign_false_positive_rate, o.roc_auc) == (0.5, 1.0, 1.0, 1.0)


def test_all_accounts_missing_from_verdicts() -> None:
    result = evaluate(LABELS, VERDICTS.slice(0, 0))
    assert result.overall.flagged == 0
    assert result.overall.precision is None
    assert result.overall.recall == 0.0
    assert result.overall.roc_auc == 0.5  # every risk is 0
    assert result.coverage.labelled_without_verdict == 8


def test_events_must_be_time_zone_aware() -> None:
    naive = pa.table({"account_id": ["a1"], "ts": pa.array([1], pa.timestamp("us"))})
    with pytest.raises(InputFileError, match="time-zone-aware"):
        evaluate(LABELS, VERDICTS, naive)


def test_collect_event_times_filters_accounts() -> None:
    batches = EVENTS.to_batches(max_chunksize=7)
    kept = collect_event_times(batches, {"a3", "b1"})
    assert kept.column("account_id").to_pylist() == ["a3"] * 10
    assert collect_event_times(batches).num_rows == EVENTS.num_rows
    assert collect_event_times([]).num_rows == 0


def test_json_round_trip(tmp_path: Path) -> None:
    result = evaluate(LABELS, VERDICTS, EVENTS)
    path = tmp_path / "evaluation.json"
    write_evaluation_json(path, result)
    assert read_evaluation_json(path) == result
    data = result.to_dict()
    assert list(data) == ["version", "overall", "campaigns", "populations", "coverage", "notes"]
    del data["overall"]["f1"]
    with pytest.raises(ValueError, match="keys differ"):
        Evaluation.from_dict(data)


def test_exact_harvest_labels_count_exchanges_strictly_before_the_flag() -> None:
    lab = labels([("a", "p", "A", 4)])
    ver = verdicts([("a", 0.9, "C1", 2, "block")])
    times = event_times({"a": [0, 1, 2, 3, 4, 5]})
    # Benign traffic at 0 and 1, harvesting from minute 2 on; flagged at its first harvest.
    marks = pa.array([False, False, True, True, True, True])
    exact = evaluate(lab, ver, times.append_column("harvest", marks)).campaigns[0]
    assert exact.harvested_before_detection == 0.0  # the gateway stopped the flagged request
    estimate = evaluate(lab, ver, times).campaigns[0]
    assert estimate.harvested_before_detection == pytest.approx(4 * 3 / 6)
    late = verdicts([("a", 0.9, "C1", 4, "block")])
    assert evaluate(lab, late, times.append_column("harvest", marks)).campaigns[
        0
    ].harvested_before_detection == pytest.approx(4 * 2 / 4)


def test_collect_event_times_marks_harvest_requests() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "account_id": ["a", "a", "b"],
            "ts": pa.array([minutes(0), minutes(1), minutes(2)], pa.timestamp("us", tz="UTC")),
            "request_id": ["r1", "r2", "r3"],
        }
    )
    kept = collect_event_times([batch], {"a"}, {"r2", "r3"})
    assert kept.column("harvest").to_pylist() == [False, True]
    bad = pa.table({"account_id": ["a"], "ts": [minutes(0)], "harvest": [None]})
    with pytest.raises(InputFileError, match="harvest"):
        evaluate(lab_one(), verdicts([("a", 0.9, "C1", 0, "block")]), bad)


def lab_one() -> pa.Table:
    return labels([("a", "p", "A", 1)])
