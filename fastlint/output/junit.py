"""JUnit XML, for CI systems that show test reports but no lint annotations.

One failing test case per finding, named ``CODE path:line:col``: GitLab keeps only the first
case of each name, so names are made unique. The shape validates against Apache Ant's strict
schema (required timestamp, hostname, properties, system-out and system-err), which the
lenient consumers accept too.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone

from fastlint.finding import Finding
from fastlint.output._common import TOOL_NAME, Context, relative_path, rule_url, tool_version

# Characters XML 1.0 cannot carry at all, even escaped; a message quoting source might hold one.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _hostname() -> str:
    return socket.gethostname().strip() or "localhost"


def render(findings: Sequence[Finding], ctx: Context) -> str:
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=TOOL_NAME,
        package=TOOL_NAME,
        id="0",
        timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        hostname=_hostname(),
        tests=str(len(findings)),
        failures=str(len(findings)),
        errors="0",
        skipped="0",
        time="0",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("version", tool_version()), ("files_checked", str(ctx.files_checked))):
        ET.SubElement(properties, "property", name=name, value=value)
    seen: dict[str, int] = {}
    for f in findings:
        rel = _clean(relative_path(f.path, ctx.root))
        name = f"{f.code} {rel}:{f.start.line}:{f.start.column}"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        case = ET.SubElement(suite, "testcase", name=name, classname=rel, time="0")
        failure = ET.SubElement(case, "failure", message=_clean(f.message), type=f.code)
        details = [f"{rel}:{f.start.line}:{f.start.column}: {f.code} {f.message}"]
        if f.fix_title:
            details.append(f"help: {f.fix_title}")
        url = rule_url(f.code, ctx.rules)
        if url:
            details.append(url)
        failure.text = _clean("\n".join(details))
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
