#!/usr/bin/env python3
"""What fastlint and its peers report on the same real code, line by line.

    python scripts/compare_findings.py                 # LARGE and PREFECT, writes docs/peer-findings.md
    python scripts/compare_findings.py --corpus prefect --output /tmp/p.md

Uses the corpora and the peers' virtualenv of scripts/bench.py (built on first use) and
fastlint from this checkout's .venv. For every finding of a peer's rule that fastlint also
covers, it looks for a fastlint finding of the matching family on the same line, and sorts
the rest by where they are: in an `async def` (on the event loop), in a sync `def`, or at
module level. A peer's blocking-call finding in sync code is the "crying wolf" fastlint
avoids on purpose (FastAPI runs sync handlers in the threadpool); one in startup code is
reported by fastlint only with `--check-startup`.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
import bench_corpus as corpus

REPO = bench.REPO
FASTLINT = REPO / ".venv" / "bin" / "fastlint"
BLOCKING = frozenset({"FL101", "FL102", "FL103", "FL104", "FL105", "FL106", "FL107"})
TIMEOUT = frozenset({"FL301"})
# Where hydroid-cli's chains may lead from each corpus package: what it imports. A chain
# from airflow into open_webui is a name resolved to the wrong project.
MAY_IMPORT = {"sqlalchemy"}


@dataclass(frozen=True)
class Hit:
    path: str  # relative to the corpus root, posix
    line: int
    rule: str
    detail: str = ""


@dataclass(frozen=True)
class Peer:
    name: str
    rules: str  # what is compared, in the peer's words
    family: frozenset[str]  # the fastlint codes that cover it
    argv: Callable[[Path], list[str]]
    parse: Callable[[str, Path], list[Hit]]


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    return (p.relative_to(root) if p.is_absolute() else p).as_posix().removeprefix("./")


def parse_fastlint(out: str, root: Path) -> list[Hit]:
    return [Hit(_relative(f["filename"], root), f["location"]["row"], f["code"]) for f in json.loads(out)]


def parse_ruff(out: str, root: Path) -> list[Hit]:
    return [Hit(_relative(f["filename"], root), f["location"]["row"], f["code"]) for f in json.loads(out)]


def parse_bandit(out: str, root: Path) -> list[Hit]:
    return [Hit(_relative(r["filename"], root), r["line_number"], r["test_id"]) for r in json.loads(out)["results"]]


def parse_pylint(out: str, root: Path) -> list[Hit]:
    return [Hit(_relative(m["path"], root), m["line"], m["symbol"]) for m in json.loads(out or "[]")]


def parse_hydroid(out: str, root: Path) -> list[Hit]:
    hits = []
    for d in json.loads(out)["diagnostics"]:
        location = d["location"]
        path = _relative(location["path"], root)
        steps = {_relative(step["location"]["path"], root).split("/", 1)[0] for step in d.get("chain", [])}
        foreign = sorted(steps - {path.split("/", 1)[0]} - MAY_IMPORT)
        detail = f"chain enters {', '.join(foreign)}" if foreign else ""
        sink = d["sink"]
        hits.append(Hit(path, location["line"], f"{sink['category']} `{sink['qualname']}`", detail))
    return hits


def peers() -> list[Peer]:
    peer = bench.peer
    return [
        Peer("ruff", "ASYNC (blocking calls in async functions)", BLOCKING,
             lambda root: [peer("ruff"), "check", "--select", "ASYNC2", "--output-format", "json", "--no-cache",
                           "--exit-zero", "."], parse_ruff),
        Peer("ruff", "S113 (requests without timeout)", TIMEOUT,
             lambda root: [peer("ruff"), "check", "--select", "S113", "--output-format", "json", "--no-cache",
                           "--exit-zero", "."], parse_ruff),
        Peer("bandit", "B113 (requests without timeout)", TIMEOUT,
             lambda root: [peer("bandit"), "-t", "B113", "-r", "-q", "-f", "json", "."], parse_bandit),
        Peer("pylint", "missing-timeout", TIMEOUT,
             lambda root: [peer("pylint"), "--disable=all", "--enable=missing-timeout", "--output-format=json",
                           "-j", "2", "--recursive=y", "."], parse_pylint),
        Peer("hydroid-cli", "blocking calls reachable from FastAPI handlers", BLOCKING,
             lambda root: [peer("hydroid"), "--no-cache", "--format", "json", "."], parse_hydroid),
    ]


def run(argv: list[str], root: Path) -> str:
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, env=bench.ENV)
    if not done.stdout.strip() and done.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


@cache
def _functions(path: Path) -> list[tuple[int, int, str]]:
    """(first line, last line, kind) of every function in the file, innermost last."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = "async def" if isinstance(node, ast.AsyncFunctionDef) else "sync def"
            found.append((node.lineno, node.end_lineno or node.lineno, kind))
    return sorted(found)


def where(root: Path, hit: Hit) -> str:
    """Where a line is: in an async def, a sync def (the innermost wins), or module level."""
    enclosing = [kind for first, last, kind in _functions(root / hit.path) if first <= hit.line <= last]
    return enclosing[-1] if enclosing else "module level"


