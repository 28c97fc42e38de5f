"""What an analyst sees: a progress bar while the run works, a summary table after it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._phases import RunPhase

_STYLE = {
    ItemStatus.DONE: "green", ItemStatus.ALREADY_PRESENT: "cyan", ItemStatus.READY: "green",
    ItemStatus.INVALID: "yellow", ItemStatus.HELD: "yellow", ItemStatus.FAILED: "red", ItemStatus.PENDING: "dim",
    ItemStatus.UNCONFIRMED: "magenta",
}


class ProgressView:
    """The phase the run is in and a bar of its items; invalid and failed rows are printed as they
    come, the invalid ones only up to ``shown_invalid`` (the results workbook has every reason)."""

    def __init__(self, console: Console | None = None, *, shown_invalid: int = 20) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=self.console, transient=False)
        self._task = self._progress.add_task("starting", total=None)
        self._shown_invalid = shown_invalid
        self._invalid = 0
        self._resumed = False

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def phase(self, phase: RunPhase, app: str) -> None:
        description = ("resumed run: " if self._resumed else "") + phase.describe(app)
        self._progress.update(self._task, description=description)
        if not self.console.is_terminal:  # no live display: say it in a line
            self.console.print(f"{description} ...", highlight=False, soft_wrap=True)

    def started(self, total: int, resumed: bool) -> None:
        self._resumed = resumed
        self._progress.update(self._task, total=total)

    def advanced(self, result: ItemResult) -> None:
        self._progress.advance(self._task)
        if result.status is ItemStatus.INVALID:
            self._invalid += 1
            if self._invalid > self._shown_invalid:
                if self._invalid == self._shown_invalid + 1:
                    self._progress.console.print(f"[{_STYLE[result.status]}]more invalid rows follow; they are not "
                                                 "listed here (the results workbook has every row's reason)[/]",
                                                 highlight=False, soft_wrap=True)
                return
        if result.status in (ItemStatus.INVALID, ItemStatus.FAILED, ItemStatus.UNCONFIRMED):
            self._progress.console.print(f"row {result.row}: {result.status.value}: {result.message}",
                                         style=_STYLE[result.status], markup=False, highlight=False, soft_wrap=True)


def print_report(report: RunReport, console: Console | None = None) -> None:
    console = console or Console()
    title = f"{report.bot} run {report.run_id}" + (" (dry run)" if report.dry_run else "")
    table = Table()
    table.add_column("status")
    table.add_column("rows", justify="right")
    for status in ItemStatus:
        if count := report.counts.get(status.value, 0):
            table.add_row(f"[{_STYLE[status]}]{status.value}[/]", str(count))
    table.add_row("[bold]total[/]", str(len(report.results)))
    # what comes from data (messages, paths, names) is printed with markup off: "[apps.x]" stays as written
    console.print(title, style="bold", markup=False, soft_wrap=True, highlight=False)  # a narrow table would wrap the run id
    console.print(table)
    if report.stop_reason:
        console.print(f"the run stopped early: {report.stop_reason}", style="red", markup=False, soft_wrap=True)
    if report.drifted_selectors:
        console.print("[yellow]selectors that drifted (a fallback matched; fix the selector file):[/]")
        for drift in report.drifted_selectors:
            console.print(f"  {drift}", soft_wrap=True, highlight=False, markup=False)
    console.print(f"results workbook: {report.output_path}", markup=False, soft_wrap=True, highlight=False)
    console.print(f"recordings:       {report.recording_dir}", markup=False, soft_wrap=True, highlight=False)
    console.print(f"outcome:          {report.outcome.value} (exit code {report.exit_code})", highlight=False)
