"""The route map as one self-contained HTML page, to attach to a pull request or a CI run.

No external assets: the styles and the script are inline, the data is rendered into the
table. Each route is a row of a table sortable by any column (click a header); clicking a
row opens its dependency tree, middleware, background tasks, streams and findings, each
finding with the source lines around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from fastlint.analysis.routes import Route
from fastlint.finding import Finding
from fastlint.output.routes_json import route_dict

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTEXT = 2  # source lines shown above and below a finding

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f23; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
th { cursor: pointer; user-select: none; background: #f6f8fa; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.route { cursor: pointer; }
tr.route:hover { background: #f6f8fa; }
.loop { color: #0366d6; } .threadpool { color: #b08800; } .unknown { color: #6a737d; }
.findings-0 { color: #6a737d; } .has-findings { color: #cb2431; font-weight: 600; }
ul.tree { margin: 0.2em 0; padding-left: 1.2em; }
pre.snippet { background: #f6f8fa; padding: 6px; overflow-x: auto; margin: 0.3em 0 0.8em; }
pre.snippet .hit { background: #ffeef0; display: block; }
code { font: 12px ui-monospace, monospace; }
"""

SCRIPT = r"""
"use strict";
(function () {
  var NUMERIC = { line: true, findings: true, dependencies: true };
  function sortKey(row, key) {
    var value = row.getAttribute("data-" + key) || "";
    return NUMERIC[key] ? Number(value) : value.toLowerCase();
  }
  function routeRows(tbody) {
    return Array.prototype.filter.call(tbody.children, function (row) {
      return row.classList.contains("route");
    });
  }
  function sortRoutes(tbody, key, descending) {
    var pairs = routeRows(tbody).map(function (row) { return [row, row.nextElementSibling]; });
    pairs.sort(function (a, b) {
      var x = sortKey(a[0], key), y = sortKey(b[0], key);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    pairs.forEach(function (pair) { tbody.appendChild(pair[0]); tbody.appendChild(pair[1]); });
  }
  function toggle(row) {
    var detail = row.nextElementSibling;
    detail.hidden = !detail.hidden;
    row.setAttribute("aria-expanded", detail.hidden ? "false" : "true");
  }
  function init(doc) {
    var table = doc.getElementById("routes");
    var tbody = table.tBodies[0];
    Array.prototype.forEach.call(table.querySelectorAll("th[data-key]"), function (header) {
      header.addEventListener("click", function () {
        var descending = header.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(table.querySelectorAll("th[data-key]"), function (other) {
          other.removeAttribute("aria-sort");
        });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortRoutes(tbody, header.getAttribute("data-key"), descending);
      });
    });
    routeRows(tbody).forEach(function (row) {
      row.addEventListener("click", function () { toggle(row); });
    });
  }
  init(document);
})();
"""

_COLUMNS = (
    ("method", "Method"),
    ("path", "Path"),
    ("name", "Name"),
    ("runs_on", "Runs on"),
    ("dependencies", "Dependencies"),
    ("findings", "Findings"),
    ("filename", "File"),
)


def _count(dependencies: list[dict[str, Any]]) -> int:
    return sum(1 + _count(d["dependencies"]) for d in dependencies)


def _runs(value: str) -> str:
    return f'<span class="{escape(value)}">{escape(value)}</span>'


def _where(item: Mapping[str, Any]) -> str:
    if not item.get("filename"):
        return ""
    line = f":{item['line']}" if item.get("line") else ""
    return f" <code>{escape(item['filename'])}{line}</code>"


def _tree(dependencies: list[dict[str, Any]]) -> str:
    if not dependencies:
        return ""
    items = []
    for dep in dependencies:
        notes = [dep["source"], dep["kind"]]
        if dep["teardown"]:
            notes.append("yield")
        if dep["scope"]:
            notes.append(f"scope={dep['scope']}")
        if dep["scopes"]:
            notes.append("scopes=" + ",".join(dep["scopes"]))
        items.append(
            f"<li><code>{escape(dep['name'])}</code> [{_runs(dep['runs_on'])}] "
            f"<small>{escape('; '.join(notes))}</small>{_where(dep)}{_tree(dep['dependencies'])}</li>"
        )
    return f'<ul class="tree">{"".join(items)}</ul>'


