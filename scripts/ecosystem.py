#!/usr/bin/env python3
"""Ecosystem check: fastlint on pinned real packages that ship FastAPI servers, as ruff has.

    python scripts/ecosystem.py --cache-dir /work/eco-cache --save base.json   # run, write docs/ecosystem.md
    python scripts/ecosystem.py --compare base.json                              # what a change adds and removes
    python scripts/ecosystem.py --load base.json --sample --seed 11              # findings to review
    python scripts/ecosystem.py --members sqladmin,langserve --report -          # a few members, report on stdout

Each member is a pinned wheel or source distribution from the package index (downloaded
with pip into --cache-dir, default .ecosystem/), restricted to the subtrees that hold its
server (MEMBERS says which). Source distributions keep their tests, examples and tools, so
test-path handling is exercised. fastlint runs from this checkout (`python -m fastlint`
with this repository first on PYTHONPATH, and scripts/ecosystem_site/sitecustomize.py
mapping `fastlint.rules` to this checkout's rules/ even when another checkout is installed
editable) once per member, with `--no-cache --exit-zero
--output-format json`; a non-zero exit or a traceback is a crash.

Reviewed verdicts live in scripts/ecosystem_reviews.json, keyed by member, then
"file:line:code", each {"verdict": "true"|"false"|"debatable", "reason": "..."}. The report
computes reviewed precision per rule (true / (true + false)) from the reviews whose
finding the run still reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_corpus

REPO = Path(__file__).resolve().parent.parent
REVIEWS = REPO / "scripts" / "ecosystem_reviews.json"
DEFAULT_REPORT = REPO / "docs" / "ecosystem.md"
SAMPLE_SIZE = 20
CONTEXT = 3


@dataclass(frozen=True)
class Member:
    name: str
    dist: str  # name on PyPI
    version: str  # exact pin
    kind: str  # "wheel" or "sdist"
    prefixes: tuple[str, ...] = ()  # kept subtrees (wheel paths, or sdist paths below its top folder); () = all
    note: str = ""


MEMBERS: tuple[Member, ...] = (
    Member("litellm", "litellm", "1.110.2", "wheel", ("litellm/proxy/",), "the proxy server only"),
    Member("open-webui", "open-webui", "0.12.4", "wheel", ("open_webui/",)),
    Member("prefect", "prefect", "3.9.1", "wheel", ("prefect/",)),
    Member("airflow", "apache-airflow-core", "3.3.2", "wheel", ("airflow/",)),
    Member("mlflow", "mlflow", "3.18.0", "wheel", ("mlflow/server/", "mlflow/gateway/"), "tracking server and AI gateway"),
    Member("chromadb", "chromadb", "1.5.9", "wheel", ("chromadb/",), "ships its tests in chromadb/test/"),
    Member("gradio", "gradio", "6.31.0", "wheel", ("gradio/",)),
    Member("phoenix", "arize-phoenix", "20.26.1", "wheel", ("phoenix/server/", "phoenix/db/"), "server and database"),
    Member("langflow", "langflow-base", "1.13.0", "wheel", ("langflow/",)),
    Member("dstack", "dstack", "0.22.5", "wheel", ("dstack/",)),
    Member("khoj", "khoj", "1.42.10", "wheel", ("khoj/",)),
    Member("skyvern", "skyvern", "1.0.56", "wheel", ("skyvern/forge/",), "the forge server only"),
    Member("langserve", "langserve", "0.3.3", "sdist"),
    Member("fastapi-users", "fastapi-users", "15.0.5", "sdist", (), "with tests and docs examples"),
    Member("sqladmin", "sqladmin", "0.32.0", "sdist"),
    Member("fastapi-pagination", "fastapi-pagination", "0.16.1", "sdist", (), "with tests and examples"),
    Member("lnbits", "lnbits", "1.6.2", "sdist", (), "with tests and tools"),
)

# Where a finding is in test or tooling code rather than served code (issue 11's paths).
TEST_PATH = re.compile(r"(^|/)(tests?/|conftest\.py$|test_[^/]*\.py$|[^/]*_test\.py$)")
TOOL_PATH = re.compile(r"((^|/)(scripts|examples|example_dags|benchmarks|loadtests?|cli)/|^(docs|tools)/)")


def path_kind(file: str) -> str:
    if TEST_PATH.search(file):
        return "test"
    if TOOL_PATH.search(file):
        return "tool"
    return "served"


# ---------------------------------------------------------------- corpus


def sdist_path(dists: Path, member: Member) -> Path:
    stem = member.dist.replace("-", "_").lower()
    found = [p for p in dists.glob("*.tar.gz") if p.name.lower() == f"{stem}-{member.version}.tar.gz"]
    if found:
        return found[0]
    print(f"downloading {member.dist}=={member.version} (sdist)", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", member.dist,
         "--dest", str(dists), f"{member.dist}=={member.version}"],
        check=True,
    )
    return sdist_path(dists, member)


def extract_sdist(archive: Path, prefixes: tuple[str, ...], dest: Path) -> None:
    with tarfile.open(archive) as tf:
        for info in tf.getmembers():
            top, _, rel = info.name.partition("/")
            if not info.isfile() or not rel.endswith(".py"):
                continue
            if prefixes and not rel.startswith(prefixes):
                continue
            source = tf.extractfile(info)
            if source is None:
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())


def member_root(cache: Path, member: Member) -> Path:
    """The unpacked member under `cache`, downloading and unpacking it on first use."""
    root = cache / "members" / f"{member.name}-{member.version}"
    if (root / "pyproject.toml").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    dists = cache / "dists"
    if member.kind == "wheel":
        wheel = bench_corpus.wheel_path(dists, bench_corpus.Part(member.dist, member.version, ""))
        for prefix in member.prefixes or ("",):
            bench_corpus.extract(wheel, prefix, root)
    else:
        extract_sdist(sdist_path(dists, member), member.prefixes, root)
    bench_corpus.init_root(root, member.name)
    return root


# ---------------------------------------------------------------- running


def run_member(name: str, root: Path, meta: Mapping[str, object] | None = None) -> dict:
    """Run this checkout's fastlint on the project at `root`; its files, lines, time and findings."""
    files = bench_corpus.python_files(root)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "scripts" / "ecosystem_site"), str(REPO)])
    argv = [sys.executable, "-m", "fastlint", "check", "--no-cache", "--exit-zero", "--output-format", "json", "."]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    crash = None
    findings: list[dict] = []
    if proc.returncode not in (0, 1) or "Traceback (most recent call last)" in proc.stderr:
        crash = f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"
    try:
        raw = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as err:
        raw = []
        crash = crash or f"unreadable output ({err}): {proc.stderr.strip()[-2000:]}"
    resolved = root.resolve()
    for item in raw:
        path = Path(item["filename"])
        try:
            rel = path.resolve().relative_to(resolved).as_posix()
        except ValueError:
            rel = path.as_posix()
        findings.append({
            "code": item["code"], "file": rel, "line": item["location"]["row"],
            "col": item["location"]["column"], "message": item["message"],
        })
    findings.sort(key=lambda f: (f["file"], f["line"], f["col"], f["code"]))
    return {
        **dict(meta or {}),
        "name": name, "files": len(files), "lines": bench_corpus.count_lines(files),
        "seconds": round(seconds, 2), "exit_code": proc.returncode, "crash": crash, "findings": findings,
    }


