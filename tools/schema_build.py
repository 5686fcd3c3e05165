"""Generate the model artefacts from the LinkML schema, or check that they are current.

    python tools/schema_build.py          # write the generated files
    python tools/schema_build.py --check  # exit 1 if any generated file differs from the schema

Outputs (committed, never edited by hand):
- src/imagesteward/model/_generated.py                      pydantic classes
- src/imagesteward/schema/generated/imagesteward.schema.json  JSON Schema
- src/imagesteward/schema/generated/imagesteward.context.jsonld  JSON-LD context
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src/imagesteward/schema/imagesteward.yaml"
PYDANTIC_OUT = ROOT / "src/imagesteward/model/_generated.py"
JSONSCHEMA_OUT = ROOT / "src/imagesteward/schema/generated/imagesteward.schema.json"
CONTEXT_OUT = ROOT / "src/imagesteward/schema/generated/imagesteward.context.jsonld"

NOTICE = (
    "GENERATED from src/imagesteward/schema/imagesteward.yaml by tools/schema_build.py "
    "- DO NOT EDIT; change the schema and regenerate."
)


def _pydantic() -> str:
    from linkml.generators.pydanticgen import PydanticGenerator

    code = PydanticGenerator(str(SCHEMA), extra_fields="forbid").serialize()
    # Keep machine-specific paths out of committed code.
    code = code.replace(str(SCHEMA), SCHEMA.relative_to(ROOT).as_posix())
    return f"# {NOTICE}\n# ruff: noqa\n# mypy: ignore-errors\n" + code


def _jsonschema() -> str:
    from linkml.generators.jsonschemagen import JsonSchemaGenerator

    doc = json.loads(JsonSchemaGenerator(str(SCHEMA), top_class="MetadataCollection").serialize())
    doc = {"$comment": NOTICE, **doc}
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _context() -> str:
    from linkml.generators.jsonldcontextgen import ContextGenerator

    doc = json.loads(ContextGenerator(str(SCHEMA)).serialize())
    # The generator stamps a generation date; drop it so the output is reproducible.
    doc.pop("comments", None)
    doc = {"_comment": NOTICE, **doc} if isinstance(doc, dict) else doc
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if outputs are out of date")
    args = parser.parse_args()
    outputs = {PYDANTIC_OUT: _pydantic(), JSONSCHEMA_OUT: _jsonschema(), CONTEXT_OUT: _context()}
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(path)
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), str(path), "regenerated", lineterm="", n=1
            )
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(
            f"Generated files are out of date: {names}. Run: python tools/schema_build.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
