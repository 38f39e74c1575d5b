"""Evaluation tables as formatted text rows, rendered with Rich for the terminal.

The rows are plain strings so the HTML report shows exactly the same table as the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from distillguard.evaluate.formatting import MISSING, count, duration, number, share
from distillguard.evaluate.metrics import Evaluation


@dataclass(frozen=True)
class TextTable:
    """A titled table of already-formatted cells."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


def evaluation_text_tables(evaluation: Evaluation) -> list[TextTable]:
    """Overall, per-campaign and per-population tables, in reading order."""
    o = evaluation.overall
    overall = TextTable(
        "Overall",
        ("metric", "value"),
        [
            (
                "accounts (attack / benign)",
                f"{o.accounts} ({o.attack_accounts} / {o.benign_accounts})",
            ),
            (
                "flagged (true / false positives)",
                f"{o.flagged} ({o.true_positives} / {o.false_positives})",
            ),
            ("precision", share(o.precision)),
            ("recall", share(o.recall)),
            ("F1", number(o.f1)),
            ("ROC-AUC of risk", number(o.roc_auc)),
            ("average precision of risk", number(o.average_precision)),
            ("benign false-positive rate", share(o.benign_false_positive_rate)),
            ("exchange-weighted recall", share(o.exchange_weighted_recall)),
            ("harvest before detection", share(o.harvest_before_detection)),
            ("campaign grouping ARI", number(o.adjusted_rand_index)),
            ("campaign grouping V-measure", number(o.v_measure)),
        ],
    )
    campaigns = TextTable(
        "Attack campaigns",
        (
            "campaign",
            "flagged/accounts",
            "recall",
            "exch. recall",
            "harvest before det.",
            "est. exch. before det.",
            "median delay",
            "grouped as",
            "coverage",
            "purity",
        ),
        [
            (
                c.campaign,
                f"{c.flagged}/{c.accounts}",
                share(c.account_recall),
                share(c.exchange_weighted_recall),
                share(c.harvest_before_detection),
                count(c.harvested_before_detection),
                duration(c.median_detection_delay_s),
                c.grouping_majority_id or MISSING,
                share(c.grouping_coverage),
                share(c.grouping_purity),
            )
            for c in evaluation.campaigns
        ],
    )
    populations = TextTable(
        "Benign populations",
        ("population", "accounts", "flagged", "blocked", "false-positive rate"),
        [
            (
                p.population,
                str(p.accounts),
                str(p.flagged),
                str(p.blocked),
                share(p.false_positive_rate),
            )
            for p in evaluation.populations
        ],
    )
    return [overall, campaigns, populations]


def evaluation_tables(evaluation: Evaluation) -> list[Table]:
    """The text tables as Rich tables; cells are literal text, never console markup."""
    tables: list[Table] = []
    for text_table in evaluation_text_tables(evaluation):
        table = Table(*text_table.columns, title=text_table.title, title_justify="left")
        for row in text_table.rows:
            table.add_row(*(Text(cell) for cell in row))
        tables.append(table)
    return tables


def print_evaluation(evaluation: Evaluation, console: Console | None = None) -> None:
    """Print the tables, then the notes (coverage gaps, null metrics) so none go unseen."""
    out = console or Console()
    for table in evaluation_tables(evaluation):
        out.print(table)
    for note in evaluation.notes:
        out.print(Text.assemble(("note: ", "yellow"), note))
