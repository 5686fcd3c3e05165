"""The ``steward`` command line (Typer + Rich). Thin: every command calls a capability's API.

Importing the command modules registers their commands on :data:`app`; they import nothing heavy
at module level, so ``steward --help`` answers at once.
"""

from imagesteward.cli import (
    access_cmd,
    audit_cmd,
    browse,
    catalog_admin,
    convert_cmd,
    delete_cmd,
    describe_cmd,
    eln_cmd,
    ingest_cmd,
    ontology_cmd,
    pid_cmd,
    search_cmd,
    serve_cmd,
    setup_cmd,
    user_cmd,
)
from imagesteward.cli.app import app, main

__all__ = [
    "access_cmd",
    "app",
    "audit_cmd",
    "browse",
    "catalog_admin",
    "convert_cmd",
    "delete_cmd",
    "describe_cmd",
    "eln_cmd",
    "ingest_cmd",
    "main",
    "ontology_cmd",
    "pid_cmd",
    "search_cmd",
    "serve_cmd",
    "setup_cmd",
    "user_cmd",
]
