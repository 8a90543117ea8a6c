"""GitLab Code Quality: the merge request widget and the diff annotations read this."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fastlint.finding import Finding
from fastlint.output._common import Context, fingerprints, is_error, relative_path


def render(findings: Sequence[Finding], ctx: Context) -> str:
    issues = [
        {
            "description": f"{f.code}: {f.message}",
            "check_name": f.code,
            # GitLab merges issues with equal fingerprints, so these are unique per report.
            "fingerprint": fingerprint,
            "severity": "blocker" if is_error(f.code) else "major",
            "location": {
                "path": relative_path(f.path, ctx.root),
                "lines": {"begin": f.start.line, "end": f.end.line},
            },
        }
        for f, fingerprint in zip(findings, fingerprints(findings, ctx.root, ctx.sources))
    ]
    # ensure_ascii keeps the report pure ASCII, so no encoding or BOM question can arise.
    return json.dumps(issues, indent=2) + "\n"
