"""Score verdicts against simulation labels: what was caught, how fast, and how well grouped.

Account counts alone flatter a detector that catches the many light accounts of a campaign
but misses its few heavy ones, so every campaign is also scored by exchanges (what was
actually harvested) and by time (what was harvested before the first flag).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
from sklearn.metrics import (
    adjusted_rand_score,
    average_precision_score,
    roc_auc_score,
    v_measure_score,
)

from distillguard.evaluate.event_times import conform_event_times
from distillguard.evaluate.inputs import conform_labels, conform_verdicts

JSON_VERSION = 1


@dataclass(frozen=True)
class CampaignMetrics:
    """Detection of one true attack campaign (``labels.campaign``)."""

    campaign: str
    accounts: int
    flagged: int
    account_recall: float
    attack_exchanges: int
    # Attack exchanges made by flagged accounts / all attack exchanges; null when there are none.
    exchange_weighted_recall: float | None
    # Share and estimated count of attack exchanges made before each account's first flag;
    # null without event timestamps.
    harvest_before_detection: float | None
    harvested_before_detection: float | None
    # Seconds from an account's first event to its first flag, median over flagged members.
    median_detection_delay_s: float | None
    # Seconds from the campaign's first event to the first flag of any member.
    first_detection_delay_s: float | None
    # The verdict campaign_id holding most flagged members (null when none was assigned), the
    # share of flagged members it holds, and the share of its accounts that are from here.
    grouping_majority_id: str | None
    grouping_coverage: float | None
    grouping_purity: float | None


@dataclass(frozen=True)
class PopulationMetrics:
    """False positives in one benign population (``labels.population``)."""

    population: str
    accounts: int
    flagged: int
    blocked: int
    false_positive_rate: float


@dataclass(frozen=True)
class OverallMetrics:
    """Account-level classification quality over all labelled accounts."""

    accounts: int
    attack_accounts: int
    benign_accounts: int
    flagged: int
    true_positives: int
    false_positives: int
    precision: float | None
    recall: float | None
    f1: float | None
    roc_auc: float | None
    average_precision: float | None
    benign_false_positive_rate: float | None
    exchange_weighted_recall: float | None
    harvest_before_detection: float | None
    # Agreement of verdict campaign_id with true campaigns over flagged attack accounts; an
    # account without a campaign_id counts as its own group.
    adjusted_rand_index: float | None
    v_measure: float | None


@dataclass(frozen=True)
class Coverage:
    """How labels, verdicts and events matched up, so no account is dropped unseen."""

    labelled_accounts: int
    verdict_accounts: int
    labelled_without_verdict: int
    verdicts_without_label: int
    # Attack accounts with no event timestamps; null when no events were supplied.
    attack_accounts_without_events: int | None


@dataclass(frozen=True)
class Evaluation:
    """Everything ``distillguard evaluate`` reports; ``to_dict`` is the JSON contract."""

    overall: OverallMetrics
    campaigns: list[CampaignMetrics]
    populations: list[PopulationMetrics]
    coverage: Coverage
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys (see docs/evaluation.md)."""
        return {"version": JSON_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        """Rebuild from ``to_dict`` output; raises ``ValueError`` on any other shape."""
        if data.get("version") != JSON_VERSION:
            raise ValueError(f"evaluation JSON version must be {JSON_VERSION}")
        try:
            return cls(
                overall=_build(OverallMetrics, data["overall"]),
                campaigns=[_build(CampaignMetrics, item) for item in data["campaigns"]],
                populations=[_build(PopulationMetrics, item) for item in data["populations"]],
                coverage=_build(Coverage, data["coverage"]),
                notes=[str(note) for note in data["notes"]],
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an evaluation JSON object: {exc}") from None


def write_evaluation_json(path: Path, evaluation: Evaluation) -> None:
    """Write ``evaluation.to_dict()`` as indented JSON."""
    path.write_bytes(orjson.dumps(evaluation.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")


def read_evaluation_json(path: Path) -> Evaluation:
    """Read a file written by ``write_evaluation_json``."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    try:
        return Evaluation.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def evaluate(labels: pa.Table, verdicts: pa.Table, events_ts: pa.Table | None = None) -> Evaluation:
    """Score ``verdicts`` against ``labels``; ``events_ts`` (account_id, ts) enables timing.

    Labelled accounts without a verdict count as not flagged with risk 0; verdicts of unlabelled
    accounts are ignored. Both are counted in ``coverage`` and explained in ``notes``.
    """
    label_frame = _frame(conform_labels(labels))
    verdict_frame = _frame(conform_verdicts(verdicts))
    accounts = label_frame.join(verdict_frame, on="account_id", how="left").with_columns(
        pl.col("risk").is_null().alias("no_verdict"),
        pl.col("risk").fill_null(0.0),
        pl.col("flagged").fill_null(False),
    )
    # Only a current flag counts as detection; first_flagged_at of unflagged rows is ignored.
    accounts = accounts.with_columns(
        pl.when(pl.col("flagged")).then(pl.col("first_flagged_at")).alias("detected_at")
    )
    events = None if events_ts is None else _frame(conform_event_times(events_ts))
    attack = _attack_timing(accounts.filter(pl.col("is_attack")), events)

    unlabelled = verdict_frame.join(label_frame, on="account_id", how="anti").height
    coverage = Coverage(
        labelled_accounts=label_frame.height,
        verdict_accounts=verdict_frame.height,
        labelled_without_verdict=int(accounts["no_verdict"].sum()),
        verdicts_without_label=unlabelled,
        attack_accounts_without_events=(
            None if events is None else int(attack["n_events"].is_null().sum())
        ),
    )
    return Evaluation(
        overall=_overall(accounts, attack),
        campaigns=[
            _campaign(name, group, accounts)
            for (name,), group in sorted(attack.group_by("campaign"), key=lambda g: str(g[0][0]))
        ],
        populations=[
            _population(str(name), group)
            for (name,), group in sorted(
                accounts.filter(~pl.col("is_attack")).group_by("population"),
                key=lambda g: str(g[0][0]),
            )
        ],
        coverage=coverage,
        notes=_notes(coverage, attack.height, events is not None),
    )


def _attack_timing(attack: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """Add per attack account: event count, first event, est. exchanges before detection, delay.

    Without per-exchange labels, an account's attack exchanges before its flag are estimated as
    ``attack_exchanges × (events up to the flag / all its events)``; with a ``harvest`` column
    the share is exact: harvesting exchanges strictly before the flag over all of them. An
    account never flagged, or without events, counts all its attack exchanges as harvested.
    """
    if events is None:
        return attack.with_columns(
            pl.lit(None, pl.UInt32).alias("n_events"),
            pl.lit(None, pl.Float64).alias("est_before"),
            pl.lit(None, pl.Float64).alias("delay_s"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("first_event"),
        )
    # With exact per-exchange labels an exchange at the flag instant counts as stopped (the
    # gateway decides before it answers); the estimate counts it as harvested.
    exact = "harvest" in events.columns
    before = pl.col("detected_at").is_null() | (
        (pl.col("ts") < pl.col("detected_at")) if exact else (pl.col("ts") <= pl.col("detected_at"))
    )
    if not exact:
        events = events.with_columns(pl.lit(True).alias("harvest"))
    harvest = pl.col("harvest")
    per_account = (
        events.join(attack.select("account_id", "detected_at"), on="account_id", how="inner")
        .group_by("account_id")
        .agg(
            pl.len().alias("n_events"),
            (before & harvest).sum().alias("n_before"),
            harvest.sum().alias("n_harvest"),
            pl.col("ts").min().alias("first_event"),
        )
    )
    share_before = pl.col("n_before") / pl.col("n_harvest").clip(1, None)
    return attack.join(per_account, on="account_id", how="left").with_columns(
        pl.when(pl.col("n_events").is_null())
        .then(pl.col("attack_exchanges").cast(pl.Float64))
        .otherwise(pl.col("attack_exchanges") * share_before)
        .alias("est_before"),
        ((pl.col("detected_at") - pl.col("first_event")).dt.total_microseconds() / 1e6).alias(
            "delay_s"
        ),
    )


def _campaign(name: str, members: pl.DataFrame, accounts: pl.DataFrame) -> CampaignMetrics:
    flagged = members.filter(pl.col("flagged"))
    exchanges = int(members["attack_exchanges"].sum())
    timed = members["est_before"].null_count() == 0
    majority, coverage, purity = _grouping(flagged, accounts)
    first_delay = members.select(
        (pl.col("detected_at").min() - pl.col("first_event").min()).dt.total_microseconds() / 1e6
    ).item()
    return CampaignMetrics(
        campaign=name,
        accounts=members.height,
        flagged=flagged.height,
        account_recall=flagged.height / members.height,
        attack_exchanges=exchanges,
        exchange_weighted_recall=_ratio(int(flagged["attack_exchanges"].sum()), exchanges),
        harvest_before_detection=_ratio(float(members["est_before"].sum()), exchanges)
        if timed
        else None,
        harvested_before_detection=float(members["est_before"].sum()) if timed else None,
        median_detection_delay_s=_float(flagged["delay_s"].median()),
        first_detection_delay_s=_float(first_delay),
        grouping_majority_id=majority,
        grouping_coverage=coverage,
        grouping_purity=purity,
    )


def _grouping(
    flagged: pl.DataFrame, accounts: pl.DataFrame
) -> tuple[str | None, float | None, float | None]:
    """Majority verdict campaign_id of flagged members, its coverage and purity."""
    if flagged.height == 0:
        return None, None, None
    counts = Counter(cid for cid in flagged["campaign_id"].to_list() if cid is not None)
    if not counts:
        return None, 0.0, None
    majority, hits = min(counts.items(), key=lambda item: (-item[1], item[0]))
    in_group = int((accounts["campaign_id"] == majority).sum())
    return majority, hits / flagged.height, hits / in_group


def _population(name: str, group: pl.DataFrame) -> PopulationMetrics:
    flagged = int(group["flagged"].sum())
    return PopulationMetrics(
        population=name,
        accounts=group.height,
        flagged=flagged,
        blocked=int((group["action"] == "block").sum()),
        false_positive_rate=flagged / group.height,
    )


def _overall(accounts: pl.DataFrame, attack: pl.DataFrame) -> OverallMetrics:
    truth = accounts["is_attack"].to_numpy()
    flagged = accounts["flagged"].to_numpy()
    tp = int((truth & flagged).sum())
    fp = int((~truth & flagged).sum())
    positives = int(truth.sum())
    negatives = accounts.height - positives
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, positives)
    f1 = None
    if precision is not None and recall is not None:
        f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    both_classes = positives > 0 and negatives > 0
    risk = accounts["risk"].to_numpy()
    exchanges = int(attack["attack_exchanges"].sum())
    timed = attack.height > 0 and attack["est_before"].null_count() == 0
    ari, v_measure = _campaign_agreement(attack.filter(pl.col("flagged")))
    return OverallMetrics(
        accounts=accounts.height,
        attack_accounts=positives,
        benign_accounts=negatives,
        flagged=int(flagged.sum()),
        true_positives=tp,
        false_positives=fp,
        precision=precision,
        recall=recall,
        f1=f1,
        roc_auc=float(roc_auc_score(truth, risk)) if both_classes else None,
        average_precision=float(average_precision_score(truth, risk)) if both_classes else None,
        benign_false_positive_rate=_ratio(fp, negatives),
        exchange_weighted_recall=_ratio(
            int(attack.filter(pl.col("flagged"))["attack_exchanges"].sum()), exchanges
        ),
        harvest_before_detection=(
            _ratio(float(attack["est_before"].sum()), exchanges) if timed else None
        ),
        adjusted_rand_index=ari,
        v_measure=v_measure,
    )


def _campaign_agreement(flagged_attack: pl.DataFrame) -> tuple[float | None, float | None]:
    if flagged_attack.height == 0:
        return None, None
    truth = flagged_attack["campaign"].to_list()
    # Each unassigned account is its own group: "not grouped" must not look like one big group.
    predicted = [
        cid if cid is not None else f"\x00unassigned\x00{account}"
        for cid, account in zip(
            flagged_attack["campaign_id"].to_list(),
            flagged_attack["account_id"].to_list(),
            strict=True,
        )
    ]
    return float(adjusted_rand_score(truth, predicted)), float(v_measure_score(truth, predicted))


def _notes(coverage: Coverage, attack_accounts: int, timed: bool) -> list[str]:
    notes: list[str] = []
    if attack_accounts == 0:
        notes.append("no attack accounts in labels: recall, ROC-AUC and grouping are null")
    if not timed:
        notes.append(
            "no event timestamps supplied: harvest-before-detection and detection delays are null"
        )
    if coverage.labelled_without_verdict:
        notes.append(
            f"{coverage.labelled_without_verdict} labelled accounts have no verdict and count as"
            " not flagged with risk 0"
        )
    if coverage.verdicts_without_label:
        notes.append(
            f"{coverage.verdicts_without_label} verdict accounts are not in the labels and were"
            " ignored"
        )
    if coverage.attack_accounts_without_events:
        notes.append(
            f"{coverage.attack_accounts_without_events} attack accounts have no events: all their"
            " attack exchanges count as harvested before detection"
        )
    return notes


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _float(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _build(kind: type[Any], data: dict[str, Any]) -> Any:
    names = {field.name for field in fields(kind)}
    if set(data) != names:
        raise TypeError(f"{kind.__name__} keys differ: {sorted(set(data) ^ names)}")
    return kind(**data)
