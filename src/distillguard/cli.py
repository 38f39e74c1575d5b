"""The `distillguard` command line: simulate, scan and evaluate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from distillguard.verdicts.policy import Policy

if TYPE_CHECKING:
    from distillguard.scan import ScanResult

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    help="Detect, stop, share and prove adversarial distillation of LLM APIs.",
)
console = Console(stderr=True)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data"),
    scenario: Annotated[str, typer.Option(help="Scenario name: default or benign.")] = "default",
    scale: Annotated[float, typer.Option(help="1 ≈ 300k events over 14 days.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; the output is a function of it.")] = 7,
    prompts: Annotated[
        Path | None, typer.Option(help="Folder of real prompt corpora to mix in.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Write labelled, simulated traffic: events, accounts, labels, scenario, releases."""
    from distillguard.simulate import scenario_config
    from distillguard.simulate import simulate as run_simulation

    if prompts is not None and not prompts.is_dir():
        raise typer.BadParameter(f"--prompts must be a folder: {prompts}")
    try:
        config = scenario_config(scenario, scale=scale, seed=seed, prompts_dir=prompts)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    result = run_simulation(config, out, progress=progress)
    table = Table(title=f"simulated scenario {scenario!r} (seed {seed}, scale {scale:g})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, n in (
        ("accounts", result.accounts),
        ("attack accounts", result.attack_accounts),
        ("events", result.events),
        ("malformed lines injected", result.malformed),
        ("duplicate lines injected", result.duplicates),
    ):
        table.add_row(what, f"{n:,}")
    console.print(table)
    console.print(f"wrote {out}/ in {result.seconds:.1f} s")


@app.command()
def scan(
    events: Annotated[list[Path], typer.Argument(help="Event logs: JSONL(.gz/.zst) or Parquet.")],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out"),
    accounts: Annotated[Path | None, typer.Option(help="accounts.jsonl")] = None,
    releases: Annotated[Path | None, typer.Option(help="releases.json: model launches.")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy JSON (calibrated cut-offs).")] = None,
    labels: Annotated[
        Path | None, typer.Option(help="labels.csv, to add an evaluation to the report.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (0 = all cores).")] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    report: Annotated[bool, typer.Option(help="Write out/report.html.")] = True,
) -> None:
    """Scan event logs and write verdicts.csv, campaigns.json, quarantine.jsonl, report.html."""
    from distillguard.scan import ScanConfig
    from distillguard.scan import scan as run_scan

    missing = [p for p in [*events, accounts, releases, policy, labels] if p and not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(map(str, missing))}")
    config = ScanConfig(
        events=events,
        out=out,
        accounts=accounts,
        releases=releases,
        policy=Policy.load(policy) if policy else Policy(),
        workers=workers,
        progress=progress,
    )
    result = run_scan(config)
    _print_scan_summary(result)
    if report:
        from distillguard.evidence.scan_report import write_scan_report

        path = write_scan_report(result, config, labels=labels)
        console.print(f"report: [bold]{path}[/bold]")


def _print_scan_summary(result: ScanResult) -> None:
    stats = result.stats
    table = Table(title="distillguard scan", show_header=False)
    table.add_row("events scanned", f"{result.events:,}")
    table.add_row("quarantined records", f"{stats.quarantined:,}")
    table.add_row("duplicate request ids dropped", f"{stats.duplicates:,}")
    table.add_row("accounts", f"{result.verdicts.height:,}")
    table.add_row("flagged accounts", f"{result.flagged:,}")
    table.add_row("campaigns", f"{len(result.campaigns):,}")
    rate = result.events / result.seconds if result.seconds else 0.0
    table.add_row("time", f"{result.seconds:.1f} s ({rate:,.0f} events/s)")
    for stage, seconds in result.timings.items():
        table.add_row(f"  {stage}", f"{seconds:.1f} s")
    console.print(table)
    actions = result.verdicts["action"].value_counts().sort("action")
    at = Table(title="actions")
    at.add_column("action")
    at.add_column("accounts", justify="right")
    for action, count in actions.iter_rows():
        at.add_row(action, f"{count:,}")
    console.print(at)


@app.command("evaluate")
def evaluate_cmd(
    labels: Annotated[Path, typer.Option(help="labels.csv from the simulator.")],
    verdicts: Annotated[Path, typer.Option(help="verdicts.csv from a scan.")],
    events: Annotated[
        list[Path] | None,
        typer.Option(help="Event logs, for harvest-before-detection (repeatable)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the evaluation as JSON here.")] = None,
) -> None:
    """Score verdicts against ground-truth labels: per campaign, per population, overall."""
    from distillguard.evaluate.event_times import collect_event_times
    from distillguard.evaluate.inputs import InputFileError, read_labels, read_verdicts
    from distillguard.evaluate.metrics import evaluate, write_evaluation_json
    from distillguard.evaluate.tables import print_evaluation
    from distillguard.events.readers import Quarantine, read_events

    try:
        label_table = read_labels(labels)
        verdict_table = read_verdicts(verdicts)
    except InputFileError as exc:
        raise typer.BadParameter(str(exc)) from exc
    event_times = None
    if events:
        attack = label_table.filter(label_table.column("is_attack"))
        ids = {str(a) for a in attack.column("account_id").to_pylist()}
        # The scan already quarantined bad records; here they only need skipping.
        with Quarantine(Path(os.devnull)) as quarantine:
            event_times = collect_event_times(read_events(events, quarantine), ids)
    result = evaluate(label_table, verdict_table, event_times)
    print_evaluation(result, Console())
    if out is not None:
        write_evaluation_json(out, result)
        console.print(f"evaluation: [bold]{out}[/bold]")


@app.command()
def calibrate(
    verdicts: Annotated[Path, typer.Option(help="verdicts.csv of a scan of benign traffic.")],
    out: Annotated[Path, typer.Option(help="Write the calibrated policy JSON here.")],
    target_fpr: Annotated[float, typer.Option(help="Share of benign accounts to flag.")] = 0.001,
    labels: Annotated[
        Path | None, typer.Option(help="labels.csv: use only accounts labelled benign.")
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Base policy JSON to adjust.")] = None,
) -> None:
    """Set the flag threshold from benign traffic only, to a target false-positive rate."""
    import numpy as np

    from distillguard.evaluate.inputs import InputFileError, read_labels, read_verdicts
    from distillguard.verdicts.calibration import calibrate as run_calibration

    try:
        table = read_verdicts(verdicts)
        benign = None
        if labels is not None:
            label_table = read_labels(labels)
            is_benign = zip(
                label_table.column("account_id").to_pylist(),
                label_table.column("is_attack").to_pylist(),
                strict=True,
            )
            benign = {a for a, attack in is_benign if not attack}
    except InputFileError as exc:
        raise typer.BadParameter(str(exc)) from exc
    risks = [
        risk
        for account, risk, reasons in zip(
            table.column("account_id").to_pylist(),
            table.column("risk").to_pylist(),
            table.column("reasons").to_pylist(),
            strict=True,
        )
        if (benign is None or account in benign) and "allowlisted" not in (reasons or [])
    ]
    try:
        result = run_calibration(np.array(risks, dtype=np.float64), target_fpr)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    calibrated = result.apply(Policy.load(policy) if policy else Policy())
    calibrated.dump(out)
    console.print(
        f"flag threshold {result.threshold:.4f} from {result.benign_accounts:,} benign accounts: "
        f"{result.achieved_fpr:.4%} flagged (target {target_fpr:.4%}); policy: [bold]{out}[/bold]"
    )
