"""Finding, reading and validating ``[tool.fastlint]`` into a :class:`Settings`.

The schema is derived from the ``Settings`` dataclass, so a new option is one line in
``settings.py``. Rule codes are checked in two steps: their shape at load time (with the
file and line, because rule modules must not be imported just to read the configuration),
their existence in :func:`resolve_selection`, once the registry knows the codes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastlint.analysis.module_names import absolute
from fastlint.rule_meta import UNPARSEABLE
from fastlint.settings import BlockingCallEntry, Settings

if typing.TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "ConfigError",
    "find_project_root",
    "find_config_file",
    "load_settings",
    "validate_codes",
    "resolve_selection",
    "per_file_ignored_codes",
    "unreported_path",
    "format_settings",
    "CONFIG_KEYS",
]

PROJECT_MARKERS = ("pyproject.toml", "fastlint.toml", ".git")
TOOL_TABLE = "tool.fastlint"
FL001 = UNPARSEABLE.code
FL001_WARNING = "FL001 cannot be disabled: a file that was not analysed is always reported"

_INTERNAL_FIELDS = frozenset({"project_root", "config_path"})
# Fields whose strings are rule selectors: their shape is checked at load time.
_SELECTOR_FIELDS = frozenset(
    {"select", "ignore", "extend_select", "per_file_ignores", "fixable", "unfixable",
     "extend_fixable", "extend_safe_fixes", "extend_unsafe_fixes"}
)
_PATTERN_FIELDS = frozenset({"exclude", "extend_exclude", "test_paths", "tooling_paths"})
_SELECTOR_RE = re.compile(r"ALL|FL\d{0,3}")
_CODE_RE = re.compile(r"FL\d{3}")


class ConfigError(Exception):
    """A configuration problem, located as ``file:line: message`` when the place is known."""

    def __init__(
        self, message: str, *, path: Path | None = None, line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        where = ""
        if path is not None:
            where = _display(path) + (f":{line}" if line else "") + ": "
        super().__init__(where + message)


# --------------------------------------------------------------------------- locating


def find_project_root(first_path: Path) -> Path:
    """The nearest ancestor holding a project marker: it anchors excludes and the cache."""
    start = _start_dir(Path(first_path))
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            return directory
    return Path.cwd().resolve()


def find_config_file(start: Path) -> Path | None:
    """The nearest ``fastlint.toml``, or ``pyproject.toml`` with a ``[tool.fastlint]`` table."""
    found = _find_config(Path(start))
    return found.path if found else None


@dataclass(frozen=True, eq=False, repr=False)
class _ConfigText:
    """A configuration file already read: its table, its text and where the table is."""

    path: Path
    table: dict[str, object]
    text: str

    @property
    def section(self) -> str:
        """The TOML table holding our keys; empty for ``fastlint.toml`` (top level)."""
        return TOOL_TABLE if self.path.name == "pyproject.toml" else ""

    def where(self, key: str, subkey: str | None = None) -> dict[str, typing.Any]:
        """``ConfigError`` location keywords for a key, found by scanning the text."""
        return {"path": self.path, "line": _find_line(self.text, self.section, key, subkey),
                "key": key}

    @property
    def prefix(self) -> str:
        return f"[{TOOL_TABLE}] " if self.section else ""


def _start_dir(path: Path) -> Path:
    """Where an upward search starts: the directory itself, or a file's directory."""
    path = path.resolve()
    return path if path.is_dir() else path.parent


def _find_config(start: Path) -> _ConfigText | None:
    start = _start_dir(start)
    for directory in (start, *start.parents):
        candidate = directory / "fastlint.toml"
        if candidate.is_file():
            return _read_config(candidate)
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            config = _read_config(candidate, require_table=True)
            if config is not None:
                return config
    return None


