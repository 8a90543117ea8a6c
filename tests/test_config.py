"""Configuration: finding the file, exact error messages, selection semantics."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from pathlib import Path

import pytest

from fastlint.run.config import (
    CONFIG_KEYS,
    FL001_WARNING,
    ConfigError,
    find_config_file,
    find_project_root,
    format_settings,
    load_settings,
    per_file_ignored_codes,
    resolve_selection,
    validate_codes,
)
from fastlint.settings import BlockingCallEntry, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# code -> preview
KNOWN = {"FL101": False, "FL102": False, "FL103": True, "FL201": False, "FL301": True}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory that is also the working directory, so messages say `pyproject.toml`."""
    root = tmp_path.resolve() / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(project: Path, text: str, name: str = "pyproject.toml") -> str:
    write(project / name, text)
    with pytest.raises(ConfigError) as info:
        load_settings([project])
    return str(info.value)


# ----------------------------------------------------------------------------- locating


def test_project_root_is_nearest_marker_dir(project: Path) -> None:
    write(project / "pyproject.toml", "")
    (project / "pkg" / "sub").mkdir(parents=True)
    (project / "pkg" / ".git").mkdir()
    module = write(project / "pkg" / "sub" / "mod.py", "")
    assert find_project_root(module) == project / "pkg"
    assert find_project_root(project / "pkg" / "sub") == project / "pkg"
    assert find_project_root(project) == project
    assert find_project_root(Path("pkg/sub/mod.py")) == project / "pkg"


def test_project_root_falls_back_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lone = tmp_path.resolve() / "lone" / "deeper"
    lone.mkdir(parents=True)
    markers = ("pyproject.toml", "fastlint.toml", ".git")
    assert not any((d / m).exists() for d in lone.parents for m in markers)
    monkeypatch.chdir(tmp_path)
    assert find_project_root(lone) == tmp_path.resolve()


def test_fastlint_toml_wins_over_pyproject_in_the_same_dir(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.fastlint]\ncache = false\n")
    write(project / "fastlint.toml", "cache = true\n")
    assert find_config_file(project) == project / "fastlint.toml"
    assert load_settings([project]).cache is True


def test_pyproject_without_table_is_skipped(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.fastlint]\nmax-call-depth = 3\n")
    sub = project / "sub"
    write(sub / "pyproject.toml", "[project]\nname = 'sub'\n")
    module = write(sub / "app.py", "")
    assert find_config_file(module) == project / "pyproject.toml"
    settings = load_settings([module])
    assert settings.max_call_depth == 3
    assert settings.config_path == project / "pyproject.toml"
    assert settings.project_root == sub  # the nearest marker, not the config's directory


def test_no_config_gives_defaults(project: Path) -> None:
    (project / ".git").mkdir()
    assert find_config_file(project) is None
    settings = load_settings([project])
    assert settings == Settings(project_root=project, config_path=None)


def test_empty_explicit_config_gives_defaults(project: Path) -> None:
    config = write(project / "empty.toml", "")
    assert load_settings([project], config=config) == Settings(project_root=project, config_path=config)


# ----------------------------------------------------------------------------- values


