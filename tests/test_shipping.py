"""What a team adopting fastlint gets: a self-contained suite, a licence, links that exist."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from fastlint.rule_meta import REPOSITORY_URL

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def test_no_test_reads_outside_the_repository():
    """A fresh clone with nothing beside it runs the whole suite."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if "fixtures" in path.relative_to(TESTS).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"parents\[[2-9]\]|\.\./shared|[\"']shared[\"']\s*/", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_schemas_the_tests_read_are_in_the_repository_with_their_source():
    readme = (TESTS / "schemas" / "README.md").read_text(encoding="utf-8")
    files = sorted(p for p in (TESTS / "schemas").rglob("*") if p.is_file() and p.name != "README.md")
    assert files
    for path in files:
        name = path.relative_to(TESTS / "schemas").as_posix()
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"tests/schemas/README.md does not describe {name}"
        assert row.count("|") >= 5 and row.split("|")[4].strip(), f"{name}: no licence noted"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_mit_licence_as_pyproject_says():
    assert pyproject()["project"]["license"] == "MIT"  # an SPDX expression (PEP 639)
    assert pyproject()["project"]["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in licence


def test_one_repository_url():
    """The repository is named in code once (rule_meta.REPOSITORY_URL); every link agrees."""
    pattern = re.compile(r"https?://github\.com/fastlint/[\w.-]+")
    texts = [ROOT / name for name in ("README.md", "CHANGELOG.md", "pyproject.toml", "action.yml")]
    texts += sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "editors").rglob("package.json"))
    for path in texts:
        if path.is_file():
            for url in pattern.findall(path.read_text(encoding="utf-8")):
                assert url == REPOSITORY_URL, f"{path.relative_to(ROOT)}: {url}"
    for url in pyproject()["project"]["urls"].values():
        assert url.startswith(REPOSITORY_URL + "/") or url == REPOSITORY_URL
    sources = sorted((ROOT / "fastlint").rglob("*.py")) + sorted((ROOT / "rules").rglob("*.py"))
    naming = [p.relative_to(ROOT).as_posix() for p in sources if REPOSITORY_URL in p.read_text(encoding="utf-8")]
    assert naming == ["fastlint/rule_meta.py"]


def readme_yaml_blocks() -> list[object]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)]


def test_readme_local_pre_commit_hook_is_the_published_one():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    published = hooks["fastlint"]
    # The second hook applies safe fixes only: the same hook with --fix.
    assert hooks["fastlint-fix"]["entry"] == "fastlint check --fix"
    assert {k: v for k, v in hooks["fastlint-fix"].items() if k not in ("id", "name", "entry", "description")} == {
        k: v for k, v in published.items() if k not in ("id", "name", "entry", "description")
    }
    local = [
        repo["hooks"][0]
        for block in readme_yaml_blocks() if isinstance(block, dict)
        for repo in block.get("repos", []) if repo["repo"] == "local"
    ]
    assert len(local) == 1
    for key in ("id", "name", "entry", "types_or", "require_serial"):
        assert local[0][key] == published[key], key
    assert local[0]["language"] == "system"


def test_every_version_agrees():
    """CHANGELOG.md's top section is the version every manifest builds; the README's snippets
    name the newest released tag (the top version before the first release)."""
    import json

    import fastlint

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (Unreleased|\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert sections, "CHANGELOG.md has no version section"
    top = sections[0][0]
    assert [date for _, date in sections[1:] if date == "Unreleased"] == [], "only the top section may be unreleased"
    assert pyproject()["project"]["version"] == top
    assert fastlint.__version__ == top
    extension = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "editors" / "vscode" / "package-lock.json").read_text(encoding="utf-8"))
    assert extension["version"] == lock["version"] == lock["packages"][""]["version"] == top
    released = next((version for version, date in sections if date != "Unreleased"), top)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tags = re.findall(r"rev: (v\S+)", readme) + re.findall(r"uses: fastlint/fastlint@(v\S+)", readme)
    assert len(tags) == 2 and set(tags) == {f"v{released}"}, tags
    assert "[CHANGELOG.md](CHANGELOG.md)" in readme


def test_docs_base_url_moves_every_link(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from fastlint.cli import main

    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastlint]\ndocs-base-url = "https://docs.example.com/fastlint/rules/"\n', encoding="utf-8"
    )
    (tmp_path / "app.py").write_text(
        "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\nasync def home():\n    time.sleep(1)\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", "app.py"])
    assert result.exit_code == 1, result.output
    assert {item["code"]: item["url"] for item in json.loads(result.output)}["FL102"] == "https://docs.example.com/fastlint/rules/FL102.md"
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "sarif", "app.py"])
    rules = json.loads(result.output)["runs"][0]["tool"]["driver"]["rules"]
    assert {rule["helpUri"] for rule in rules} == {f"https://docs.example.com/fastlint/rules/{rule['id']}.md" for rule in rules}


def test_docs_base_url_moves_the_review_and_editor_links_too(tmp_path, monkeypatch):
    """The review's comments and the language server's diagnostics link under the same base."""
    import json

    from click.testing import CliRunner
    from test_lsp import Editor, session

    from fastlint.cli import main

    base = "https://docs.example.com/fastlint/rules"
    (tmp_path / "pyproject.toml").write_text(f'[tool.fastlint]\ndocs-base-url = "{base}"\n', encoding="utf-8")
    app = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\nasync def home():\n    time.sleep(1)\n"
    (tmp_path / "app.py").write_text(app, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    diff = "--- a/app.py\n+++ b/app.py\n@@ -7 +7 @@\n-    pass\n+    time.sleep(1)\n"
    result = CliRunner().invoke(main, ["review", "--no-cache", "--diff", "-"], input=diff)
    assert result.exit_code == 1, result.output
    [comment] = json.loads(result.stdout)["comments"]
    assert comment["body"].startswith(f"**[FL102]({base}/FL102.md)** (blocking-sleep-in-async)")

    async def scenario(editor: Editor) -> None:
        [diagnostic] = (await editor.open(tmp_path / "app.py", app)).diagnostics
        assert diagnostic.code == "FL102"
        assert diagnostic.code_description is not None and diagnostic.code_description.href == f"{base}/FL102.md"

    assert session(tmp_path, scenario) == 0