def _read_config(path: Path, *, require_table: bool = False) -> _ConfigText | None:
    """Parse a config file; for ``pyproject.toml`` return only its ``[tool.fastlint]``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read configuration file: {reason}", path=path) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, path, text) from exc
    if path.name != "pyproject.toml":
        return _ConfigText(path, data, text)
    tool = data.get("tool")
    table = tool.get("fastlint") if isinstance(tool, dict) else None
    if table is None:
        return None if require_table else _ConfigText(path, {}, text)
    if not isinstance(table, dict):
        line = _find_line(text, "tool", "fastlint")
        raise ConfigError(f"[{TOOL_TABLE}] must be a table", path=path, line=line)
    return _ConfigText(path, table, text)


def _toml_error(exc: tomllib.TOMLDecodeError, path: Path, text: str) -> ConfigError:
    """Move the parser's ``(at line N, column M)`` into our ``file:line:`` prefix."""
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if match:
        line, message = int(match.group(1)), message[: match.start()]
    else:
        line = text.count("\n") + 1
    return ConfigError(f"invalid TOML: {message}", path=path, line=line)


_HEADER_RE = re.compile(r"^\s*\[\[?([^\]]*)\]\]?")


def _find_line(text: str, section: str, key: str, subkey: str | None = None) -> int | None:
    """The line of ``key`` (then of ``subkey`` below it) inside ``section``.

    A plain text scan, not a TOML parser: good enough to point at the line in an error.
    """
    key_re = _key_pattern(key, anchored=True)
    sub_re = _key_pattern(subkey, anchored=False) if subkey is not None else None
    full_key = _join(section, key)
    header = ""
    key_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER_RE.match(line)
        if match:
            header = re.sub(r"[\s\"']", "", match.group(1))
            if key_line is not None and not _within(header, full_key):
                break
            if key_line is None and _within(header, full_key):
                key_line = number
                if sub_re is None:
                    return number
            continue
        if key_line is None:
            if header != section or not key_re.search(line):
                continue
            key_line = number
        if sub_re is None:
            return key_line
        if sub_re.search(line):
            return number
    return key_line


def _within(header: str, table: str) -> bool:
    return header == table or header.startswith(table + ".")