def compare(root: Path, fastlint: list[Hit], startup: list[Hit]) -> list[str]:
    lines: list[str] = []
    by_line: dict[tuple[str, int], set[str]] = defaultdict(set)
    for hit in fastlint:
        by_line[(hit.path, hit.line)].add(hit.rule)
    startup_lines = {(hit.path, hit.line) for hit in startup if hit.rule in BLOCKING}
    matched_fastlint: set[tuple[str, int]] = set()
    lines += ["| peer | rules compared | findings | fastlint on the same line | not reported, in `async def` "
              "(startup code) | not reported, in sync `def` | not reported, module level |",
              "|---|---|---|---|---|---|---|"]
    details: list[str] = []
    for peer in peers():
        hits = sorted(set(peer.parse(run(peer.argv(root), root), root)), key=lambda h: (h.path, h.line))
        matched, missed = [], []
        for hit in hits:
            if by_line.get((hit.path, hit.line), set()) & peer.family:
                matched.append(hit)
                matched_fastlint.add((hit.path, hit.line))
            else:
                missed.append(hit)
        kinds = Counter(where(root, hit) for hit in missed)
        in_startup = sum(1 for hit in missed if where(root, hit) == "async def" and (hit.path, hit.line) in startup_lines)
        lines.append(f"| {peer.name} | {peer.rules} | {len(hits):,} | {len(matched):,} | {kinds['async def']:,} "
                     f"({in_startup:,}) | {kinds['sync def']:,} | {kinds['module level']:,} |")
        foreign = [hit for hit in missed if hit.detail]
        if foreign:
            details.append(f"- hydroid-cli: {len(foreign):,} of the findings fastlint does not report follow a chain "
                           f"into a package the file's own package never imports ({_top(foreign)}): names resolved "
                           "to the wrong project.")
        async_missed = [hit for hit in missed if where(root, hit) == "async def"
                        and (hit.path, hit.line) not in startup_lines and not hit.detail]
        locks = [hit for hit in async_missed if hit.rule.startswith("synchronization")]
        if locks:
            details.append(f"- hydroid-cli: {len(locks):,} more are thread-lock acquisitions reached through calls "
                           "such as `logger.warning` (a logging handler's lock, uncontended): not reported by "
                           "fastlint, which has no rule for locks.")
        rest = [hit for hit in async_missed if hit not in locks]
        if rest:
            details.append(f"- {peer.name} ({peer.rules.split(' ')[0]}) in `async def`, not reported by fastlint, "
                           f"{len(rest):,}:")
            details += [f"  - `{hit.path}:{hit.line}` {hit.rule}: `{_line(root, hit)}`" for hit in rest[:40]]
            if len(rest) > 40:
                details.append(f"  - and {len(rest) - 40:,} more")
    lines += ["", *details, ""]
    own = Counter(hit.rule for hit in fastlint if (hit.path, hit.line) not in matched_fastlint)
    lines += ["fastlint findings on lines no peer reports, by code: "
              + ", ".join(f"{code} {count:,}" for code, count in sorted(own.items())) + "."]
    return lines


def _line(root: Path, hit: Hit) -> str:
    try:
        text = (root / hit.path).read_text(encoding="utf-8", errors="replace").splitlines()[hit.line - 1].strip()
    except (OSError, IndexError):
        return ""
    return text if len(text) <= 90 else text[:87] + "..."


def _top(hits: Iterable[Hit]) -> str:
    counts = Counter(hit.detail.removeprefix("chain enters ") for hit in hits)
    return "; ".join(f"{target}: {count:,}" for target, count in counts.most_common(4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["large", "prefect", "all"], default="all")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "peer-findings.md")
    args = parser.parse_args()
    bench.ensure_peers()
    names = ["large", "prefect"] if args.corpus == "all" else [args.corpus]
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    tools = bench.versions(bench.PEERS / "bin" / "python", ["ruff", "bandit", "pylint", "hydroid-cli"])
    out = ["# fastlint and its peers: findings on the same code", "",
           "Generated by `python scripts/compare_findings.py`; do not edit by hand. fastlint at "
           f"{commit}, all default rules; " + ", ".join(f"{name} {version}" for name, version in tools.items()) + ".",
           "", "A peer's finding counts as found when fastlint reports a finding of the matching family "
           "(FL101-FL107 for blocking calls, FL301 for timeouts) on the same line. The rest are sorted by "
           "where they are. FastAPI runs sync `def` handlers in the threadpool, so a blocking call there "
           "does not block the event loop: fastlint is quiet there on purpose. Startup code (lifespan, "
           "startup hooks) runs once before serving and is reported only with `--check-startup` (the "
           "number in brackets). flake8-async is left out: ruff's ASYNC rules are its port.", ""]
    for name in names:
        root = corpus.build(bench.SCRATCH, name)
        files = corpus.python_files(root)
        print(f"{name}: {len(files):,} files", file=sys.stderr)
        base = [str(FASTLINT), "check", "--exit-zero", "--output-format", "json", "--no-cache", "."]
        fastlint = parse_fastlint(run(base, root), root)
        startup = parse_fastlint(run([*base, "--check-startup"], root), root)
        out += [f"## {name.upper()}: {len(files):,} files, {corpus.count_lines(files):,} lines", "",
                *compare(root, fastlint, startup), ""]
    args.output.write_text("\n".join(out))
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
