"""``steward delete`` (remove datasets and images) and ``steward store purge`` (free bytes).

Removal hides at once and deletes nothing; the operator frees the space later, explicitly,
with ``steward store purge`` (``--dry-run`` first). Both are audited with the command line's
origin (``cli <login>@<host>``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from imagesteward.cli.app import app, console, handle_errors, home_of

__all__ = ["delete_app", "restore_app", "store_app"]

delete_app = typer.Typer(
    help="Remove a dataset or an image: hidden everywhere at once, originals kept until "
    "'steward store purge'.",
    no_args_is_help=True,
)
store_app = typer.Typer(help="The original-file store: purge removed data.", no_args_is_help=True)
restore_app = typer.Typer(
    help="Undo a removal (before 'steward store purge' freed its bytes).", no_args_is_help=True
)
app.add_typer(delete_app, name="delete")
app.add_typer(store_app, name="store")
app.add_typer(restore_app, name="restore")

_YES = typer.Option("--yes", "-y", help="Do not ask for confirmation.")


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(f"Remove {what}?", default=False):
        raise typer.Abort


@delete_app.command("image")
@handle_errors
def delete_image(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Image id, UUID or UUID prefix.")],
    yes: Annotated[bool, _YES] = False,
) -> None:
    """Remove one image (its original stays in the store until purged)."""
    from imagesteward.catalog import removal_catalog
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        record = installation.catalog.get_image(ref)
        _confirm(f"image {record.id} ({record.uuid}) in {record.project} / {record.dataset}", yes)
        removed = removal_catalog(installation.catalog).remove_image(ref, remote=cli_origin())
    console().print(f"removed {removed.target}", highlight=False)


@delete_app.command("dataset")
@handle_errors
def delete_dataset(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="Project name.")],
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    yes: Annotated[bool, _YES] = False,
) -> None:
    """Remove a dataset and every image in it (originals stay in the store until purged)."""
    from imagesteward.catalog import removal_catalog
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        _confirm(f"dataset {dataset!r} of project {project!r} with all its images", yes)
        removed = removal_catalog(installation.catalog).remove_dataset(
            project, dataset, remote=cli_origin()
        )
    count = len(removed.image_uuids)
    console().print(
        f"removed {removed.target} ({count} image{'' if count == 1 else 's'})", highlight=False
    )


@restore_app.command("image")
@handle_errors
def restore_image(
    ctx: typer.Context,
    uuid: Annotated[str, typer.Argument(help="The removed image's UUID (see 'steward audit').")],
) -> None:
    """Bring back a removed image (its dataset must be live)."""
    from imagesteward.catalog import removal_catalog
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        restored = removal_catalog(installation.catalog).restore_image(
            uuid, remote=cli_origin(), has_bytes=installation.store.has
        )
    console().print(f"restored {restored.target}", highlight=False)


@restore_app.command("dataset")
@handle_errors
def restore_dataset(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="Project name.")],
    dataset: Annotated[str, typer.Argument(help="The name the dataset had.")],
) -> None:
    """Bring back the latest removed dataset of that name, with the images removed with it."""
    from imagesteward.catalog import removal_catalog
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import open_installation

    with open_installation(home_of(ctx)) as installation:
        restored = removal_catalog(installation.catalog).restore_dataset(
            project, dataset, remote=cli_origin(), has_bytes=installation.store.has
        )
    count = len(restored.image_uuids)
    console().print(
        f"restored {restored.target} ({count} image{'' if count == 1 else 's'})", highlight=False
    )


@store_app.command("purge")
@handle_errors
def purge(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")
    ] = False,
) -> None:
    """Delete originals and renditions that only removed datasets and images refer to."""
    from imagesteward.cli.user_cmd import cli_origin
    from imagesteward.installation import open_installation, purge_removed

    with open_installation(home_of(ctx)) as installation:
        report = purge_removed(installation, dry_run=dry_run, remote=cli_origin())
    out = console()
    verb = "would delete" if dry_run else "deleted"
    for digest, name, size in report.originals:
        out.print(f"{verb} original {name} sha256:{digest} ({size:,} bytes)", highlight=False)
    for url in report.renditions:
        out.print(f"{verb} rendition {url}", highlight=False)
    for what, why in report.skipped:
        out.print(f"kept {what}: {why}", highlight=False)
    total = sum(size for _, _, size in report.originals)
    out.print(
        f"{len(report.originals)} original(s) ({total:,} bytes) and "
        f"{len(report.renditions)} rendition(s) {'would be deleted' if dry_run else 'deleted'}",
        highlight=False,
    )