def fastlint_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "fastlint", "rules"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def run_all(cache: Path, members: Iterable[Member]) -> dict:
    results: dict = {"fastlint": fastlint_revision(), "members": {}}
    start = time.perf_counter()
    for member in members:
        root = member_root(cache, member)
        meta = {"dist": member.dist, "version": member.version, "kind": member.kind,
                "subtree": ", ".join(member.prefixes) or "all", "note": member.note}
        print(f"checking {member.name} ...", file=sys.stderr, end=" ", flush=True)
        result = run_member(member.name, root, meta)
        print(f"{len(result['findings'])} findings, {result['seconds']:.1f} s"
              + (" CRASH" if result["crash"] else ""), file=sys.stderr)
        results["members"][member.name] = result
    results["seconds"] = round(time.perf_counter() - start, 1)
    return results


# ---------------------------------------------------------------- reviews and report


def load_reviews(path: Path = REVIEWS) -> dict[tuple[str, str, int, str], dict]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for member, entries in data.items():
        for key, review in entries.items():
            file, line, code = key.rsplit(":", 2)
            out[(member, file, int(line), code)] = review
    return out


def all_findings(results: Mapping) -> Iterable[tuple[str, dict]]:
    for name, member in results["members"].items():
        for finding in member["findings"]:
            yield name, finding


