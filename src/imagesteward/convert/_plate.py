"""HCS plates: which series is which field of which well.

Readers do not (yet) describe plates, so the caller states the layout::

    layout = PlateLayout(
        fields=(WellField(series=0, row="A", column="1"), WellField(series=1, row="A", column="2")),
        name="screen 7",
    )
    to_ome_zarr(source, "plate.ome.zarr", plate=layout)

Each field becomes the NGFF image ``<row>/<column>/<field>``; wells and the plate get their
``well`` and ``plate`` metadata, and the OME-XML a ``Plate`` with ``Well``/``WellSample``
elements referencing the images.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from imagesteward.errors import ConfigurationError

__all__ = ["PlateLayout", "WellField"]

_NAME = re.compile(r"^[A-Za-z0-9]+$")


@dataclass(frozen=True, slots=True)
class WellField:
    """One series placed in a well.

    ``field`` is the field-of-view number within the well (default: order of appearance);
    ``acquisition`` the plate acquisition (run) it belongs to, if the plate has several.
    """

    series: int
    row: str
    column: str
    field: int | None = None
    acquisition: int | None = None


@dataclass(frozen=True, slots=True)
class PlateLayout:
    """A plate: the fields, and optionally every row and column name of the plate format.

    ``rows`` / ``columns`` default to those used, in natural order; give the full format
    (``rows=tuple("ABCDEFGH")``, ``columns=tuple(str(i) for i in range(1, 13))``) to record
    empty rows and columns too.
    """

    fields: tuple[WellField, ...]
    name: str | None = None
    rows: tuple[str, ...] | None = None
    columns: tuple[str, ...] | None = None

    @classmethod
    def grid(cls, series: Sequence[int], columns: int = 12, name: str | None = None) -> PlateLayout:
        """Series in reading order across a plate of ``columns`` columns, one field per well."""
        rows = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        fields = tuple(
            WellField(s, rows[i // columns], str(i % columns + 1)) for i, s in enumerate(series)
        )
        return cls(fields, name)

    @property
    def row_names(self) -> tuple[str, ...]:
        """Every row of the plate."""
        return self.rows or tuple(sorted({f.row for f in self.fields}, key=_natural))

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every column of the plate."""
        return self.columns or tuple(sorted({f.column for f in self.fields}, key=_natural))

    def wells(self) -> dict[str, list[WellField]]:
        """Fields by well path (``"A/1"``), wells in row-major order, fields in field order."""
        by_well: dict[str, list[WellField]] = {}
        for field in self.fields:
            by_well.setdefault(f"{field.row}/{field.column}", []).append(field)
        rows, columns = self.row_names, self.column_names
        ordered = sorted(
            by_well, key=lambda p: (rows.index(p.split("/")[0]), columns.index(p.split("/")[1]))
        )
        return {
            path: sorted(
                by_well[path],
                key=lambda f: f.field if f.field is not None else by_well[path].index(f),
            )
            for path in ordered
        }

    def image_paths(self) -> dict[int, str]:
        """The NGFF image path of every series in the plate."""
        paths = {}
        for well, fields in self.wells().items():
            for position, field in enumerate(fields):
                number = field.field if field.field is not None else position
                paths[field.series] = f"{well}/{number}"
        return paths

    def check(self, series_count: int) -> None:
        """Raise :class:`ConfigurationError` unless the layout fits a source's series."""
        problems = []
        seen: set[int] = set()
        for field in self.fields:
            if not 0 <= field.series < series_count:
                problems.append(f"series {field.series} does not exist ({series_count} series)")
            if field.series in seen:
                problems.append(f"series {field.series} is placed twice")
            seen.add(field.series)
            for kind, name in (("row", field.row), ("column", field.column)):
                if not _NAME.match(name):
                    problems.append(f"{kind} name {name!r} must be letters and digits only")
        rows, columns = self.row_names, self.column_names
        for field in self.fields:
            if field.row not in rows or field.column not in columns:
                problems.append(f"well {field.row}{field.column} is outside the given rows/columns")
        numbers = [p.rsplit("/", 1)[1] for p in self.image_paths().values()]
        if len(set(self.image_paths().values())) != len(self.fields):
            problems.append(f"two series share a field number in one well ({numbers})")
        if not self.fields:
            problems.append("the layout places no series")
        if problems:
            raise ConfigurationError("Invalid plate layout: " + "; ".join(problems))


def _natural(name: str) -> tuple[int, int | str]:
    return (0, int(name)) if name.isdigit() else (1, name)