def test_every_option_type_is_read(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [project]
        name = "app"

        [tool.fastlint]
        select = ["FL1", "FL201"]
        ignore = ["FL102"]
        extend-select = ["FL103"]
        exclude = ["gen"]
        extend-exclude = ["tests/fixtures"]
        force-exclude = true
        respect-gitignore = false
        extend-offload-wrappers = ["app.utils.offload"]
        check-startup = true
        max-call-depth = 3
        cache = false
        cache-dir = "var/cache"

        [tool.fastlint.per-file-ignores]
        "tests/*" = ["FL1"]
        "__init__.py" = ["FL201"]

        [tool.fastlint.extend-blocking-calls]
        "mylib.fetch" = "FL101"
        "mylib.load" = { code = "FL102", use-instead = "mylib.aload" }
        """,
    )
    settings = load_settings([project / "app.py"])
    assert settings == Settings(
        project_root=project,
        config_path=project / "pyproject.toml",
        select=("FL1", "FL201"),
        ignore=("FL102",),
        extend_select=("FL103",),
        per_file_ignores={"tests/*": ("FL1",), "__init__.py": ("FL201",)},
        exclude=("gen",),
        extend_exclude=("tests/fixtures",),
        force_exclude=True,
        respect_gitignore=False,
        extend_blocking_calls=(
            BlockingCallEntry("mylib.fetch", "FL101"),
            BlockingCallEntry("mylib.load", "FL102", "mylib.aload"),
        ),
        extend_offload_wrappers=("app.utils.offload",),
        check_startup=True,
        max_call_depth=3,
        cache=False,
        cache_dir=project / "var" / "cache",
    )


def test_paths_are_relative_to_the_config_file(project: Path) -> None:
    config = write(project / "conf" / "lint.toml", 'cache-dir = "../.cache"\n')
    settings = load_settings([project], config=config)
    assert settings.cache_dir == project / "conf" / ".." / ".cache"
    assert settings.config_path == config
    assert settings.project_root == project


def test_schema_is_every_settings_field_but_the_internal_ones() -> None:
    internal = {"project_root", "config_path"}
    fields = {f.name for f in dataclasses.fields(Settings)} - internal
    assert set(CONFIG_KEYS) == {name.replace("_", "-") for name in fields}


# ----------------------------------------------------------------------------- errors


def test_unknown_key_names_file_line_and_suggestion(project: Path) -> None:
    message = load_error(
        project,
        """
        [project]
        name = "app"

        [tool.fastlint]
        ignore = []
        selct = ["FL1"]
        """,
    )
    assert message == "pyproject.toml:6: [tool.fastlint] unknown key 'selct' (did you mean 'select'?)"


def test_unknown_key_in_fastlint_toml_has_no_table_prefix(project: Path) -> None:
    message = load_error(project, "cache = true\nextend_select = []\n", name="fastlint.toml")
    assert message == "fastlint.toml:2: unknown key 'extend_select' (did you mean 'extend-select'?)"


def test_unknown_key_without_suggestion(project: Path) -> None:
    message = load_error(project, "[tool.fastlint]\nzzz = 1\n")
    assert message == "pyproject.toml:2: [tool.fastlint] unknown key 'zzz'"


def test_unknown_subtable_is_found_by_its_header(project: Path) -> None:
    message = load_error(project, '[tool.fastlint]\ncache = true\n\n[tool.fastlint.per-file-ignore]\n"a.py" = []\n')
    assert message == (
        "pyproject.toml:4: [tool.fastlint] unknown key 'per-file-ignore' "
        "(did you mean 'per-file-ignores'?)"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("max-call-depth = true", "'max-call-depth' must be an integer, got boolean", id="bool-for-int"),
        pytest.param('max-call-depth = "3"', "'max-call-depth' must be an integer, got string", id="str-for-int"),
        pytest.param("cache = 1", "'cache' must be a boolean, got integer", id="int-for-bool"),
        pytest.param('select = "FL1"', "'select' must be an array of strings, got string", id="str-for-array"),
        pytest.param("ignore = [101]", "'ignore' must be an array of strings, got array", id="array-of-ints"),
        pytest.param("cache-dir = 3", "'cache-dir' must be a path string, got integer", id="int-for-path"),
        pytest.param('per-file-ignores = ["a"]', "'per-file-ignores' must be a table of arrays of strings, got array", id="array-for-table"),
    ],
)
def test_wrong_types_name_key_type_file_and_line(project: Path, line: str, expected: str) -> None:
    message = load_error(project, f"[tool.fastlint]\ncheck-startup = true\n{line}\n")
    assert message == f"pyproject.toml:3: [tool.fastlint] {expected}"


def test_bad_per_file_ignores_entry_points_at_its_line(project: Path) -> None:
    message = load_error(
        project,
        """
        [tool.fastlint.per-file-ignores]
        "tests/*" = ["FL1"]
        "app/*.py" = "FL101"
        """,
    )
    assert message == (
        'pyproject.toml:3: [tool.fastlint] \'per-file-ignores\' entry "app/*.py" must be '
        "an array of strings, got string"
    )


def test_bad_blocking_call_entry_suggests_the_key(project: Path) -> None:
    message = load_error(
        project,
        """
        [tool.fastlint]
        cache = true
        extend-blocking-calls = { "a.b" = "FL101", "c.d" = { code = "FL101", use_instead = "x" } }
        """,
    )
    assert message == (
        'pyproject.toml:3: [tool.fastlint] \'extend-blocking-calls\' entry "c.d" has unknown key '
        "'use_instead' (did you mean 'use-instead'?)"
    )


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        pytest.param('"c.d" = 3', 'must be a rule code or a table { code = "...", use-instead = "..." }, got integer', id="int"),
        pytest.param('"c.d" = { use-instead = "x" }', "has no 'code'", id="no-code"),
        pytest.param('"c.d" = { code = 101 }', "must be a string in 'code', got integer", id="int-code"),
        pytest.param('"c.d" = { code = "FL101", use-instead = ["x"] }', "must be a string in 'use-instead', got array", id="array-use-instead"),
    ],
)
def test_bad_blocking_call_entries(project: Path, entry: str, problem: str) -> None:
    message = load_error(project, f'[tool.fastlint.extend-blocking-calls]\n"a.b" = "FL101"\n{entry}\n')
    assert message == f'pyproject.toml:3: [tool.fastlint] \'extend-blocking-calls\' entry "c.d" {problem}'


def test_blocking_call_code_shape_is_checked(project: Path) -> None:
    message = load_error(
        project,
        """
        [tool.fastlint.extend-blocking-calls]
        "a.b" = "FL101"
        "c.d" = "E501"
        """,
    )
    assert message == (
        'pyproject.toml:3: [tool.fastlint] \'extend-blocking-calls\' entry "c.d" has invalid '
        "rule code 'E501' (expected a code like FL101)"
    )


def test_selector_shape_is_checked_at_load_time(project: Path) -> None:
    message = load_error(project, '[tool.fastlint]\nselect = ["FL1", "E501"]\n')
    assert message == (
        "pyproject.toml:2: [tool.fastlint] 'select' has invalid rule selector 'E501' "
        "(expected ALL, FL, a prefix like FL1, or a code like FL101)"
    )


def test_patterns_are_compiled_at_load_time(project: Path) -> None:
    message = load_error(project, '[tool.fastlint]\ncache = true\nextend-exclude = ["ok", "!"]\n')
    assert message.startswith("pyproject.toml:3: [tool.fastlint] 'extend-exclude' has invalid pattern '!': ")


def test_invalid_toml_reports_the_parser_line(project: Path) -> None:
    message = load_error(project, '[tool.fastlint]\ncache = true\nselect = ["FL1"\nignore = []\n')
    assert message.startswith("pyproject.toml:4: invalid TOML: ")


def test_invalid_toml_in_explicit_config(project: Path) -> None:
    config = write(project / "conf.toml", "cache = \n")
    with pytest.raises(ConfigError) as info:
        load_settings([project], config=config)
    assert str(info.value).startswith("conf.toml:1: invalid TOML: ")
    assert info.value.line == 1


def test_missing_explicit_config(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings([project], config=Path("nope.toml"))
    assert str(info.value) == "nope.toml: configuration file does not exist"


def test_tool_fastlint_must_be_a_table(project: Path) -> None:
    message = load_error(project, "[tool]\nfastlint = 3\n")
    assert message == "pyproject.toml:2: [tool.fastlint] must be a table"


def test_error_carries_key_path_and_line(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.fastlint]\n\nmax-call-depth = false\n")
    with pytest.raises(ConfigError) as info:
        load_settings([project])
    assert (info.value.key, info.value.path, info.value.line) == (
        "max-call-depth", project / "pyproject.toml", 3,
    )


# ----------------------------------------------------------------------------- overrides


def test_cli_select_starts_over_like_ruff(project: Path) -> None:
    write(project / "pyproject.toml", """
        [tool.fastlint]
        select = ["FL1"]
        ignore = ["FL101"]
        extend-select = ["FL103"]
        """)
    settings = load_settings([project], overrides={"select": ["FL101"], "ignore": None})
    assert (settings.select, settings.ignore, settings.extend_select) == (("FL101",), (), ())


def test_cli_ignore_and_extend_select_add_to_the_config(project: Path) -> None:
    write(project / "pyproject.toml", """
        [tool.fastlint]
        ignore = ["FL101"]
        extend-select = ["FL103"]
        extend-exclude = ["a"]
        exclude = ["x"]
        """)
    settings = load_settings(
        [project],
        overrides={"ignore": ("FL102", "FL101"), "extend_select": ["FL301"],
                   "extend_exclude": ["b"], "exclude": ["y"], "force_exclude": True},
    )
    assert settings.ignore == ("FL101", "FL102")
    assert settings.extend_select == ("FL103", "FL301")
    assert settings.extend_exclude == ("a", "b")
    assert settings.exclude == ("y",)
    assert settings.force_exclude is True


def test_cli_overrides_are_validated(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"^command line: unknown option 'selct' \(did you mean 'select'\?\)$"):
        load_settings([project], overrides={"selct": ["FL1"]})
    with pytest.raises(ConfigError, match=r"^command line: 'max-call-depth' must be an integer, got boolean$"):
        load_settings([project], overrides={"max_call_depth": True})
    with pytest.raises(ConfigError, match=r"^command line: 'select' has invalid rule selector 'X1'"):
        load_settings([project], overrides={"select": ["X1"]})


# ----------------------------------------------------------------------------- selection


def selection(**values: object) -> tuple[frozenset[str], list[str]]:
    return resolve_selection(Settings(**values), KNOWN)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "enabled"),
    [
        pytest.param({}, {"FL101", "FL102", "FL201"}, id="default-is-all-stable"),
        pytest.param({"select": ("ALL",)}, {"FL101", "FL102", "FL201"}, id="ALL-leaves-preview-out"),
        pytest.param({"select": ("FL",)}, {"FL101", "FL102", "FL201"}, id="FL-prefix"),
        pytest.param({"select": ("FL1",)}, {"FL101", "FL102"}, id="prefix-leaves-preview-out"),
        pytest.param({"select": ("FL103",)}, {"FL103"}, id="exact-code-selects-preview"),
        pytest.param({"extend_select": ("FL301",)}, {"FL101", "FL102", "FL201", "FL301"}, id="extend-select-adds"),
        pytest.param({"select": ("FL1",), "extend_select": ("FL2",)}, {"FL101", "FL102", "FL201"}, id="extend-select-prefix"),
        pytest.param({"ignore": ("FL1",)}, {"FL201"}, id="ignore-prefix"),
        pytest.param({"select": ("FL1",), "ignore": ("FL102",)}, {"FL101"}, id="ignore-code"),
        pytest.param({"select": ("FL101",), "ignore": ("FL1",)}, {"FL101"}, id="more-specific-select-wins"),
        pytest.param({"select": ("FL101",), "ignore": ("FL101",)}, set(), id="equal-specificity-ignore-wins"),
        pytest.param({"select": ("FL103",), "ignore": ("FL10",)}, {"FL103"}, id="exact-preview-beats-prefix-ignore"),
        pytest.param({"select": ("FL1", "FL103"), "ignore": ("FL103",)}, {"FL101", "FL102"}, id="ignore-preview"),
        pytest.param({"select": ()}, set(), id="empty-select"),
    ],
)
def test_selection_semantics(values: dict[str, object], enabled: set[str]) -> None:
    assert selection(**values) == (frozenset(enabled), [])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param({"ignore": ("FL001",)}, "configuration: 'ignore': " + FL001_WARNING, id="ignore"),
        pytest.param({"select": ("FL001", "FL1")}, "configuration: 'select': " + FL001_WARNING, id="select"),
        pytest.param({"per_file_ignores": {"a/*": ("FL001",)}},
                     "configuration: 'per-file-ignores.\"a/*\"': " + FL001_WARNING, id="per-file-ignores"),
    ],
)
def test_fl001_is_accepted_with_a_warning_and_no_effect(values: dict[str, object], expected: str) -> None:
    enabled, warnings = selection(**values)
    assert warnings == [expected]
    assert "FL001" not in enabled
    assert enabled == ({"FL101", "FL102"} if "select" in values else {"FL101", "FL102", "FL201"})


def test_fl001_in_per_file_ignores_ignores_nothing(tmp_path: Path) -> None:
    settings = Settings(project_root=tmp_path, per_file_ignores={"*.py": ("FL001",)})
    assert per_file_ignored_codes(settings, tmp_path / "a.py", KNOWN) == frozenset()


def test_unknown_selectors_are_errors() -> None:
    with pytest.raises(ConfigError) as info:
        selection(ignore=("FL1", "FL109"))
    assert str(info.value) == "configuration: 'ignore' has unknown rule selector 'FL109' (did you mean 'FL103'?)"
    assert info.value.key == "ignore"
    with pytest.raises(ConfigError, match=r"^configuration: 'select' has unknown rule selector 'FL9'$"):
        selection(select=("FL9",))
    with pytest.raises(ConfigError, match=r"^cli: 'per-file-ignores\.\"x\"' has unknown rule selector 'FL4'$"):
        resolve_selection(Settings(per_file_ignores={"x": ("FL4",)}), KNOWN, source="cli")


def test_prefixes_of_fl001_are_accepted_without_rules_behind_them() -> None:
    assert validate_codes(["FL0", "FL00", "FL", "ALL"], KNOWN) == []


@pytest.mark.parametrize("selector", ["F", "", "fl101", "FL1010", "E501"])
def test_malformed_selectors_are_unknown(selector: str) -> None:
    with pytest.raises(ConfigError, match=f"^configuration: 'ignore' has unknown rule selector '{selector}'"):
        validate_codes([selector], KNOWN, key="ignore")


def test_blocking_call_codes_must_exist() -> None:
    settings = Settings(extend_blocking_calls=(BlockingCallEntry("a.b", "FL109"),))
    with pytest.raises(ConfigError) as info:
        resolve_selection(settings, KNOWN)
    assert str(info.value) == (
        "configuration: 'extend-blocking-calls' entry \"a.b\" has unknown rule code 'FL109' "
        "(did you mean 'FL103'?)"
    )


# ----------------------------------------------------------------------------- per-file-ignores


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        pytest.param("tests/test_a.py", {"FL101", "FL102", "FL103"}, id="glob-in-dir"),
        pytest.param("tests/deep/test_a.py", {"FL102"}, id="star-does-not-cross-slash"),
        pytest.param("pkg/__init__.py", {"FL102", "FL201", "FL301"}, id="basename-at-any-depth"),
        pytest.param("__init__.py", {"FL102", "FL201", "FL301"}, id="basename-at-root"),
        pytest.param("scripts/tools/x.py", set(KNOWN), id="dir-pattern"),
        pytest.param("app/main.py", set(), id="negated-pattern-skips-its-matches"),
        pytest.param("lib/main.py", {"FL102"}, id="negated-pattern-covers-the-rest"),
    ],
)
def test_per_file_ignores(tmp_path: Path, path: str, codes: set[str]) -> None:
    """Ignoring by prefix covers preview rules too: ignoring never turns anything on."""
    settings = Settings(
        project_root=tmp_path,
        per_file_ignores={
            "tests/*.py": ("FL1",),
            "__init__.py": ("FL2", "FL3"),
            "scripts/": ("ALL",),
            "!app/**": ("FL102",),
        },
    )
    assert per_file_ignored_codes(settings, tmp_path / path, KNOWN) == frozenset(codes)


def test_per_file_ignores_accepts_relative_paths(project: Path) -> None:
    settings = Settings(project_root=project, per_file_ignores={"app/*.py": ("FL101",)})
    assert per_file_ignored_codes(settings, Path("app/main.py"), KNOWN) == {"FL101"}


# ----------------------------------------------------------------------------- debug dump


def test_format_settings_is_toml_that_reads_back(tmp_path: Path) -> None:
    settings = Settings(
        project_root=tmp_path,
        config_path=tmp_path / "pyproject.toml",
        select=("FL1",),
        per_file_ignores={"tests/*": ("FL101",)},
        extend_blocking_calls=(
            BlockingCallEntry("a.b", "FL101"),
            BlockingCallEntry("c.d", "FL102", "c.ad"),
        ),
        cache_dir=tmp_path / "c",
    )
    text = format_settings(settings)
    assert f"# project root: {tmp_path}" in text
    assert "# exclude is not set (default)" in text
    data = tomllib.loads(text)
    assert data["select"] == ["FL1"]
    assert data["max-call-depth"] == 2
    assert data["respect-gitignore"] is True
    assert data["cache-dir"] == (tmp_path / "c").as_posix()
    assert data["per-file-ignores"] == {"tests/*": ["FL101"]}
    assert data["extend-blocking-calls"] == {"a.b": "FL101", "c.d": {"code": "FL102", "use-instead": "c.ad"}}
    assert "exclude" not in data
