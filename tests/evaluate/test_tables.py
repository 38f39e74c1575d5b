"""Rich rendering shows every campaign and population with formatted numbers."""

from __future__ import annotations

from rich.console import Console

from distillguard.evaluate.metrics import evaluate
from distillguard.evaluate.tables import print_evaluation
from tests.evaluate.test_metrics import EVENTS, LABELS, VERDICTS, labels, verdicts


def render(console_width: int = 200) -> str:
    console = Console(record=True, width=console_width)
    print_evaluation(evaluate(LABELS, VERDICTS, EVENTS), console)
    return console.export_text()


def test_tables_show_campaigns_populations_and_notes() -> None:
    text = render()
    campaign_a = next(line for line in text.splitlines() if "│ A " in line)
    assert "2/3" in campaign_a and "75.0%" in campaign_a and "65.0%" in campaign_a
    assert "7.5 min" in campaign_a and "C1" in campaign_a
    assert "students" in text and "devs" in text and "50.0%" in text
    assert "note: 1 labelled accounts have no verdict" in text


def test_markup_in_names_is_printed_literally() -> None:
    lab = labels([("a", "lab", "[/x]camp", 1), ("n", "[bold]pop", None, 0)])
    ver = verdicts([("a", 0.9, "[red]C", 1, "block"), ("n", 0.1, None, None, "allow")])
    console = Console(record=True, width=200)
    print_evaluation(evaluate(lab, ver), console)
    text = console.export_text()
    assert "[/x]camp" in text and "[red]C" in text and "[bold]pop" in text
