"""The package's public surfaces: no folder reaches into another folder's private modules.

import-linter checks the direction of imports between folders; this checks their width. A
folder's ``__init__`` (and its public, un-prefixed modules) is what others may use; a
``_module`` is free to change without notice, so an import of it from elsewhere is a defect.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "imagesteward"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _private_reach(source: Path, module: str) -> bool:
    parts = module.split(".")
    if parts[0] != "imagesteward" or len(parts) < 3:
        return False
    folder = source.relative_to(PACKAGE).parts[0]
    target_folder = parts[1]
    if target_folder == folder:
        return False
    return any(part.startswith("_") for part in parts[2:])


def test_no_folder_imports_another_folders_private_modules() -> None:
    offences = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line, module in _imported_modules(path)
        if _private_reach(path, module)
    ]
    assert offences == [], "use the folder's public API instead:\n" + "\n".join(offences)


def test_the_check_sees_a_private_reach() -> None:
    source = PACKAGE / "describe" / "_sheet.py"
    assert _private_reach(source, "imagesteward.catalog._studies")
    assert not _private_reach(source, "imagesteward.catalog")
    assert not _private_reach(source, "imagesteward.describe._checks")
    assert not _private_reach(source, "imagesteward.model.paths")