def precision_table(results: Mapping, reviews: Mapping) -> tuple[list[str], list[str]]:
    present = {(m, f["file"], f["line"], f["code"]) for m, f in all_findings(results)}
    counts: dict[str, Counter] = defaultdict(Counter)
    debatable: list[str] = []
    for key in sorted(reviews):
        if key not in present:
            continue
        member, file, line, code = key
        review = reviews[key]
        counts[code][review["verdict"]] += 1
        if review["verdict"] == "debatable":
            debatable.append(f"- {code} `{member}/{file}:{line}`: {review['reason']}")
    rows = ["| rule | reviewed | true | false | debatable | precision |", "|---|---:|---:|---:|---:|---:|"]
    for code in sorted(counts):
        c = counts[code]
        decided = c["true"] + c["false"]
        precision = f"{100 * c['true'] / decided:.0f}%" if decided else "n/a"
        rows.append(f"| {code} | {sum(c.values())} | {c['true']} | {c['false']} | {c['debatable']} | {precision} |")
    if counts:
        t = sum((c for c in counts.values()), Counter())
        decided = t["true"] + t["false"]
        precision = f"{100 * t['true'] / decided:.0f}%" if decided else "n/a"
        rows.append(f"| all | {sum(t.values())} | {t['true']} | {t['false']} | {t['debatable']} | {precision} |")
    return rows, debatable


REPORT_SEED = 11


