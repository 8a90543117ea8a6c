#!/usr/bin/env python3
"""The editor's re-check latency, for scripts/bench.py: run in a corpus root as

    python scripts/bench_editor.py FILE

It opens the project as the language server does (its index from the cache that an
earlier run filled), then re-checks FILE after each of a series of keystrokes (a character
typed into a new comment line, so each text is new), timing only the re-check: what the
user waits for after the typing pause. Prints JSON: median and worst latency in
milliseconds, and the seconds the project took to open.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from fastlint.integrations.lsp import OpenProject
from fastlint.run.config import load_settings

KEYSTROKES = 20


def main() -> None:
    path = Path(sys.argv[1]).resolve()
    start = time.perf_counter()
    project = OpenProject(load_settings([path], None, {}))
    opened = time.perf_counter() - start
    text = path.read_text(encoding="utf-8")
    project.check(path, text)  # the document as opened
    latencies = []
    typed = "# "
    for key in range(KEYSTROKES):
        typed += "abcdefghijklmnopqrstuvwxyz"[key % 26]
        start = time.perf_counter()
        findings = project.check(path, f"{text}\n{typed}\n")
        latencies.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"median_ms": round(statistics.median(latencies), 1), "max_ms": round(max(latencies), 1),
                      "open_s": round(opened, 2), "findings": len(findings)}))


if __name__ == "__main__":
    main()
