"""Reader discovery, selection by content, and the boundary that contains library failures.

Selection policy (written down because users ask "why this reader?"):

1. Every registered reader sniffs the file's content; file names are never decisive.
2. The highest score wins; ties go to the reader registered first.
3. A file whose name suggests another format than its content gets a note in the report
   ("named .tif but the content is a CZI file").
4. No reader accepting means :class:`~imagesteward.errors.UnsupportedFormatError`, listing
   what each reader saw.

Every exception a third-party library raises while opening or reading is converted at this
boundary into a :class:`~imagesteward.errors.FormatError` that names the file and the reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from imagesteward.errors import (
    CorruptFileError,
    FormatError,
    ImageStewardError,
    ImplausibleSizeError,
    UnsupportedFormatError,
)
from imagesteward.formats._base import region_index
from imagesteward.formats.reader import (
    HEAD_BYTES,
    ImageSource,
    OriginalMetadata,
    Probe,
    ReadContext,
    Reader,
    Selection,
    Verdict,
)
from imagesteward.model import SeriesInfo

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ReaderRegistry", "SelectionReport", "default_registry", "probe_path"]

ENTRY_POINT_GROUP = "imagesteward.readers"


@dataclass(slots=True)
class SelectionReport:
    """Why a reader was (or was not) chosen for a path."""

    path: Path
    verdicts: list[tuple[Reader, Verdict]]
    chosen: Reader | None
    notes: list[str] = field(default_factory=list)

    def explain(self) -> str:
        """One line per reader, the chosen one first, for ``steward inspect``."""
        lines = []
        if self.chosen is not None:
            lines.append(f"chosen: {self.chosen.name} ({self.chosen.library})")
        for reader, verdict in sorted(self.verdicts, key=lambda rv: -rv[1].score):
            mark = "*" if reader is self.chosen else " "
            lines.append(f" {mark} {reader.name:<9} score {verdict.score:>3}  {verdict.reason}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def probe_path(path: Path) -> Probe:
    """Read what sniffing needs: the first bytes of a file, or a directory's entry names."""
    if path.is_dir():
        return Probe(
            path=path, head=b"", is_dir=True, listing=frozenset(p.name for p in path.iterdir())
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise FormatError(path, f"cannot be read: {exc.strerror or exc}") from exc
    return Probe(path=path, head=head)


class ReaderRegistry:
    """The readers available to this process, in priority order."""

    def __init__(
        self, readers: Iterable[Reader], unavailable: Iterable[tuple[str, str]] = ()
    ) -> None:
        self._readers = list(readers)
        #: Plugins that failed to load, as (entry point name, error); shown by ``steward formats``.
        self.unavailable: list[tuple[str, str]] = list(unavailable)

    @classmethod
    def from_entry_points(cls) -> ReaderRegistry:
        """Instantiate every reader registered under the ``imagesteward.readers`` group.

        A plugin that fails to import is listed in :attr:`unavailable` instead of breaking
        every other format.
        """
        readers: list[Reader] = []
        unavailable: list[tuple[str, str]] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                readers.append(ep.load()())
            except Exception as exc:  # noqa: BLE001 - one broken plugin must not hide the rest
                unavailable.append((ep.name, f"{type(exc).__name__}: {exc}"))
        return cls(readers, unavailable)

    @property
    def readers(self) -> Sequence[Reader]:
        """Readers in priority order."""
        return tuple(self._readers)

    def get(self, name: str) -> Reader:
        """The reader called ``name``."""
        for reader in self._readers:
            if reader.name == name:
                return reader
        known = ", ".join(r.name for r in self._readers)
        raise KeyError(f"no reader named {name!r}; known readers: {known}")

    def select(self, path: Path) -> SelectionReport:
        """Ask every reader about ``path`` and choose one (see the module's policy)."""
        if not path.exists():
            raise FormatError(path, "does not exist")
        probe = probe_path(path)
        if not probe.is_dir and not probe.head:
            raise CorruptFileError(path, "is empty (0 bytes)")
        verdicts: list[tuple[Reader, Verdict]] = []
        for reader in self._readers:
            try:
                verdict = reader.sniff(probe)
            except ImageStewardError:
                raise
            except Exception as exc:  # noqa: BLE001 - a sniffing bug must not hide other readers
                verdict = Verdict(0, f"sniffing failed: {type(exc).__name__}: {exc}")
            verdicts.append((reader, verdict))
        best = max(verdicts, key=lambda rv: rv[1].score, default=None)
        chosen = best[0] if best is not None and best[1].accepts else None
        report = SelectionReport(path=path, verdicts=verdicts, chosen=chosen)
        if chosen is not None:
            expected = [r for r in self._readers if any(probe.name.endswith(s) for s in r.suffixes)]
            if (
                expected
                and chosen not in expected
                and not any(r.library == chosen.library for r in expected)
            ):
                report.notes.append(
                    f"the name suggests {expected[0].title} but the content is {chosen.title}"
                )
        return report

    def preload(self, readers: Iterable[Reader]) -> None:
        """Import the heavy modules of ``readers`` now, on the calling thread.

        Call before reading files in worker threads (see :attr:`Reader.modules`).
        """
        from importlib import import_module

        for reader in readers:
            for module in getattr(reader, "modules", ()):
                import_module(module)

    def open(
        self, path: Path, context: ReadContext, report: SelectionReport | None = None
    ) -> tuple[ImageSource, SelectionReport]:
        """Open ``path`` with the reader ``report`` chose (selecting one if not given).

        The reader runs behind the exception boundary: library failures become FormatErrors.
        """
        report = report if report is not None else self.select(path)
        if report.chosen is None:
            raise unsupported(report)
        reader = report.chosen
        try:
            source = reader.open(path, context)
        except ImageStewardError:
            raise
        except MemoryError as exc:
            raise ImplausibleSizeError(
                path, f"{reader.title} reader ran out of memory while opening it"
            ) from exc
        except Exception as exc:
            raise CorruptFileError(path, _library_failure(reader, exc)) from exc
        return GuardedSource(source, reader), report


def unsupported(report: SelectionReport) -> UnsupportedFormatError:
    """The error for a file no reader accepts, saying what each reader saw."""
    seen = "; ".join(f"{r.name}: {v.reason}" for r, v in report.verdicts if v.reason)
    return UnsupportedFormatError(
        report.path,
        f"no reader recognises this content ({seen}). Run 'steward formats' to list the "
        "supported formats",
    )


def _library_failure(reader: Reader, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"cannot be read as {reader.title} ({reader.library} failed with {text})"


class GuardedSource:
    """An :class:`ImageSource` whose every call converts library errors into FormatErrors."""

    def __init__(self, inner: ImageSource, reader: Reader) -> None:
        self._inner = inner
        self.reader = reader
        self.path = inner.path
        self._series: Sequence[SeriesInfo] | None = None

    def _fail(self, exc: Exception) -> FormatError:
        if isinstance(exc, MemoryError):
            return ImplausibleSizeError(self.path, f"{self.reader.title} reader ran out of memory")
        return CorruptFileError(self.path, _library_failure(self.reader, exc))

    @property
    def files(self) -> Sequence[Path]:
        return self._inner.files

    @property
    def series(self) -> Sequence[SeriesInfo]:
        if self._series is None:
            try:
                self._series = self._inner.series
            except ImageStewardError:
                raise
            except Exception as exc:
                raise self._fail(exc) from exc
        return self._series

    def original_metadata(self) -> OriginalMetadata | None:
        try:
            return self._inner.original_metadata()
        except ImageStewardError:
            raise
        except Exception as exc:
            raise self._fail(exc) from exc

    def read(self, series: int, selection: Selection | None = None, level: int = 0) -> np.ndarray:
        # A caller's mistake (no such series, level or axis) is an IndexError/KeyError about the
        # request; only failures inside the library say something about the file.
        infos = self.series
        if not 0 <= series < len(infos):
            raise IndexError(f"{self.path}: no series {series} (it has {len(infos)})")
        structure = infos[series].structure
        if not 0 <= level < len(structure.levels):
            raise IndexError(
                f"{self.path}: series {series} has no level {level} "
                f"(it has {len(structure.levels)})"
            )
        level_structure = replace(structure, shape=structure.levels[level], levels=())
        region_index(level_structure, selection)
        try:
            return self._inner.read(series, selection, level)
        except ImageStewardError:
            raise
        except Exception as exc:
            raise self._fail(exc) from exc

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def default_registry() -> ReaderRegistry:
    """The registry of installed readers (entry points), in registration order."""
    return ReaderRegistry.from_entry_points()