def _callees(title: str, callees: list[dict[str, Any]]) -> str:
    if not callees:
        return ""
    items = "".join(
        f"<li><code>{escape(c['name'])}</code> [{_runs(c['runs_on'])}] <small>{escape(c['kind'])}</small>{_where(c)}</li>"
        for c in callees
    )
    return f"<h4>{escape(title)}</h4><ul class=\"tree\">{items}</ul>"


def _snippet(finding: Finding, lines: list[str] | None) -> str:
    if not lines:
        return ""
    line = finding.start.line
    first, last = max(1, line - _CONTEXT), min(len(lines), line + _CONTEXT)
    rows = []
    for number in range(first, last + 1):
        text = f"{number:>5} | {lines[number - 1]}"
        rows.append(f'<span class="hit">{escape(text)}</span>' if number == line else escape(text) + "\n")
    return f'<pre class="snippet">{"".join(rows)}</pre>'


def _detail(data: dict[str, Any], findings: Sequence[Finding], sources: Mapping[str, list[str]]) -> str:
    parts = [f"<p><code>{escape(data['function'])}</code>"]
    if data["response_model"]:
        parts.append(f" &middot; response model <code>{escape(data['response_model'])}</code>")
    parts.append("</p>")
    if data["dependencies"]:
        parts.append(f"<h4>Dependencies</h4>{_tree(data['dependencies'])}")
    parts.append(_callees("Middleware (outermost first)", data["middleware"]))
    parts.append(_callees("Background tasks", data["background_tasks"]))
    parts.append(_callees("Streams", data["streams"]))
    parts.append(_callees("Exception handlers", data["exception_handlers"]))
    if findings:
        counts = ", ".join(f"{family}: {count}" for family, count in data["finding_counts"].items())
        parts.append(f"<h4>Findings ({len(findings)}: {escape(counts)})</h4><ul class=\"findings\">")
        for finding, item in zip(findings, data["findings"]):
            parts.append(
                f"<li><b>{escape(finding.code)}</b> <code>{escape(item['filename'])}:{item['line']}:{item['column']}</code> "
                f"{escape(finding.message)}{_snippet(finding, sources.get(finding.path))}</li>"
            )
        parts.append("</ul>")
    return "".join(parts)


def render(
    routes: Sequence[Route],
    findings_of: Callable[[Route], Sequence[Finding]],
    root: Path,
    sources: Mapping[str, str] | None = None,
    title: str = "fastlint route map",
) -> str:
    lines = {path: _LINE_BREAK.split(text) for path, text in (sources or {}).items()}
    for route in routes:
        for finding in findings_of(route):
            if finding.path not in lines:
                try:
                    lines[finding.path] = _LINE_BREAK.split(Path(finding.path).read_text(encoding="utf-8", errors="replace"))
                except OSError:
                    lines[finding.path] = []
    header = "".join(f'<th data-key="{key}" scope="col">{label}</th>' for key, label in _COLUMNS)
    body = []
    for route in routes:
        findings = list(findings_of(route))
        data = route_dict(route, findings, root)
        deps = _count(data["dependencies"])
        attributes = {
            "method": " ".join(data["methods"]) or "WS",
            "path": data["path"],
            "name": data["name"],
            "runs_on": data["runs_on"],
            "dependencies": str(deps),
            "findings": str(len(findings)),
            "filename": f"{data['filename']}:{data['line']:06d}",
        }
        attrs = " ".join(f'data-{key}="{escape(value)}"' for key, value in attributes.items())
        body.append(
            f'<tr class="route" {attrs} aria-expanded="false">'
            f"<td>{escape(attributes['method'])}</td><td><code>{escape(data['path'])}</code></td>"
            f"<td>{escape(data['name'])}</td><td>{_runs(data['runs_on'])}</td><td>{deps}</td>"
            f'<td class="{"has-findings" if findings else "findings-0"}">{len(findings)}</td>'
            f"<td><code>{escape(data['filename'])}:{data['line']}</code></td></tr>"
            f'<tr class="detail" hidden><td colspan="{len(_COLUMNS)}">{_detail(data, findings, lines)}</td></tr>'
        )
    loop = sum(route.runs_on == "loop" for route in routes)
    summary = f"{len(routes)} routes: {loop} on the event loop, {sum(r.runs_on == 'threadpool' for r in routes)} in the threadpool."
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(summary)} Click a header to sort, a route to open it.</p>"
        f'<table id="routes"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
