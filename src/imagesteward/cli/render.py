"""Rendering helpers: tables, sizes and the ingest progress bars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagesteward.ingest import FileOutcome, IngestReport

__all__ = ["IngestBars", "human_size", "outcome_table", "summary_line"]

_STATUS_STYLE = {
    "added": "green",
    "duplicate": "cyan",
    "part of": "dim",
    "failed": "bold red",
    "would add": "yellow",
}


def human_size(n: float) -> str:
    """Bytes as a short human string (1.4 GiB)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{int(n)} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def outcome_table(outcomes: list[FileOutcome]) -> Any:
    """The per-file summary table of an ingest run."""
    from rich.table import Table

    table = Table(title="Ingest summary", show_lines=False, expand=False)
    table.add_column("file", overflow="fold")
    table.add_column("result")
    table.add_column("images", justify="right")
    table.add_column("reader")
    table.add_column("size", justify="right")
    table.add_column("details", overflow="fold")
    converted = any(o.rendition for o in outcomes)
    if converted:
        table.add_column("OME-Zarr", overflow="fold")
    for outcome in outcomes:
        style = _STATUS_STYLE.get(outcome.status.value, "")
        row = [
            outcome.path.name,
            f"[{style}]{outcome.status.value}[/]",
            str(outcome.images) if outcome.images else "",
            outcome.reader or "",
            human_size(outcome.size) if outcome.size else "",
            outcome.message,
        ]
        if converted:
            row.append(_rendition_mark(outcome))
        table.add_row(*row)
    return table


def _rendition_mark(outcome: FileOutcome) -> str:
    if outcome.rendition_failed:
        return "[red]failed[/]"
    if outcome.rendition.startswith("metadata only"):
        return "no pixels"
    return "yes" if outcome.rendition else ""


def summary_line(report: IngestReport) -> str:
    """One line: counts per status, images added, throughput."""
    from imagesteward.ingest import Status

    parts = [f"{report.count(status)} {status.value}" for status in Status if report.count(status)]
    converted = sum(1 for o in report.outcomes if _rendition_mark(o) == "yes")
    if converted:
        parts.append(f"{converted} converted to OME-Zarr")
    if report.conversion_failures:
        parts.append(f"{len(report.conversion_failures)} conversion(s) failed")
    rate = report.bytes_added / report.elapsed_s if report.elapsed_s else 0.0
    tail = f"; {report.images_added} image(s), {human_size(report.bytes_added)} stored"
    if report.bytes_added:
        tail += f" at {human_size(rate)}/s"
    return ", ".join(parts) + tail + f" in {report.elapsed_s:.1f} s"


def _rate_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Throughput in the phase's own unit: bytes/s while copying, files/s while reading."""

        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            if not speed:
                return Text("")
            unit = task.fields.get("unit", "")
            shown = f"{human_size(speed)}/s" if unit == "bytes" else f"{speed:,.0f} {unit}/s"
            return Text(shown, style="progress.data.speed")

    return RateColumn()


class IngestBars:
    """Rich progress bars for :func:`imagesteward.ingest.ingest_paths` (one bar per phase)."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            TaskProgressColumn(),
            _rate_column(),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> IngestBars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def phase(self, name: str, total: int, unit: str) -> None:
        """Start a bar for a new phase."""
        self._task = self.progress.add_task(name, total=max(total, 1), unit=unit)
        self._tasks[name] = self._task
        if total == 0:
            self.progress.update(self._task, completed=1)

    def advance(self, amount: int = 1, phase: str | None = None) -> None:
        """Move the bar of ``phase`` (default: the latest)."""
        task = self._tasks.get(phase, self._task) if phase else self._task
        if task is not None:
            self.progress.advance(task, amount)

    def outcome(self, outcome: FileOutcome) -> None:
        """Print failures as they happen, above the bars."""
        if outcome.status.value == "failed":
            self.progress.console.print(f"[red]failed:[/] {outcome.message}", highlight=False)
        elif outcome.rendition_failed:
            self.progress.console.print(
                f"[red]{outcome.path.name}:[/] {outcome.rendition}", highlight=False
            )
