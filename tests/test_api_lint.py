"""Redocly's linter (its recommended rules) finds neither an error nor a warning in the served document."""
import json
import os
import re
import subprocess
from pathlib import Path

from . import factories

REDOCLY = Path(os.environ.get("REDOCLY", Path(__file__).parent.parent / "tools/redocly/node_modules/.bin/redocly"))


def test_redocly_lint_passes_on_the_served_document(client, users, tmp_path):
    assert REDOCLY.exists(), "`make test` installs Redocly CLI (npm ci --prefix tools/redocly)"
    factories.need(users["city"].city)
    factories.technology(users["company"].company)
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    result = subprocess.run([str(REDOCLY), "lint", "--format=summary", "openapi.json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"})
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Your API description is valid" in report, report
    # The summary lists each rule broken ("warning tag-description: 6") and ends "You have 7 warnings."
    assert not re.search(r"^(error|warning) [\w-]+: \d+$", report, re.MULTILINE) and "You have" not in report, report
