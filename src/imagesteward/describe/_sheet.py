"""Batch annotation through a spreadsheet: export TSV or XLSX prefilled, edit, import checked.

One row per image, keyed by its catalog UUID. Columns in square brackets (``[name]``,
``[pixel size µm]``) show what the reader extracted, for orientation, and are ignored on
import; the other columns are field paths of the Image document (``biosample_ref``,
``acquisition.imaging_method``, ``channels[1].fluorophore``), prefilled with the current
values. On import only cells that differ from the catalog become annotations; terms may be
typed as an identifier or an exact name, PIDs in any usual spelling. Every problem is
reported with its row and column, and nothing is written unless every row is right.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagesteward import model
from imagesteward.catalog import Catalog, FieldProblem, ImageAnnotation, ImageRecord
from imagesteward.describe._describe import annotate_images
from imagesteward.describe._fields import ontology_of, resolve_path
from imagesteward.describe._project import project_images
from imagesteward.errors import MetadataValidationError
from imagesteward.model.paths import PathError, get_at, parse_path
from imagesteward.model.tiers import slot_annotation, slot_tier
from imagesteward.ontology import OntologyIndex

__all__ = ["SheetImport", "SheetProblem", "export_sheet", "import_sheet", "sheet_columns"]

KEY = "uuid"
_CONTEXT = ("[dataset]", "[name]", "[sizes]", "[pixel size µm]", "[channel names]")
#: Image fields a researcher fills per image (channels' fluorophores are added per channel).
EDITABLE = (
    "description",
    "biosample_ref",
    "specimen_ref",
    "acquisition.imaging_method",
    "acquisition.temperature",
    "acquisition.co2_percent",
    "acquisition.operator.name",
    "acquisition.operator.orcid",
)
_SUFFIXES = {".tsv": "tsv", ".txt": "tsv", ".xlsx": "xlsx"}


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """What is wrong in one cell (``column`` empty: the row or the file as a whole)."""

    row: int
    column: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SheetImport:
    """What an import changed (or, in a dry run, would change)."""

    rows: int
    images: tuple[ImageRecord, ...]
    fields: int


def sheet_columns(channels: int) -> list[str]:
    """The header: key, context columns, editable fields, one fluorophore column per channel."""
    fluorophores = [f"channels[{i}].fluorophore" for i in range(channels)]
    return [KEY, *_CONTEXT, *EDITABLE, *fluorophores]


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and "term_id" in value:
        return " ".join(filter(None, [value["term_id"], value.get("label")]))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _row(image: ImageRecord, columns: Sequence[str]) -> list[str]:
    document = image.document.model_dump(mode="json", exclude_none=True)
    doc = image.document
    context = {
        KEY: image.uuid,
        "[dataset]": image.dataset,
        "[name]": doc.name or "",
        "[sizes]": f"T{doc.size_t} C{doc.size_c} Z{doc.size_z} Y{doc.size_y} X{doc.size_x}",
        "[pixel size µm]": " × ".join(
            f"{v:g}" for v in (doc.physical_size_x, doc.physical_size_y) if v is not None
        ),
        "[channel names]": "; ".join(c.name or "-" for c in doc.channels or []),
    }
    cells = []
    for column in columns:
        if column in context:
            cells.append(context[column])
            continue
        try:
            cells.append(_format(get_at(document, parse_path(column))))
        except PathError:
            cells.append("")  # a channel this image does not have
    return cells


def export_sheet(catalog: Catalog, project: str, path: Path, *, dataset: str | None = None) -> int:
    """Write the images of ``project`` (one ``dataset``, or all) to ``path``; returns the rows.

    The format follows the suffix: ``.tsv`` or ``.xlsx``.
    """
    kind = _kind(path)
    images = [i for i in project_images(catalog, project) if dataset in (None, i.dataset)]
    channels = max((i.size_c for i in images), default=1)
    columns = sheet_columns(channels)
    rows = [_row(image, columns) for image in images]
    if kind == "tsv":
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
    else:
        _write_xlsx(path, columns, rows)
    return len(rows)


def _kind(path: Path) -> str:
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise MetadataValidationError(
            f"{path}: a spreadsheet must be .tsv or .xlsx, not {path.suffix or 'no suffix'}"
        )
    return kind


def _write_xlsx(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "images"
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    grey = PatternFill("solid", fgColor="DDDDDD")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for position, column in enumerate(columns, start=1):
        if column == KEY or column.startswith("["):
            for (cell,) in sheet.iter_rows(min_col=position, max_col=position, min_row=2):
                cell.fill = grey
    sheet.freeze_panes = "B2"
    guide = book.create_sheet("fields")
    guide.append(["column", "tier", "binding", "description"])
    for column in columns:
        if column == KEY or column.startswith("["):
            continue
        owner, slot = resolve_path(model.Image, column)
        binding = ontology_of(owner, slot) or slot_annotation(owner, slot, "pid_scheme") or ""
        description = owner.model_fields[slot].description or ""
        guide.append([column, slot_tier(owner, slot), binding, description])
    book.save(path)


def _read(path: Path) -> list[list[str]]:
    if _kind(path) == "tsv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return [list(row) for row in csv.reader(stream, delimiter="\t")]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book["images"] if "images" in book.sheetnames else book.worksheets[0]
        return [
            ["" if cell is None else _cell_text(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def import_sheet(
    catalog: Catalog,
    index: OntologyIndex,
    path: Path,
    *,
    by: str | None = None,
    reason: str | None = None,
    allow_captured: bool = False,
    dry_run: bool = False,
) -> SheetImport:
    """Apply the edits in a spreadsheet written by :func:`export_sheet`.

    Raises
    ------
    MetadataValidationError
        With every :class:`SheetProblem` (row numbers as the spreadsheet shows them, header
        = row 1) in ``details["problems"]``; nothing is written.
    """
    table = _read(path)
    if not table or KEY not in table[0]:
        raise MetadataValidationError(
            f"{path}: the first row must be the header written by 'steward describe export' "
            f"(with a {KEY!r} column)"
        )
    header = [name.strip() for name in table[0]]
    problems: list[SheetProblem] = []
    fields = _editable(header, problems)
    rows = [(number, row) for number, row in enumerate(table[1:], start=2) if any(row)]
    annotations: list[ImageAnnotation] = []
    row_of: list[int] = []
    changed = 0
    for number, row in rows:
        cells = dict(zip(header, [*row, *[""] * (len(header) - len(row))], strict=False))
        ref = cells[KEY].strip()
        try:
            image = catalog.get_image(ref)
        except LookupError as exc:
            problems.append(SheetProblem(number, KEY, ref, str(exc)))
            continue
        values = _changes(image, cells, fields, number, problems)
        if values:
            annotations.append(ImageAnnotation(image.uuid, values))
            row_of.append(number)
            changed += len(values)
    if annotations:
        # Even when some cells are already wrong, the catalog checks the others (in a dry run)
        # so that one import reports every problem, not the first layer of them.
        try:
            records = annotate_images(
                catalog,
                index,
                annotations,
                by=by,
                reason=reason,
                allow_captured=allow_captured,
                dry_run=dry_run or bool(problems),
            )
        except MetadataValidationError as exc:
            found: list[FieldProblem] = exc.details.get("problems", [])
            problems.extend(_located(found, row_of))
        else:
            if not problems:
                return SheetImport(len(rows), tuple(records), changed)
    if problems:
        raise _refused(path, problems)
    return SheetImport(len(rows), (), 0)


def _editable(header: Sequence[str], problems: list[SheetProblem]) -> list[str]:
    fields = []
    for column in header:
        if column == KEY or column.startswith("[") or not column:
            continue
        try:
            parse_path(column)
            resolve_path(model.Image, column)
        except (PathError, KeyError):
            problems.append(
                SheetProblem(1, column, column, "is not a field of an image (see the fields sheet)")
            )
            continue
        fields.append(column)
    return fields


def _changes(
    image: ImageRecord,
    cells: dict[str, str],
    fields: Iterable[str],
    number: int,
    problems: list[SheetProblem],
) -> dict[str, Any]:
    document = image.document.model_dump(mode="json", exclude_none=True)
    values: dict[str, Any] = {}
    for column in fields:
        text = cells.get(column, "").strip()
        try:
            current = get_at(document, parse_path(column))
            if column.startswith("channels[") and _channel(column) >= len(
                document.get("channels") or []
            ):
                raise PathError(column)
        except PathError:
            if text:
                problems.append(
                    SheetProblem(number, column, text, "this image has no such channel")
                )
            continue
        if text == _format(current):
            continue
        owner, slot = resolve_path(model.Image, column)
        try:
            values[column] = _parse(owner, slot, text)
        except ValueError as exc:
            problems.append(SheetProblem(number, column, text, str(exc)))
    return values


def _channel(column: str) -> int:
    """The channel index of a ``channels[i]...`` column."""
    return int(column.split("[", 1)[1].split("]", 1)[0])


def _parse(owner: type[Any], slot: str, text: str) -> Any:
    if not text:
        return None
    if ontology_of(owner, slot):
        head = text.split(" ", 1)[0]
        return head if ":" in head else text
    annotation = str(owner.model_fields[slot].annotation)
    if "float" in annotation:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
    if "int" in annotation and "str" not in annotation:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    return text


def _located(found: Sequence[FieldProblem], row_of: Sequence[int]) -> list[SheetProblem]:
    return [
        SheetProblem(
            row_of[problem.index] if problem.index is not None else 1,
            problem.field,
            problem.value,
            problem.reason,
        )
        for problem in found
    ]


def _refused(path: Path, problems: list[SheetProblem]) -> MetadataValidationError:
    problems.sort(key=lambda p: (p.row, p.column))
    shown = "; ".join(str(problem) for problem in problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return MetadataValidationError(
        f"Nothing was changed: {len(problems)} problem(s) in {path.name}: {shown}{more}.",
        problems=problems,
    )
