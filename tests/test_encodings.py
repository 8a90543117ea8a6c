"""Lines and coding cookies as Python's tokenizer defines them: CR-only files, form feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from projects import check_paths

from fastlint.source import decode_source, tokenizer_lines

SLEEP = "import time\n\n\nasync def pause():\n    time.sleep(1)\n"


def found(root: Path, name: str) -> list[tuple[int, int, str]]:
    (root / ".git").mkdir(exist_ok=True)
    return [(f.start.line, f.start.column, f.code) for f in check_paths(root, [name], cache=False).findings]


def test_a_later_comment_in_a_cr_only_file_is_no_coding_cookie(tmp_path: Path):
    # The first line is "# Rates." only: the "encoding" comment on line 3 is not a cookie.
    text = "# Rates.\nx = 1\n# encoding: x-unknown\n" + SLEEP
    (tmp_path / "cr.py").write_bytes(text.replace("\n", "\r").encode())
    assert found(tmp_path, "cr.py") == [(8, 5, "FL102")]


def test_a_cookie_on_the_second_line_of_a_cr_only_file_is_honoured(tmp_path: Path):
    text = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n" + SLEEP.replace("time.sleep(1)", "d = 'été'; time.sleep(1)")
    (tmp_path / "cr.py").write_bytes(text.replace("\n", "\r").encode("latin-1"))
    source = decode_source(tmp_path / "cr.py", (tmp_path / "cr.py").read_bytes())
    assert source.encoding == "iso-8859-1"
    assert found(tmp_path, "cr.py") == [(7, 16, "FL102")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_form_feeds_and_other_separators_do_not_shift_lines(tmp_path: Path, newline: str):
    text = "\x0cimport time\n# \x0b \x1c \x85 \u2028 in a comment\n\x0c\nasync def pause():\n    time.sleep(1)\n"
    (tmp_path / "ff.py").write_bytes(text.replace("\n", newline).encode())
    assert found(tmp_path, "ff.py") == [(5, 5, "FL102")]
    lines = tokenizer_lines(text.replace("\n", newline))
    assert len(lines) == 5 and lines[4] == "    time.sleep(1)"


def test_noqa_after_a_form_feed_line_still_applies(tmp_path: Path):
    text = "import time\n# \x0c\n\nasync def pause():\n    time.sleep(1)  # noqa: FL102\n"
    (tmp_path / "ff.py").write_bytes(text.encode())
    assert found(tmp_path, "ff.py") == []


def test_a_nul_byte_in_a_cr_only_file_is_located(tmp_path: Path):
    (tmp_path / "nul.py").write_bytes(b"x = 1\ry = 2\rz = '\0'\r")
    assert found(tmp_path, "nul.py") == [(3, 6, "FL001")]


def _tokenizer_reading(data: bytes) -> tuple[str, str, bool] | None:
    """What the interpreter reads: ``tokenize.detect_encoding`` over the first two lines,
    then the whole file decoded (None where either fails)."""
    import codecs
    import tokenize

    first_lines = iter(data.splitlines(keepends=True)[:2])
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(first_lines, b""))
        bom = data.startswith(codecs.BOM_UTF8)
        return data.decode("utf-8-sig" if bom else encoding), encoding, bom
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


# Where a coding cookie may be, and files the tokenizer cannot read, by name.
READINGS = {
    "empty": b"",
    "plain": b"x = 1\n",
    "bom": b"\xef\xbb\xbfx = 1\n",
    "coding-in-code": b"open(p, encoding='utf-8')\nx = 'caf\xc3\xa9'\n",
    "cookie-first-line": b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    "cookie-second-line": b"#!/usr/bin/env python\n# coding=latin-1\nx = '\xe9'\n",
    # Latin-1 bytes that UTF-8 decodes too (as other text): only the cookie tells.
    "cookie-second-line-utf8-valid": b"#!/usr/bin/env python\n# coding: latin-1\nx = 'caf\xc3\xa9'\n",
    "cookie-third-line-is-none": b"x = 1\r\ny = 2\r\n# coding: latin-1\r\nz = 'caf\xc3\xa9'\r\n",
    "cr-lines-third-line": b"a\rb\r# coding: latin-1\nx = '\xe9'\n",
    "cr-then-cookie": b"\r# coding: latin-1\nx = '\xe9'\n",
    "undecodable-first-line": b"x = '\xe9'\n",
    "undecodable-later-line": b"x = 1\ny = '\xe9'\n",
    "bom-with-other-cookie": b"\xef\xbb\xbf# coding: latin-1\n",
    "unknown-cookie": b"# coding: klingon\n",
}


@pytest.mark.parametrize("data", READINGS.values(), ids=READINGS.keys())
def test_a_file_is_decoded_as_the_interpreter_reads_it(data: bytes):
    """Without ``coding`` on its first two lines a file is read as UTF-8 at once; whatever
    the way, the text, encoding and BOM are the tokenizer's, and a file it cannot read is a
    SourceError."""
    from fastlint.source import SourceError

    expected = _tokenizer_reading(data)
    try:
        source = decode_source(Path("m.py"), data)
    except SourceError:
        assert expected is None
    else:
        assert (source.text, source.encoding, source.bom) == expected
