"""Plant every fixable anti-pattern into copies of real files, fix them, and check the result.

A manual soundness run for the fixer (tests never read outside the repository)::

    python scripts/plant_fixes.py /work/eco-cache/members --per-member 40

For each Python file (up to ``--per-member`` per top-level directory, files that parse),
the planted block (a route with a blocking sleep, HTTP call without timeout, subprocess,
urlopen, an aiohttp session without timeout, a settings object per request, an unbounded
tenacity retry, ``FastAPI(debug=True)``, an N+1 relationship read, a response model that
lazy-loads, an ``on_event`` startup handler, ``with open(...)`` and ``Path(...).read_text()``
in a route) is appended to the
file's text; the file is written in five variants (as is, CRLF, UTF-8 with BOM, latin-1
with a coding cookie, tab-indented block) and fixed with every fix, unsafe ones too.
Each fixed text must compile, keep the variant's encoding, BOM and line endings, change
on the planted block, and not change on a second fixing run. Prints the counts and every
failure; exits 1 when anything failed. The files are fixed in memory, never written.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import sys
from collections import Counter
from pathlib import Path

from fastlint.finding import Finding
from fastlint.fixing.fixer import encode, fix_file
from fastlint.fixing.policy import FixPolicy
from fastlint.run.engine import Checker, CheckPlan
from fastlint.run.registry import known_codes
from fastlint.settings import Settings
from fastlint.source import SourceError, SourceFile, decode_source

PLANTED = '''

# -- planted by scripts/plant_fixes.py (café) --
import time as _pl_time
import subprocess as _pl_subprocess
import requests as _pl_requests
import aiohttp as _pl_aiohttp
import urllib.request as _pl_urllib
from pathlib import Path as _PlPath
from fastapi import Depends as _PlDepends, FastAPI as _PlFastAPI
from pydantic import BaseModel as _PlBaseModel
from pydantic_settings import BaseSettings as _PlBaseSettings
from sqlalchemy import ForeignKey as _PlForeignKey, select as _pl_select
from sqlalchemy.orm import DeclarativeBase as _PlBase, Mapped as _PlMapped, Session as _PlSession, mapped_column as _pl_column, relationship as _pl_relationship
from tenacity import retry as _pl_retry


class _PlSettings(_PlBaseSettings):
    url: str = "https://example.com"


def _pl_get_settings():
    return _PlSettings()


class _PlModel(_PlBase):
    pass


class _PlAuthor(_PlModel):
    __tablename__ = "pl_authors"
    id: _PlMapped[int] = _pl_column(primary_key=True)
    books: _PlMapped[list["_PlBook"]] = _pl_relationship()


class _PlBook(_PlModel):
    __tablename__ = "pl_books"
    id: _PlMapped[int] = _pl_column(primary_key=True)
    author_id: _PlMapped[int] = _pl_column(_PlForeignKey("pl_authors.id"))


class _PlBookOut(_PlBaseModel):
    id: int


class _PlAuthorOut(_PlBaseModel):
    id: int
    books: list[_PlBookOut]


_pl_app = _PlFastAPI(debug=True)


@_pl_app.on_event("startup")  # planted
async def _pl_startup():
    _pl_app.state.ready = True


@_pl_app.get("/planted-authors", response_model=list[_PlAuthorOut])
def _pl_authors(session: _PlSession = _PlDepends(_pl_get_settings)):
    return session.scalars(_pl_select(_PlAuthor)).all()


@_pl_retry
def _pl_flaky():
    return _pl_requests.get("https://example.com", timeout=5)


def _pl_books(session: _PlSession):
    return [len(author.books) for author in session.scalars(_pl_select(_PlAuthor))]


@_pl_app.get("/planted")
async def _pl_route(url: str, settings: _PlSettings = _PlDepends(_pl_get_settings)):
    _pl_time.sleep(1)
    reply = _pl_requests.get(url)
    _pl_subprocess.run(["true"], check=True)
    _pl_urllib.urlopen(url)
    async with _pl_aiohttp.ClientSession() as session:
        await session.get(url, timeout=5)
    with open(__file__, encoding="utf-8") as _pl_file:
        _pl_file.readline()
    _pl_size = len(_PlPath(__file__).read_text(encoding="utf-8"))
    return reply.json(), _pl_size
'''


def variants(text: str) -> dict[str, tuple[str, str, bool, str]]:
    """name -> (text, encoding, bom, newline)."""
    planted = text.rstrip("\r\n") + "\n" + PLANTED
    out = {
        "as-is": (planted, "utf-8", False, "\n"),
        "crlf": (planted.replace("\n", "\r\n"), "utf-8", False, "\r\n"),
        "bom": (planted, "utf-8", True, "\n"),
        "tabs": (planted.replace("\n    ", "\n\t").replace("\t    ", "\t\t"), "utf-8", False, "\n"),
    }
    try:
        planted.encode("latin-1")
    except UnicodeEncodeError:
        pass
    else:
        lines = planted.split("\n", 2)
        cookie = 1 if lines[0].startswith("#!") else 0
        lines.insert(cookie, "# -*- coding: latin-1 -*-")
        out["latin-1"] = ("\n".join(lines), "latin-1", False, "\n")
    return out


def newlines(text: str) -> Counter[str]:
    crlf = text.count("\r\n")
    return Counter({"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="a directory of real packages (e.g. /work/eco-cache/members)")
    parser.add_argument("--per-member", type=int, default=40, help="files per top-level directory")
    args = parser.parse_args()

    codes = frozenset(known_codes())
    settings = dataclasses.replace(Settings(project_root=args.root), cache=False, check_test_paths=True)
    checker = Checker(CheckPlan(settings, codes))
    policy = FixPolicy(codes, unsafe=True)

    def relint(current: SourceFile) -> list[Finding]:
        return sorted(checker.check_source(current).findings, key=Finding.sort_key)

    files, runs, fixes, failures = 0, Counter[str](), Counter[str](), []
    for member in sorted(p for p in args.root.iterdir() if p.is_dir()):
        taken = 0
        for path in sorted(member.rglob("*.py")):
            if taken >= args.per_member:
                break
            try:
                original = path.read_text(encoding="utf-8")
                compile(original, str(path), "exec", dont_inherit=True)
            except (UnicodeDecodeError, SyntaxError, ValueError, OSError):
                continue
            if "\r" in original or original.startswith("\ufeff"):
                continue
            taken += 1
            files += 1
            for name, (text, encoding, bom, newline) in variants(original).items():
                runs[name] += 1
                where = f"{path} [{name}]"
                data = (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)
                try:
                    source = decode_source(path, data)
                except SourceError as error:
                    failures.append(f"{where}: does not decode: {error}")
                    continue
                result = fix_file(source, relint(source), relint, policy)
                fixes.update(result.fixed)
                if result.problem:
                    failures.append(f"{where}: {result.problem}")
                written = result.data()
                try:
                    fixed = decode_source(path, written)
                    compile(written, str(path), "exec", dont_inherit=True)
                except (SourceError, SyntaxError, ValueError) as error:
                    failures.append(f"{where}: the fixed file does not compile: {error}")
                    continue
                if (fixed.encoding, fixed.bom) != (source.encoding, source.bom):
                    failures.append(f"{where}: encoding {source.encoding}/{source.bom} became {fixed.encoding}/{fixed.bom}")
                kinds = {kind for kind, n in newlines(fixed.text).items() if n}
                if kinds - {newline}:
                    failures.append(f"{where}: line endings {sorted(kinds)} in a {newline!r} file")
                if not result.changed:
                    failures.append(f"{where}: nothing was fixed")
                again = fix_file(fixed, relint(fixed), relint, policy)
                if again.changed:
                    failures.append(f"{where}: a second run changes it ({dict(again.fixed)})")
                if encode(fixed, again.text) != written and not again.changed:
                    failures.append(f"{where}: bytes differ after a no-op run")
    print(f"files: {files}, fixing runs: {sum(runs.values())} ({', '.join(f'{k} {v}' for k, v in sorted(runs.items()))})")
    print(f"fixes applied: {sum(fixes.values())} ({', '.join(f'{k} {v}' for k, v in sorted(fixes.items()))})")
    print(f"failures: {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
