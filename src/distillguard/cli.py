"""The `distillguard` command line: simulate, scan and evaluate."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from distillguard.verdicts.policy import Policy

if TYPE_CHECKING:
    from distillguard.engine.local import Stopped
    from distillguard.scan import ScanConfig, ScanResult

# Polars' allocator (jemalloc) would keep freed pages resident for a while, so a stage's
# high-water mark stayed in the next one. One second hands them back between stages; zero
# (at once) made every tight loop fault its pages in again (scale 10: campaigns 116 s
# against 89 s, 17% more time end to end for 190 MiB less peak). It reads this when polars
# is first imported, which the commands do lazily, after this line; spawned workers inherit
# it. A user's setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:1000,muzzy_decay_ms:1000")

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
    adversary: Annotated[
        list[str] | None,
        typer.Option(
            help="Evasive attacker variant, repeatable: paraphrase, random_timing, "
            "ip_per_account or benign_mix."
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Write labelled, simulated traffic: events, accounts, labels, scenario, releases."""
    from distillguard.engine.local import Stopped, raise_stopped, stop_signals
    from distillguard.simulate import scenario_config
    from distillguard.simulate import simulate as run_simulation

    if prompts is not None and not prompts.is_dir():
        raise typer.BadParameter(f"--prompts must be a folder: {prompts}")
    variants = tuple(adversary or ())
    try:
        config = scenario_config(
            scenario, scale=scale, seed=seed, prompts_dir=prompts, adversary=variants
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        with stop_signals(raise_stopped):
            result = run_simulation(config, out, progress=progress)
    except Stopped as stop:
        _exit_stopped(stop, out)
    evasive = f", adversary {'+'.join(variants)}" if variants else ""
    table = Table(title=f"simulated scenario {scenario!r} (seed {seed}, scale {scale:g}{evasive})")
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
    workers: Annotated[
        int, typer.Option(help="Worker processes (0 = all cores; --follow uses none).")
    ] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    report: Annotated[bool, typer.Option(help="Write out/report.html.")] = True,
    campaign_interval: Annotated[
        float, typer.Option(help="Hours of event time between campaign detections.")
    ] = 6.0,
    follow: Annotated[
        bool, typer.Option(help="Keep scoring one growing plain JSONL file until stopped.")
    ] = False,
    poll: Annotated[
        float | None, typer.Option(help="--follow: seconds between reads at the end [1].")
    ] = None,
    idle_exit: Annotated[
        float | None, typer.Option(help="--follow: stop after this many seconds without data.")
    ] = None,
    lateness: Annotated[
        float | None,
        typer.Option(help="--follow: seconds of event time to wait for out-of-order events [60]."),
    ] = None,
    ablate: Annotated[
        list[str] | None,
        typer.Option(
            help="Switch a signal family off, to measure what it contributes (repeatable; "
            "see docs/detection.md)."
        ),
    ] = None,
) -> None:
    """Scan event logs and write verdicts.csv, campaigns.json, quarantine.jsonl, report.html."""
    from distillguard.ablation import check_families
    from distillguard.engine.local import Stopped, raise_stopped, stop_signals
    from distillguard.scan import ScanConfig
    from distillguard.scan import scan as run_scan

    inputs = [accounts, releases, policy, labels]  # a followed file may not exist yet
    missing = [p for p in [*([] if follow else events), *inputs] if p and not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(map(str, missing))}")
    if campaign_interval <= 0:
        raise typer.BadParameter("--campaign-interval must be positive")
    try:
        ablated = check_families(ablate or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    config = ScanConfig(
        events=events,
        out=out,
        accounts=accounts,
        releases=releases,
        policy=Policy.load(policy) if policy else Policy(),
        workers=workers,
        campaign_interval=timedelta(hours=campaign_interval),
        ablate=ablated,
        progress=progress,
    )
    if not follow and (poll, idle_exit, lateness) != (None, None, None):
        raise typer.BadParameter("--poll, --idle-exit and --lateness need --follow")
    # Ctrl-C or SIGTERM unwinds the scan (its worker pool shuts down on the way) and ends it
    # with one line; --follow handles them itself while it follows, and then ends normally.
    try:
        with stop_signals(raise_stopped):
            result = _follow(config, poll, idle_exit, lateness) if follow else run_scan(config)
            _print_scan_summary(result)
            if report:
                from distillguard.evidence.scan_report import write_scan_report

                path = write_scan_report(result, config, labels=labels)
                console.print(f"report: [bold]{path}[/bold]")
    except Stopped as stop:
        _exit_stopped(stop, out)


def _exit_stopped(stop: Stopped, out: Path) -> NoReturn:
    """End a run that SIGINT or SIGTERM stopped: one line, and the signal's exit code."""
    console.print(
        f"[red]interrupted[/red] by {stop}: the output in {escape(str(out))} is incomplete"
    )
    # At once: the interpreter's exit would join the worker pool's threads, which a signal
    # may have left waiting forever. Files were closed while the stack unwound.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(stop.exit_code)


def _follow(
    config: ScanConfig, poll: float | None, idle_exit: float | None, lateness: float | None
) -> ScanResult:
    """``scan --follow``: one status line per poll; exit code 2 for a file it cannot follow."""
    from distillguard.events.tail import NotFollowableError, check_followable
    from distillguard.follow import FollowConfig, PollStatus, follow

    if len(config.events) != 1:
        raise typer.BadParameter(f"--follow reads exactly one file, got {len(config.events)}")
    if (poll is not None and poll <= 0) or (idle_exit or 0) < 0 or (lateness or 0) < 0:
        raise typer.BadParameter("--poll must be positive; --idle-exit, --lateness not negative")
    try:
        check_followable(config.events[0])
    except NotFollowableError as exc:
        raise typer.BadParameter(str(exc)) from exc
    settings = FollowConfig(
        config,
        poll=1.0 if poll is None else poll,
        idle_exit=idle_exit,
        lateness=timedelta(seconds=60.0 if lateness is None else lateness),
    )

    def show(status: PollStatus) -> None:
        for notice in status.notices:
            _say(f"[yellow]{escape(notice)}[/yellow]", notice, config.progress)
        stamp = datetime.now().strftime("%H:%M:%S")
        line = status.line()
        _say(f"[dim]{stamp}[/dim] {escape(line)}", f"{stamp} {line}", config.progress)

    try:
        return follow(settings, show)
    except NotFollowableError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _say(rich: str, plain: str, fancy: bool) -> None:
    if fancy:
        console.print(rich, highlight=False)
    else:
        print(plain, file=sys.stderr, flush=True)


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
    event_labels: Annotated[
        Path | None,
        typer.Option(
            help="event_labels.csv.gz from the simulator: exact per-exchange harvest labels, "
            "so harvest-before-detection counts exchanges instead of estimating them."
        ),
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
        harvest_ids = _harvest_request_ids(event_labels) if event_labels else None
        with Quarantine(Path(os.devnull)) as quarantine:
            event_times = collect_event_times(read_events(events, quarantine), ids, harvest_ids)
    result = evaluate(label_table, verdict_table, event_times)
    print_evaluation(result, Console())
    if out is not None:
        write_evaluation_json(out, result)
        console.print(f"evaluation: [bold]{out}[/bold]")


def _harvest_request_ids(path: Path) -> set[str]:
    """Request ids labelled as harvesting exchanges in a simulator event_labels.csv(.gz)."""
    import polars as pl

    try:
        labels = pl.read_csv(path, columns=["request_id", "harvest"])
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise typer.BadParameter(f"cannot read event labels {path}: {exc}") from exc
    return set(labels.filter(pl.col("harvest"))["request_id"].to_list())


@app.command()
def calibrate(
    verdicts: Annotated[Path, typer.Option(help="verdicts.csv of a scan of benign traffic.")],
    out: Annotated[Path, typer.Option(help="Write the calibrated policy JSON here.")],
    target_fpr: Annotated[float, typer.Option(help="Share of benign accounts to flag.")] = 0.001,
    labels: Annotated[
        Path | None, typer.Option(help="labels.csv: use only accounts labelled benign.")
    ] = None,
    population_fpr: Annotated[
        float | None,
        typer.Option(
            help="With --labels: also flag at most this share of each benign population "
            "(hard negatives such as evaluation harnesses are few but must stay clean)."
        ),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            help="shared_keys.csv of the same benign scan: also measure the benign harvest "
            "share of shared keys (key_benign_rate)."
        ),
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Base policy JSON to adjust.")] = None,
) -> None:
    """Set the flag threshold from benign traffic only, to a target false-positive rate."""
    import numpy as np

    from distillguard.evaluate.inputs import InputFileError, read_labels, read_verdicts
    from distillguard.verdicts.calibration import calibrate as run_calibration
    from distillguard.verdicts.calibration import calibrate_populations

    try:
        table = read_verdicts(verdicts)
        benign: dict[str, str] | None = None
        if labels is not None:
            label_table = read_labels(labels)
            rows = zip(
                label_table.column("account_id").to_pylist(),
                label_table.column("population").to_pylist(),
                label_table.column("is_attack").to_pylist(),
                strict=True,
            )
            benign = {str(a): str(pop) for a, pop, attack in rows if not attack}
    except InputFileError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if population_fpr is not None and benign is None:
        raise typer.BadParameter("--population-fpr needs --labels (it needs the populations)")
    by_population: dict[str, list[float]] = {}
    for account, risk, reasons in zip(
        table.column("account_id").to_pylist(),
        table.column("risk").to_pylist(),
        table.column("reasons").to_pylist(),
        strict=True,
    ):
        if (benign is None or account in benign) and "allowlisted" not in (reasons or []):
            population = benign[str(account)] if benign else "all"
            by_population.setdefault(population, []).append(float(risk or 0.0))
    try:
        if population_fpr is None:
            every = [r for risks in by_population.values() for r in risks]
            result = run_calibration(np.array(every, dtype=np.float64), target_fpr)
        else:
            arrays = {k: np.array(v, dtype=np.float64) for k, v in by_population.items()}
            result = calibrate_populations(arrays, target_fpr, population_fpr)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    calibrated = result.apply(Policy.load(policy) if policy else Policy())
    if keys is not None:
        import dataclasses

        import polars as pl

        from distillguard.campaigns.shared_keys import benign_key_rate

        try:
            rate = benign_key_rate(pl.read_csv(keys))
        except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
            raise typer.BadParameter(f"cannot calibrate on {keys}: {exc}") from exc
        calibrated = dataclasses.replace(calibrated, key_benign_rate=rate)
        console.print(f"benign harvest share of shared keys: {rate:.4f}")
    calibrated.dump(out)
    console.print(
        f"flag threshold {result.threshold:.4f} from {result.benign_accounts:,} benign accounts: "
        f"{result.achieved_fpr:.4%} flagged (target {target_fpr:.4%}); policy: [bold]{out}[/bold]"
    )
