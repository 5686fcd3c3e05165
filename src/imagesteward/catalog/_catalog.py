"""The ``Catalog`` façade: the one object the ingest, the CLI and the server talk to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from imagesteward import model
from imagesteward.catalog import (
    _annotate,
    _audit,
    _changes,
    _engine,
    _filesets,
    _health,
    _listing,
    _lookup,
    _renditions,
    _search_index,
    _search_postings,
    _search_query,
    _search_rebuild,
    _search_scores,
    _studies,
)
from imagesteward.catalog._annotate import ImageAnnotation
from imagesteward.catalog._changes import ChangeRecord, FieldProblem
from imagesteward.catalog._engine import (
    backend_of,
    create_catalog_engine,
    display_url,
    parse_catalog_url,
    sqlite_path,
)
from imagesteward.catalog._inputs import AttachmentInput, FilesetInput
from imagesteward.catalog._migrations import connection_error, head_revision, require_current_schema
from imagesteward.catalog._records import (
    CatalogStats,
    DatasetRecord,
    FilesetRecord,
    ImageRecord,
    InstrumentRecord,
    OriginalFileRecord,
    Page,
    ProjectRecord,
    image_record,
)
from imagesteward.catalog._renditions import RenditionInput, RenditionRecord
from imagesteward.catalog._search_types import IndexPage, IndexQuery, Restriction
from imagesteward.catalog._sqltypes import utcnow
from imagesteward.catalog._studies import StudyRecord
from imagesteward.errors import (
    CatalogError,
    ConfigurationError,
    ImageStewardError,
    MetadataValidationError,
    SchemaOutdatedError,
)

__all__ = ["Catalog", "open_catalog"]

# Problems listed in the message of a refused description change; all are in ``details``.
_SHOWN_PROBLEMS = 5


class _DryRunError(Exception):
    """Leaves a write transaction so that it rolls back, carrying what it would have done."""

    def __init__(self, result: Any) -> None:
        super().__init__("dry run")
        self.result = result


def _refuse(problems: list[FieldProblem], what: str) -> MetadataValidationError:
    lines = "; ".join(str(problem).rstrip(".") for problem in problems[:_SHOWN_PROBLEMS])
    more = (
        f"; and {len(problems) - _SHOWN_PROBLEMS} more" if len(problems) > _SHOWN_PROBLEMS else ""
    )
    return MetadataValidationError(
        f"Nothing was changed: {len(problems)} problem(s) in {what}: {lines}{more}.",
        problems=problems,
    )


def open_catalog(url: str, *, sqlite_synchronous: str = "FULL") -> Catalog:
    """Open the catalog at ``url``, refusing a schema this imagesteward was not written for.

    Parameters
    ----------
    url
        ``sqlite:///path/catalog.sqlite`` or ``postgresql+psycopg://user@host/dbname``.
    sqlite_synchronous
        SQLite durability level (``FULL`` or ``EXTRA`` survive power loss).

    Raises
    ------
    SchemaOutdatedError
        When the database is missing, empty, older or newer than this imagesteward; the
        message names the command that fixes it.
    CatalogError
        When the database cannot be reached or is not an imagesteward catalog.
    ConfigurationError
        For an unsupported URL.
    """
    parsed = parse_catalog_url(url)
    if backend_of(parsed) == "sqlite":
        path = sqlite_path(parsed)
        if path is None:
            raise ConfigurationError(
                f"An in-memory SQLite database ({display_url(parsed)}) cannot hold a catalog: "
                "it vanishes with its connection. Use sqlite:///path/to/catalog.sqlite."
            )
        if not path.is_file():
            raise SchemaOutdatedError(
                f"There is no catalog at {path}. Create it with `steward init` (new "
                "installation) or `steward db upgrade` (existing installation).",
                url=display_url(parsed),
                current=None,
                head=head_revision(),
            )
    engine = create_catalog_engine(parsed, sqlite_synchronous=sqlite_synchronous)
    try:
        require_current_schema(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise connection_error(parsed, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return Catalog(engine)


class Catalog:
    """An open catalog. Thread-safe: every call uses its own session and transaction.

    Create it with :func:`open_catalog`; release it with :meth:`dispose` (or ``with``).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Posting lists this process has read, refreshed by stamp on every search.
        self._postings = _search_postings.PostingCache()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return display_url(self._engine.url)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return backend_of(self._engine.url)

    def __repr__(self) -> str:
        return f"Catalog({self.url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower():
                raise CatalogError(
                    f"The catalog {self.url} stayed locked by another writer for more than "
                    f"{_engine.BUSY_TIMEOUT_MS / 1000:g} s; nothing was written. Try again when "
                    "the other ingest has finished.",
                ) from exc
            raise connection_error(self._engine.url, exc) from exc
        except DBAPIError as exc:
            raise CatalogError(f"The catalog {self.url} refused the operation: {exc.orig}") from exc

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._database_errors(), Session(self._engine) as session:
            yield session

    def add_fileset(self, fileset: FilesetInput) -> FilesetRecord:
        """Catalog one acquisition in a single transaction.

        Creates the project, dataset, instruments and people it names when they are new, then
        inserts its files, images and channels. On any error nothing is written.

        Raises
        ------
        ConflictError
            When one of its files (by sha256) or image UUIDs is already catalogued; the
            message names the file and the images it belongs to.
        MetadataValidationError
            When an image's document does not conform to the schema.
        """
        with self._database_errors():
            return _filesets.add_fileset(self._engine, fileset)

    def add_filesets(
        self, filesets: Sequence[FilesetInput]
    ) -> list[FilesetRecord | ImageStewardError]:
        """Catalog many filesets in one transaction (one commit): all of them or none.

        Returns, in order, each fileset's record or the :class:`ConflictError` /
        :class:`MetadataValidationError` it raised. When any entry is an error, nothing at all
        was written (retry the others with :meth:`add_fileset`).
        """
        with self._database_errors():
            return _filesets.add_filesets(self._engine, filesets)

    def find_original_files(self, digests: Iterable[str]) -> dict[str, OriginalFileRecord]:
        """The catalogued original files among ``digests`` (sha256 hex), keyed by digest."""
        with self._session() as session:
            return _lookup.find_original_files(session, digests)

    def referenced_digests(self, digests: Iterable[str]) -> set[str]:
        """Which of ``digests`` the catalog refers to (original files and attachments)."""
        with self._session() as session:
            return _lookup.referenced_digests(session, digests)

    def get_image(self, ref: int | str) -> ImageRecord:
        """An image by id, UUID or unique UUID prefix (8 characters or more).

        Raises
        ------
        NotFoundError
            When nothing (or more than one image) matches; the message says which.
        """
        with self._session() as session:
            return _lookup.get_image(session, ref)

    def list_images(
        self,
        *,
        project: str | None = None,
        dataset: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ImageRecord]:
        """One page of images in id order; pass ``next_cursor`` back for the next page.

        The cursor remembers the project and dataset filters, so the next page needs only it.

        Raises
        ------
        NotFoundError
            For an unknown project or dataset, or a cursor from another listing.
        """
        with self._session() as session:
            return _listing.list_images(
                session, project=project, dataset=dataset, limit=limit, cursor=cursor
            )

    def list_projects(self) -> list[ProjectRecord]:
        """Every project with its dataset and image counts."""
        with self._session() as session:
            return _listing.list_projects(session)

    def list_datasets(self, project: str | None = None) -> list[DatasetRecord]:
        """Datasets of one project (or all) with their image counts."""
        with self._session() as session:
            return _listing.list_datasets(session, project)

    def list_instruments(self) -> list[InstrumentRecord]:
        """Every instrument with the number of images acquired on it."""
        with self._session() as session:
            return _listing.list_instruments(session)

    def fileset_images(self, fileset_id: int) -> list[ImageRecord]:
        """Every image read from one file set (the series of one acquisition), in id order."""
        with self._session() as session:
            return _lookup.fileset_images(session, fileset_id)

    def image_files(self, image_id: int) -> list[OriginalFileRecord]:
        """The original files an image was read from (its fileset's), primary files first."""
        with self._session() as session:
            return _lookup.image_files(session, image_id)

    def original_metadata(self, image_id: int) -> AttachmentInput | None:
        """The complete original metadata kept for an image's fileset (``content`` filled in).

        ``None`` when the reader found none. Raises :class:`NotFoundError` for an unknown image.
        """
        with self._session() as session:
            return _lookup.original_metadata(session, image_id)

    def add_renditions(self, renditions: Sequence[RenditionInput]) -> list[RenditionRecord]:
        """Record finished OME-Zarr conversions (one transaction)."""
        writer = self._engine.execution_options(**{_engine.WRITE_OPTION: True})
        with (
            self._database_errors(),
            Session(writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            return _renditions.add_renditions(session, renditions)

    def renditions(self, image_id: int) -> list[RenditionRecord]:
        """The OME-Zarr renditions of an image, newest first."""
        with self._session() as session:
            return _renditions.image_renditions(session, image_id)

    def stats(self) -> CatalogStats:
        """Totals over the whole catalog."""
        with self._session() as session:
            return _listing.catalog_stats(session)

    def check(self) -> list[str]:
        """Problems in the catalog database, one sentence each; empty when healthy."""
        with self._database_errors():
            return _health.check_catalog(self._engine)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        writer = self._engine.execution_options(**{_engine.WRITE_OPTION: True})
        with (
            self._database_errors(),
            Session(writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def get_study(self, project: str) -> StudyRecord | None:
        """The project's REMBI study, or ``None`` when it has not been described yet.

        Raises
        ------
        NotFoundError
            For an unknown project.
        """
        with self._session() as session:
            return _studies.get_study(session, project)

    def save_study(
        self,
        project: str,
        study: model.Study | Mapping[str, Any],
        *,
        annotations: Sequence[ImageAnnotation] = (),
        by: str | None = None,
        reason: str | None = None,
        expected_revision: int | None = None,
        allow_captured: bool = False,
        dry_run: bool = False,
    ) -> StudyRecord:
        """Create or replace the project's study, with image annotations, in ONE transaction.

        The study is validated with the generated ``Study`` class; biosample and specimen
        identifiers must be unique, listed image UUIDs must be images of the project, and a
        biosample or specimen that images still refer to cannot be removed (``annotations``
        in the same call may re-point them). Every changed field is logged with ``by`` and
        ``reason``. ``dry_run`` checks everything and writes nothing.

        Raises
        ------
        MetadataValidationError
            When anything is wrong; ``details["problems"]`` lists every :class:`FieldProblem`.
        ConflictError
            When ``expected_revision`` is given and the stored study is at another revision.
        NotFoundError
            For an unknown project.
        """
        try:
            with self._writing() as session:
                record, _, problems = _studies.save_study(
                    session,
                    project,
                    study,
                    annotations=annotations,
                    by=by,
                    reason=reason,
                    expected_revision=expected_revision,
                    allow_captured=allow_captured,
                    at=utcnow(),
                )
                if record is None or problems:
                    raise _refuse(problems, f"the study of {project!r}")
                session.flush()
                _audit.audit_metadata_edit(
                    session, at=record.updated_at, by=by, action="metadata.study",
                    target=f"project:{project}", reason=reason,
                    details={"revision": record.revision, "annotations": len(annotations)},
                )  # fmt: skip
                _search_index.refresh(
                    session.connection(), project_ids=[_studies.project_id(session, project)]
                )
                if dry_run:
                    raise _DryRunError(record)
                return record
        except _DryRunError as done:
            result: StudyRecord = done.result
            return result

    def annotate_images(
        self,
        annotations: Sequence[ImageAnnotation],
        *,
        by: str | None = None,
        reason: str | None = None,
        allow_captured: bool = False,
        dry_run: bool = False,
    ) -> list[ImageRecord]:
        """Set fields of image documents (all of them, or none) and return the changed images.

        Values captured from the original files are protected: changing or removing one
        needs ``allow_captured=True``; empty fields and fields a person set are free.
        ``biosample_ref`` and ``specimen_ref`` must name an identifier of the project's
        study. Changed documents are validated again, their promoted columns recomputed,
        and each changed field logged with ``by`` and ``reason``.

        Raises
        ------
        MetadataValidationError
            When any annotation cannot be applied; ``details["problems"]`` lists every
            :class:`FieldProblem` (its ``index`` is the annotation's position).
        """
        try:
            with self._writing() as session:
                images, problems = _annotate.annotate(
                    session,
                    annotations,
                    by=by,
                    reason=reason,
                    allow_captured=allow_captured,
                    at=utcnow(),
                )
                if problems:
                    raise _refuse(problems, "the annotations")
                session.flush()
                for project, uuids in _by_project(images).items():
                    _audit.audit_metadata_edit(
                        session, at=utcnow(), by=by, action="metadata.annotate",
                        target=f"project:{project}", reason=reason,
                        details={"images": uuids,
                                 "fields": sorted({f for a in annotations for f in a.values})},
                    )  # fmt: skip
                _search_index.refresh(session.connection(), image_ids=[i.row.id for i in images])
                records = [image_record(i.row, i.project, i.dataset) for i in images]
                if dry_run:
                    raise _DryRunError(records)
                return records
        except _DryRunError as done:
            result: list[ImageRecord] = done.result
            return result

    def query_index(self, query: IndexQuery, *, restrict: Restriction | None = None) -> IndexPage:
        """Search the index: a page of hits, their total and facet counts.

        :mod:`imagesteward.search` builds ``query`` from its query language. ``restrict``
        is what a caller's permissions let it see; it limits the hits, the total and every
        count alike.
        """
        with self._database_errors(), self._engine.connect() as connection:
            return _search_query.query_index(
                connection, query, restrict=restrict, postings=self._postings
            )

    def set_search_completeness(self, scores: Mapping[tuple[str, int], int | None]) -> int:
        """Record completeness tiers in the search index; the number of entries changed.

        ``scores`` maps ``(kind, id)`` - ``("image", 12)``, ``("dataset", 3)``, ``("study",
        1)`` - to the highest tier whose fields are all filled (0 for none). Scores are
        computed by :mod:`imagesteward.describe` (above the catalog), which calls this; the
        index keeps them when entries are derived again.
        """
        writer = self._engine.execution_options(**{_engine.WRITE_OPTION: True})
        with self._database_errors(), writer.begin() as connection:
            return _search_scores.set_completeness(connection, scores)

    def rebuild_search_index(self) -> int:
        """Derive the whole search index again (one transaction); the images indexed."""
        writer = self._engine.execution_options(**{_engine.WRITE_OPTION: True})
        with self._database_errors(), writer.begin() as connection:
            return _search_rebuild.rebuild(connection)

    def metadata_changes(
        self, *, project: str | None = None, image: int | str | None = None, limit: int = 100
    ) -> list[ChangeRecord]:
        """Recorded changes of study and image documents, newest first (the audit trail).

        Raises
        ------
        NotFoundError
            For an unknown project or image.
        """
        with self._session() as session:
            pid = None if project is None else _studies.project_id(session, project)
            image_id = None if image is None else _lookup.get_image(session, image).id
            return _changes.list_changes(session, project_id=pid, image_id=image_id, limit=limit)


def _by_project(images: Sequence[Any]) -> dict[str, list[str]]:
    """Changed images' UUIDs grouped by project, for one audit event per project."""
    grouped: dict[str, list[str]] = {}
    for image in images:
        grouped.setdefault(image.project, []).append(str(image.row.uuid))
    return grouped