def _join(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def _key_pattern(key: str, *, anchored: bool) -> re.Pattern[str]:
    quoted = re.escape(key)
    lead = r"^\s*" if anchored else r"(?:^|[{,.\s])"
    return re.compile(lead + rf"(?:\"{quoted}\"|'{quoted}'|{quoted})\s*[=.]")


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- schema


class _Invalid(Exception):
    """A value that does not fit its option; ``subkey`` names the entry inside a table."""

    def __init__(self, problem: str, subkey: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.subkey = subkey

    def message(self, key: str) -> str:
        entry = f" entry {json.dumps(self.subkey)}" if self.subkey is not None else ""
        return f"'{key}'{entry} {self.problem}"


def _wrong_type(expected: str, value: object, subkey: str | None = None) -> _Invalid:
    return _Invalid(f"must be {expected}, got {_toml_type(value)}", subkey)


Converter = Callable[[object, Path], object]


def _bool(value: object, base: Path) -> bool:
    if isinstance(value, bool):
        return value
    raise _wrong_type("a boolean", value)


def _int(value: object, base: Path) -> int:
    # bool is an int subclass; `max-call-depth = true` is a mistake, not 1.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _wrong_type("an integer", value)


def _str(value: object, base: Path) -> str:
    if isinstance(value, str):
        return value
    raise _wrong_type("a string", value)


def _strings(value: object, base: Path) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _wrong_type("an array of strings", value)


def _strings_table(value: object, base: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise _wrong_type("a table of arrays of strings", value)
    result = {}
    for name, item in value.items():
        try:
            result[str(name)] = _strings(item, base)
        except _Invalid as exc:
            raise _Invalid(exc.problem, subkey=str(name)) from None
    return result


def _path(value: object, base: Path) -> Path:
    if isinstance(value, (str, os.PathLike)):
        return base / Path(value).expanduser()
    raise _wrong_type("a path string", value)


_ENTRY_KEYS = ("code", "use-instead")


def _blocking_calls(value: object, base: Path) -> tuple[BlockingCallEntry, ...]:
    """``"lib.fn" = "FL101"`` or ``"lib.fn" = { code = "FL101", use-instead = "lib.afn" }``."""
    if isinstance(value, (list, tuple)) and all(
        isinstance(item, BlockingCallEntry) for item in value
    ):
        return tuple(value)  # from Python callers (the command line), already built
    if not isinstance(value, Mapping):
        raise _wrong_type("a table of qualified name = rule code", value)
    return tuple(_blocking_call(str(name), item) for name, item in value.items())


def _blocking_call(name: str, item: object) -> BlockingCallEntry:
    if isinstance(item, str):
        return BlockingCallEntry(name, item)
    if not isinstance(item, Mapping):
        raise _wrong_type('a rule code or a table { code = "...", use-instead = "..." }',
                          item, subkey=name)
    for entry_key in item:
        if entry_key not in _ENTRY_KEYS:
            raise _Invalid(f"has unknown key '{entry_key}'{_suggest(entry_key, _ENTRY_KEYS)}",
                           subkey=name)
    code, use_instead = item.get("code"), item.get("use-instead")
    if code is None:
        raise _Invalid("has no 'code'", subkey=name)
    if not isinstance(code, str):
        raise _wrong_type("a string in 'code'", code, subkey=name)
    if not isinstance(use_instead, (str, type(None))):
        raise _wrong_type("a string in 'use-instead'", use_instead, subkey=name)
    return BlockingCallEntry(name, code, use_instead)


_CONVERTERS: dict[object, Converter] = {
    bool: _bool,
    int: _int,
    str: _str,
    tuple[str, ...]: _strings,
    tuple[str, ...] | None: _strings,
    dict[str, tuple[str, ...]]: _strings_table,
    Path | None: _path,
    str | None: _str,
    tuple[BlockingCallEntry, ...]: _blocking_calls,
}


@dataclass(frozen=True, eq=False, repr=False)
class _Option:
    field: str
    key: str
    convert: Converter


def _build_schema() -> dict[str, _Option]:
    """One option per ``Settings`` field; an unsupported annotation fails at import."""
    hints = typing.get_type_hints(Settings)
    schema = {}
    for settings_field in dataclasses.fields(Settings):
        if settings_field.name in _INTERNAL_FIELDS:
            continue
        annotation = hints[settings_field.name]
        convert = _CONVERTERS.get(annotation)
        if convert is None:
            raise TypeError(f"Settings.{settings_field.name}: no converter for {annotation!r}")
        key = settings_field.name.replace("_", "-")
        schema[key] = _Option(settings_field.name, key, convert)
    return schema


CONFIG_KEYS: dict[str, _Option] = _build_schema()


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    for kind, name in ((int, "integer"), (float, "float"), (str, "string"),
                       ((list, tuple), "array"), (Mapping, "table")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


# --------------------------------------------------------------------------- loading


def load_settings(
    paths: Sequence[Path],
    config: Path | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Build the run's settings: config file (explicit or found), then command-line values."""
    first = Path(paths[0]) if paths else Path(".")
    found: _ConfigText | None
    if config is not None:
        found = _read_explicit(Path(config))
    else:
        found = _find_config(first)
    values = _convert_table(found) if found else {}
    if overrides:
        values = _apply_overrides(values, overrides)
    return Settings(
        project_root=find_project_root(first),
        config_path=found.path.resolve() if found else None,
        **values,
    )


def _read_explicit(path: Path) -> _ConfigText:
    if not path.exists():
        raise ConfigError("configuration file does not exist", path=path)
    config = _read_config(path)
    assert config is not None  # require_table=False always returns a config
    return config


def _convert_table(config: _ConfigText) -> dict[str, typing.Any]:
    """Validate every key of the table and convert it to the ``Settings`` field's type."""
    values: dict[str, typing.Any] = {}
    base = config.path.resolve().parent
    for key, raw in config.table.items():
        option = CONFIG_KEYS.get(key)
        if option is None:
            raise ConfigError(
                f"{config.prefix}unknown key '{key}'{_suggest(key, CONFIG_KEYS)}",
                **config.where(key),
            )
        try:
            values[option.field] = _convert(option, raw, base)
        except _Invalid as exc:
            raise ConfigError(config.prefix + exc.message(key),
                              **config.where(key, exc.subkey)) from None
    return values


# Integer options and the smallest value each accepts.
_MINIMUM = {"max_call_depth": 0, "max_file_size": 0, "default_timeout": 1}


def _convert(option: _Option, raw: object, base: Path) -> object:
    value = option.convert(raw, base)
    minimum = _MINIMUM.get(option.field)
    if minimum is not None and isinstance(value, int) and value < minimum:
        raise _Invalid(f"must be an integer of at least {minimum}, got {value}")
    _check_codes(option.field, value)
    _check_patterns(option.field, value)
    return value


def _check_codes(field_name: str, value: object) -> None:
    """Reject malformed rule selectors and codes now, with a line; existence is checked later."""
    if field_name in _SELECTOR_FIELDS:
        groups: Iterable[tuple[str | None, object]] = (
            value.items() if isinstance(value, dict) else [(None, value)]
        )
        for subkey, selectors in groups:
            for selector in selectors if isinstance(selectors, tuple) else ():
                if not _SELECTOR_RE.fullmatch(selector):
                    raise _Invalid(f"has invalid rule selector '{selector}' (expected ALL, FL, "
                                   "a prefix like FL1, or a code like FL101)", subkey)
    if field_name == "extend_blocking_calls" and isinstance(value, tuple):
        for call in value:
            if not _CODE_RE.fullmatch(call.code):
                raise _Invalid(f"has invalid rule code '{call.code}' (expected a code like FL101)",
                               call.name)


def _unterminated_class(pattern: str) -> bool:
    """A ``[`` (not escaped) with no ``]`` after it: pathspec silently matches nothing."""
    index = 0
    while index < len(pattern):
        character = pattern[index]
        if character == "\\":
            index += 2
            continue
        if character == "[":
            close = pattern.find("]", index + 2 if pattern[index + 1 : index + 2] in ("!", "^", "]") else index + 1)
            if close == -1:
                return True
            index = close
        index += 1
    return False


def _check_patterns(field_name: str, value: object) -> None:
    """Compile path patterns now, so a bad one is reported with its line, not mid-run."""
    if field_name in _PATTERN_FIELDS and isinstance(value, tuple):
        patterns = list(value)
    elif field_name == "per_file_ignores" and isinstance(value, dict):
        patterns = [p[1:] if p.startswith("!") else p for p in value]
    else:
        return
    for pattern in patterns:
        if _unterminated_class(pattern):
            raise _Invalid(f"has invalid pattern '{pattern}': '[' opens a character class that no ']' closes")
        try:
            from pathspec import GitIgnoreSpec  # a run with no patterns set never imports it

            GitIgnoreSpec.from_lines([pattern])
        except (ValueError, re.error) as exc:
            raise _Invalid(f"has invalid pattern '{pattern}': {exc}") from None


def _apply_overrides(
    values: dict[str, typing.Any], overrides: Mapping[str, object]
) -> dict[str, typing.Any]:
    """Merge command-line values as ruff does.

    ``select`` starts over (ruff drops the configuration's ``ignore`` and ``extend-select``
    too: ``--select FL101`` means exactly FL101); ``ignore`` and ``extend-*`` add to the
    configuration; anything else replaces it. ``None`` means "option not given".
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    fields = {option.field: option for option in CONFIG_KEYS.values()}
    merged = dict(values)
    if "select" in given:
        merged.pop("ignore", None)
        merged.pop("extend_select", None)
    for name, raw in given.items():
        option = fields.get(name)
        if option is None:
            raise ConfigError(f"command line: unknown option '{name}'{_suggest(name, fields)}",
                              key=name)
        try:
            value = _convert(option, raw, Path.cwd())
        except _Invalid as exc:
            raise ConfigError("command line: " + exc.message(option.key), key=option.key) from None
        if (name == "ignore" or name.startswith("extend_")) and name in merged:
            value = _extend(merged[name], value)
        merged[name] = value
    return merged


def _extend(old: object, new: object) -> object:
    if isinstance(old, tuple) and isinstance(new, tuple):
        return old + tuple(item for item in new if item not in old)
    return new


# --------------------------------------------------------------------------- rule codes


def _specificity(selector: str) -> int:
    """``ALL`` < ``FL`` < ``FL1`` < ``FL10`` < ``FL101``: the more specific selector wins."""
    return 0 if selector == "ALL" else len(selector) - 1


def _matches(selector: str, code: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _expand(selector: str, known: Mapping[str, bool], *, selecting: bool) -> set[str]:
    """Codes a selector names. Selecting by prefix leaves preview rules out, as ruff does."""
    if selector in known:
        return {selector}
    return {
        code for code, preview in known.items()
        if _matches(selector, code) and not (selecting and preview)
    }


def validate_codes(
    codes: Iterable[str],
    known: Mapping[str, bool],
    *,
    key: str = "select",
    source: str = "configuration",
) -> list[str]:
    """Raise for selectors that name no rule; return the warnings (FL001 has no effect)."""
    warnings = []
    for selector in codes:
        if selector == FL001:
            warnings.append(f"{source}: '{key}': {FL001_WARNING}")
            continue
        if selector == "ALL" or (_SELECTOR_RE.fullmatch(selector) and (
            FL001.startswith(selector) or any(code.startswith(selector) for code in known)
        )):
            continue
        raise ConfigError(
            f"{source}: '{key}' has unknown rule selector '{selector}'" + _suggest(selector, known),
            key=key,
        )
    return warnings


def resolve_selection(
    settings: Settings, known: Mapping[str, bool], *, source: str = "configuration"
) -> tuple[frozenset[str], list[str]]:
    """The enabled rule codes and the warnings, with ruff's selection semantics.

    Default ``select`` is every non-preview rule. Selectors apply from least to most
    specific, and at equal specificity ``ignore`` beats ``select``, so ``select = ["FL101"]``
    with ``ignore = ["FL1"]`` keeps FL101.
    """
    select = settings.select if settings.select is not None else ("ALL",)
    warnings = validate_codes(select, known, key="select", source=source)
    warnings += validate_codes(settings.extend_select, known, key="extend-select", source=source)
    warnings += validate_codes(settings.ignore, known, key="ignore", source=source)
    for pattern, codes in settings.per_file_ignores.items():
        warnings += validate_codes(codes, known, key=f"per-file-ignores.{json.dumps(pattern)}",
                                   source=source)
    for entry in settings.extend_blocking_calls:
        if entry.code not in known:
            raise ConfigError(
                f"{source}: 'extend-blocking-calls' entry {json.dumps(entry.name)} has unknown "
                f"rule code '{entry.code}'{_suggest(entry.code, known)}",
                key="extend-blocking-calls",
            )
    enabled: dict[str, bool] = {}
    selectors = [(s, True) for s in (*select, *settings.extend_select)]
    selectors += [(s, False) for s in settings.ignore]
    # Stable sort: at equal specificity selects come first, so ignores override them.
    for selector, on in sorted(selectors, key=lambda pair: (_specificity(pair[0]), not pair[1])):
        if selector != FL001:
            enabled.update(dict.fromkeys(_expand(selector, known, selecting=on), on))
    return frozenset(code for code, on in enabled.items() if on), warnings


def per_file_ignored_codes(
    settings: Settings, path: Path, known: Mapping[str, bool]
) -> frozenset[str]:
    """Codes that ``per-file-ignores`` turns off for one file.

    Patterns are gitignore-style, relative to the project root: one without ``/`` matches
    the file name at any depth, ``tests/`` everything under it, and a leading ``!`` matches
    the files the rest does not match (as in ruff).
    """
    if not settings.per_file_ignores:
        return frozenset()
    relative = _relative_posix(Path(path), settings.project_root)
    ignored: set[str] = set()
    for negated, spec, selectors in _compiled_per_file(tuple(settings.per_file_ignores.items())):
        if spec.match_file(relative) != negated:
            for selector in selectors:
                ignored |= _expand(selector, known, selecting=False)
    return frozenset(ignored)


def unreported_path(settings: Settings, path: Path | str) -> str | None:
    """``"test"`` or ``"tooling"`` when no rule reports on ``path`` (it matches
    ``test-paths`` or ``tooling-paths`` and ``check-test-paths`` is off), else None.

    Patterns are gitignore-style, relative to the project root, as in ``per-file-ignores``.
    """
    if settings.check_test_paths or not (settings.test_paths or settings.tooling_paths):
        return None
    relative = _relative_posix(path, settings.project_root)
    for kind, patterns in (("test", settings.test_paths), ("tooling", settings.tooling_paths)):
        if patterns and _path_matches(patterns, relative):
            return kind
    return None


def _path_matches(patterns: tuple[str, ...], relative: str) -> bool:
    spec, any_pattern = _compiled_paths(patterns)
    # Most paths match no pattern: one regex of them all says so at once (``discovery.any_pattern``).
    return (any_pattern is None or any_pattern.match(relative) is not None) and spec.match_file(relative)


@lru_cache(maxsize=32)
def _compiled_paths(patterns: tuple[str, ...]) -> tuple[GitIgnoreSpec, re.Pattern[str] | None]:
    from pathspec import GitIgnoreSpec

    from fastlint.run.discovery import any_pattern

    spec = GitIgnoreSpec.from_lines(list(patterns))
    return spec, any_pattern(spec)


@lru_cache(maxsize=32)
def _compiled_per_file(
    items: tuple[tuple[str, tuple[str, ...]], ...]
) -> list[tuple[bool, GitIgnoreSpec, tuple[str, ...]]]:
    """Compile the patterns once per configuration, not once per file."""
    from pathspec import GitIgnoreSpec

    compiled = []
    for pattern, selectors in items:
        negated = pattern.startswith("!")
        spec = GitIgnoreSpec.from_lines([pattern[1:] if negated else pattern])
        compiled.append((negated, spec, selectors))
    return compiled


def _relative_posix(path: Path | str, root: Path) -> str:
    """The path as the patterns see it; resolved only when the plain form is not under root."""
    text, base = absolute(path), str(root)
    # A normalised path below the root: the relative part as it is (a run asks for every
    # file; building Paths cost an edited project's re-check 20 ms).
    if os.sep == "/" and base.startswith("/") and not base.startswith("//") and text.startswith(base.rstrip("/") + "/"):
        return text[len(base.rstrip("/")) + 1:]
    plain = Path(text)
    for candidate in (plain, None):
        try:
            return (candidate or plain.resolve()).relative_to(root).as_posix()
        except ValueError:
            continue
    return plain.as_posix().lstrip("/")


# --------------------------------------------------------------------------- debug dump


def format_settings(settings: Settings) -> str:
    """The merged settings as TOML, for ``fastlint debug-config``: what a run will use."""
    lines = [
        f"# project root: {settings.project_root}",
        f"# configuration: {settings.config_path or 'none (defaults)'}",
    ]
    tables: list[str] = []
    for key, option in CONFIG_KEYS.items():
        value = getattr(settings, option.field)
        if value is None:
            lines.append(f"# {key} is not set (default)")
        elif isinstance(value, dict):
            tables += ["", f"[{key}]"] + [
                f"{_toml(str(name))} = {_toml(item)}" for name, item in value.items()
            ]
        elif option.field == "extend_blocking_calls":
            tables += ["", f"[{key}]"] + [_toml_entry(entry) for entry in value]
        else:
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines + tables) + "\n"


def _toml_entry(entry: BlockingCallEntry) -> str:
    if entry.use_instead is None:
        return f"{_toml(entry.name)} = {_toml(entry.code)}"
    return (f"{_toml(entry.name)} = {{ code = {_toml(entry.code)}, "
            f"use-instead = {_toml(entry.use_instead)} }}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, Path):
        value = value.as_posix()
    return json.dumps(str(value), ensure_ascii=False)