def sample_table(results: Mapping, reviews: Mapping) -> list[str]:
    """Verdicts of this run's seeded sample, per rule, and whether each rule meets the target."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for m, f in sample(results, REPORT_SEED):
        review = reviews.get((m, f["file"], f["line"], f["code"]))
        counts[f["code"]][review["verdict"] if review else "unreviewed"] += 1
    rows = ["| rule | sampled | true | false | debatable | unreviewed | precision | target |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for code in sorted(counts):
        c = counts[code]
        decided = c["true"] + c["false"]
        share = c["true"] / decided if decided else None
        met = "met" if share is not None and share >= 0.9 and c["debatable"] * 10 <= sum(c.values()) and not c["unreviewed"] else "**missed**"
        precision = f"{100 * share:.0f}%" if share is not None else "n/a"
        rows.append(
            f"| {code} | {sum(c.values())} | {c['true']} | {c['false']} | {c['debatable']} | {c['unreviewed']} | {precision} | {met} |"
        )
    return rows


def render_report(results: Mapping, reviews: Mapping | None = None) -> str:
    reviews = reviews or {}
    members = results["members"]
    codes = sorted({f["code"] for _, f in all_findings(results)})
    out = [
        "# Ecosystem check",
        "",
        "fastlint on pinned real packages that ship FastAPI servers, written by "
        "`python scripts/ecosystem.py` (see the README's Development section). "
        f"fastlint revision: `{results.get('fastlint', 'unknown')}`; total time "
        f"{results.get('seconds', sum(m['seconds'] for m in members.values())):.1f} s.",
        "",
        "## Members",
        "",
        "| member | version | kind | subtree | files | lines | time (s) | findings | not analysed (FL001) | crash |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, m in members.items():
        fl001 = sum(1 for f in m["findings"] if f["code"] == "FL001")
        out.append(
            f"| {name} | {m.get('version', '')} | {m.get('kind', '')} | {m.get('subtree', '')} | {m['files']:,} "
            f"| {m['lines']:,} | {m['seconds']:.1f} | {len(m['findings']):,} | {fl001} | {'yes' if m['crash'] else 'no'} |"
        )
    total_files = sum(m["files"] for m in members.values())
    total_lines = sum(m["lines"] for m in members.values())
    total_findings = sum(len(m["findings"]) for m in members.values())
    total_secs = sum(m["seconds"] for m in members.values())
    crashes = [n for n, m in members.items() if m["crash"]]
    out.append(f"| **total** | | | | {total_files:,} | {total_lines:,} | {total_secs:.1f} | {total_findings:,} "
               f"| {sum(1 for _, f in all_findings(results) if f['code'] == 'FL001')} | {len(crashes)} |")
    notes = [f"- {n}: {m['note']}" for n, m in members.items() if m.get("note")]
    if notes:
        out += ["", *notes]

    out += ["", "## Findings per rule and member", ""]
    if codes:
        out.append("| member | " + " | ".join(codes) + " | total |")
        out.append("|---|" + "---:|" * (len(codes) + 1))
        totals: Counter = Counter()
        for name, m in members.items():
            c = Counter(f["code"] for f in m["findings"])
            totals.update(c)
            out.append(f"| {name} | " + " | ".join(str(c[k] or "") for k in codes) + f" | {sum(c.values())} |")
        out.append("| **total** | " + " | ".join(f"**{totals[k]}**" for k in codes) + f" | **{sum(totals.values())}** |")
    else:
        out.append("No findings.")

    out += ["", "## Where the findings are", "",
            "Test code: `tests/`, `test/`, `test_*.py`, `*_test.py`, `conftest.py`; tooling: `scripts/`, "
            "`examples/`, `example_dags/`, `benchmarks/`, `loadtest(s)/`, `cli/`, and `docs/`, `tools/` at a member's top.", ""]
    kinds: dict[str, Counter] = defaultdict(Counter)
    for _, f in all_findings(results):
        kinds[f["code"]][path_kind(f["file"])] += 1
    out.append("| rule | served | test | tooling |")
    out.append("|---|---:|---:|---:|")
    for code in codes:
        k = kinds[code]
        out.append(f"| {code} | {k['served']} | {k['test']} | {k['tool']} |")

    out += ["", "## Files not analysed (FL001)", ""]
    fl001 = [(n, f) for n, f in all_findings(results) if f["code"] == "FL001"]
    out += [f"- `{n}/{f['file']}:{f['line']}`: {f['message']}" for n, f in fl001] or ["None."]
    out += ["", "## Crashes", ""]
    out += [f"- {n}: `{members[n]['crash'][:300]}`" for n in crashes] or ["None."]

    rows, debatable = precision_table(results, reviews)
    out += ["", "## Reviewed precision", "",
            f"A seeded random sample of up to {SAMPLE_SIZE} findings per rule "
            "(`--sample`), each read and classified in `scripts/ecosystem_reviews.json`: true only if the code "
            "runs on the event loop or per request in a served app and the problem is real; findings in tests, "
            "scripts, examples, CLIs, startup-only code or code that runs once per process are false. "
            "Precision is true / (true + false); only reviews of findings this run still reports count.", ""]
    out += rows if len(rows) > 2 else ["No reviews."]
    out += ["", f"The same, counting only this run's seeded sample (`--sample --seed {REPORT_SEED}`); "
            "a rule under 90% or with more than a tenth debatable misses the target:", "", *sample_table(results, reviews)]
    if debatable:
        out += ["", "Debatable:", "", *debatable]
    out += ["", "## Preview rules", "",
            "The check runs the default rules only. Preview rules are off by default (select them by exact code); "
            "why each is preview, from its docs:", "", *preview_reasons()]
    return "\n".join(out) + "\n"


def preview_reasons() -> list[str]:
    """One line per preview rule: the paragraph of its docs that says why it is preview."""
    sys.path.insert(0, str(REPO))
    from fastlint.run.registry import all_rules

    lines = []
    for rule in sorted(all_rules(), key=lambda r: r.code):
        if not getattr(rule, "preview", False):
            continue
        doc = rule.__doc__ or ""
        paragraphs = [
            " ".join(" ".join(line for line in part.splitlines() if not line.strip().startswith("#")).split())
            for part in re.split(r"\n\s*\n", doc)
        ]
        reason = next((part for part in paragraphs if "preview" in part.lower()), "preview")
        lines.append(f"- {rule.code} `{rule.name}`: {reason}")
    return lines


# ---------------------------------------------------------------- compare and sample


def _key(member: str, f: Mapping) -> tuple:
    return (member, f["code"], f["file"], f["line"], f["col"])


def compare(old: Mapping, new: Mapping) -> tuple[list, list, list]:
    """The findings `new` adds, removes and re-words versus `old`: lists of (member, finding[, old message])."""
    before = {_key(m, f): f for m, f in all_findings(old) if m in new["members"]}
    after = {_key(m, f): f for m, f in all_findings(new) if m in old["members"]}
    added = [(k[0], after[k]) for k in sorted(after.keys() - before.keys())]
    removed = [(k[0], before[k]) for k in sorted(before.keys() - after.keys())]
    changed = [(k[0], after[k], before[k]["message"]) for k in sorted(after.keys() & before.keys())
               if after[k]["message"] != before[k]["message"]]
    return added, removed, changed


def source_line(cache: Path | None, members: Mapping, member: str, file: str, line: int, context: int = 0) -> list[str]:
    if cache is None or member not in members:
        return []
    m = members[member]
    path = cache / "members" / f"{member}-{m.get('version', '')}" / file
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    lo, hi = max(1, line - context), min(len(lines), line + context)
    return [f"{'>' if n == line else ' '}{n:6} | {lines[n - 1]}" for n in range(lo, hi + 1)]


def enclosing_def(cache: Path | None, members: Mapping, member: str, file: str, line: int) -> str:
    """The nearest `def`/`class` line above `line` that encloses it (by indentation), numbered."""
    lines = source_line(cache, members, member, file, line, line)
    here = next((s for s in lines if s.startswith(">")), "")
    indent = len(here.split("| ", 1)[-1]) - len(here.split("| ", 1)[-1].lstrip())
    for text in reversed(lines[: lines.index(here)] if here else []):
        body = text.split("| ", 1)[-1]
        stripped = body.lstrip()
        if stripped and len(body) - len(stripped) < indent:
            indent = len(body) - len(stripped)
            if re.match(r"(async\s+def|def|class)\s", stripped):
                return " " + text[1:]
    return ""


def format_compare(old: Mapping, new: Mapping, cache: Path | None = None) -> str:
    added, removed, changed = compare(old, new)
    out = [f"{len(added)} added, {len(removed)} removed, {len(changed)} re-worded"]
    for title, items in (("ADDED", added), ("REMOVED", removed), ("RE-WORDED", changed)):
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for item in items:
            groups[(item[1]["code"], item[0])].append(item)
        for (code, member), group in sorted(groups.items()):
            out.append(f"\n{title} {code} in {member}: {len(group)}")
            for item in group:
                f = item[1]
                out.append(f"  {f['file']}:{f['line']}:{f['col']}: {f['message']}")
                if title == "RE-WORDED":
                    out.append(f"    was: {item[2]}")
                out += ["    " + s.split("| ", 1)[-1].strip() for s in source_line(cache, new["members"], member, f["file"], f["line"])]
    return "\n".join(out) + "\n"


def sample(results: Mapping, seed: int, size: int = SAMPLE_SIZE) -> list[tuple[str, dict]]:
    """A seeded random sample of up to `size` findings per rule (FL001 aside)."""
    by_code: dict[str, list] = defaultdict(list)
    for m, f in all_findings(results):
        if f["code"] != "FL001":
            by_code[f["code"]].append((m, f))
    picked = []
    for code in sorted(by_code):
        items = sorted(by_code[code], key=lambda mf: _key(*mf))
        rng = random.Random(f"{seed}:{code}")
        picked += sorted(rng.sample(items, min(size, len(items))), key=lambda mf: _key(*mf))
    return picked


def format_sample(results: Mapping, seed: int, cache: Path | None, reviews: Mapping) -> str:
    out = []
    for m, f in sample(results, seed):
        review = reviews.get((m, f["file"], f["line"], f["code"]))
        out.append(f"=== {f['code']} {m} {f['file']}:{f['line']}:{f['col']} [{path_kind(f['file'])}]"
                   + (f" REVIEWED {review['verdict']}: {review['reason']}" if review else ""))
        out.append(f"    {f['message']}")
        enclosing = enclosing_def(cache, results["members"], m, f["file"], f["line"])
        if enclosing:
            out.append(enclosing + "  (enclosing)")
        out += source_line(cache, results["members"], m, f["file"], f["line"], CONTEXT)
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", help="comma-separated member names (default: all)")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".ecosystem", help="downloads and unpacked members")
    parser.add_argument("--load", type=Path, help="use these saved results instead of running fastlint")
    parser.add_argument("--save", type=Path, help="save the results as JSON")
    parser.add_argument("--compare", type=Path, help="print what this run adds and removes versus saved results")
    parser.add_argument("--report", help="markdown report to write ('-': stdout; default: docs/ecosystem.md "
                        "after a run of every member without --sample or --compare)")
    parser.add_argument("--sample", action="store_true", help="print a seeded sample of findings to review")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reviews", type=Path, default=REVIEWS)
    parser.add_argument("--list", action="store_true", help="list the members and exit")
    args = parser.parse_args(argv)

    if args.list:
        for m in MEMBERS:
            print(f"{m.name:20} {m.dist}=={m.version} {m.kind} {', '.join(m.prefixes) or 'all'}")
        return 0
    chosen = MEMBERS
    if args.members:
        wanted = [w.strip() for w in args.members.split(",") if w.strip()]
        unknown = set(wanted) - {m.name for m in MEMBERS}
        if unknown:
            parser.error(f"unknown members: {', '.join(sorted(unknown))}")
        chosen = tuple(m for m in MEMBERS if m.name in wanted)
    cache = args.cache_dir.resolve()

    if args.load:
        results = json.loads(args.load.read_text(encoding="utf-8"))
        if args.members:
            results["members"] = {k: v for k, v in results["members"].items() if k in {m.name for m in chosen}}
    else:
        results = run_all(cache, chosen)
    if args.save:
        args.save.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    reviews = load_reviews(args.reviews)
    if args.sample:
        sys.stdout.write(format_sample(results, args.seed, cache, reviews))
    elif args.compare:
        sys.stdout.write(format_compare(json.loads(args.compare.read_text(encoding="utf-8")), results, cache))
    report = args.report
    if report is None and not (args.members or args.sample or args.compare):
        report = str(DEFAULT_REPORT)
    if report == "-":
        sys.stdout.write(render_report(results, reviews))
    elif report:
        Path(report).write_text(render_report(results, reviews), encoding="utf-8")
    crashes = [n for n, m in results["members"].items() if m["crash"]]
    if crashes:
        print(f"crashes: {', '.join(crashes)}", file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
