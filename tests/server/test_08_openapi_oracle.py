"""The OpenAPI oracle (``../shared/oracles/check_openapi.sh``): openapi-spec-validator on the
published document, then schemathesis fuzzing every operation of the running demo server.

It FAILS (never skips) when the oracle is missing: an unjudged API must not pass.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.server.live import LiveServer, oracles_dir

CHECK = Path(__file__).resolve().parents[2].parent / "shared" / "oracles" / "check_openapi.sh"


def test_openapi_oracle_finds_nothing(live: LiveServer, tmp_path: Path) -> None:
    root = oracles_dir("schemathesis", "openapi-spec-validator")
    assert CHECK.is_file(), f"{CHECK} is missing: the shared oracles must be beside the repo"
    # The script prints only the summary's last lines; the reports say which request failed.
    env = {**os.environ, "ORACLES_DIR": str(root), "ST_REPORT_DIR": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(CHECK), f"{live.url}/api/v1/openapi.json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr + _failures(tmp_path)
    assert done.returncode == 0, output
    assert ".json: OK" in output  # openapi-spec-validator
    assert "generated" in output  # schemathesis ran (its summary counts the test cases)
    assert "failure" not in output.split("SUMMARY")[-1], output


def _failures(reports: Path) -> str:
    """Each failing check of the junit reports: operation, check and its message."""
    import xml.etree.ElementTree as ET

    lines = ["", "## each finding (from the schemathesis junit report)"]
    for report in sorted(reports.glob("*.xml")):
        for case in ET.parse(report).getroot().iter("testcase"):
            for failure in (*case.iter("failure"), *case.iter("error")):
                text = f"{failure.get('message') or ''} {failure.text or ''}".strip()
                lines.append(f"- {case.get('name')}: {text[:600]}")
    return "\n".join(lines) if len(lines) > 2 else ""
