"""Security review of YAML reading (issue 7): safe loaders only, Python tags are findings and never
run, alias bombs and deep nesting are bounded, and an oversized file is a finding, not a hang."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from improve.core.read.frontmatter import MAX_ALIAS_EXPANSION, MAX_NESTING, parse

ROOT = Path(__file__).resolve().parents[3]
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader", "_Loader", "_BaseLoader"}
UNSAFE_NAMES = {"Loader", "CLoader", "FullLoader", "CFullLoader", "UnsafeLoader", "CUnsafeLoader",
                "UnsafeConstructor", "FullConstructor", "Constructor"}
UNSAFE_CALLS = {"unsafe_load", "unsafe_load_all", "full_load", "full_load_all", "load", "load_all"}
# A child process with a memory ceiling: a bomb that got through would die, not pass.
MEMORY_CEILING = 1 << 30
CHILD_SECONDS = 120  # only a guard against a hang; normal runs take about a second


def _python_files() -> list[Path]:
    return sorted([*(ROOT / "improve").rglob("*.py"), *(ROOT / "tooling").glob("*.py")])


def test_yaml_is_only_read_through_safe_loaders() -> None:
    problems: list[str] = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if (isinstance(node, ast.Attribute) and node.attr in UNSAFE_NAMES
                    and isinstance(node.value, ast.Name) and node.value.id == "yaml"):
                problems.append(f"{where}: yaml.{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml"):
                    continue
                name = node.func.attr
                loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                if name in UNSAFE_CALLS - {"load", "load_all"}:
                    problems.append(f"{where}: yaml.{name}")
                elif name in {"load", "load_all", "compose", "compose_all", "parse", "scan"}:
                    if loader is None and name in {"load", "load_all"}:
                        problems.append(f"{where}: yaml.{name} without a Loader")
                    if loader is not None and _loader_name(loader) not in SAFE_LOADERS:
                        problems.append(f"{where}: yaml.{name} with {ast.unparse(loader)}")
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    text = ast.unparse(base)
                    if "Loader" in text and _loader_name(base) not in SAFE_LOADERS:
                        problems.append(f"{where}: class {node.name}({text})")
    assert problems == []


def _loader_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ast.unparse(node)


def test_the_base_loader_is_a_safe_one() -> None:
    import yaml

    from improve.core.read.frontmatter import _BaseLoader, _Loader

    assert issubclass(_Loader, _BaseLoader)
    assert _BaseLoader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None))
    assert issubclass(_Loader, yaml.constructor.SafeConstructor)
    assert not issubclass(_Loader, yaml.constructor.FullConstructor)


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:subprocess.check_call [['touch', '{marker}']]",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/object:builtins.object {{}}",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/tuple [1, 2]",
        "!!python/unicode x",
        "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
        "!custom x",
    ],
)
def test_a_python_tag_is_a_finding_and_never_runs(tmp_path: Path, value: str) -> None:
    marker = tmp_path / "PWNED"
    raw = f"---\nid: RCA-0001\ntitle: {value.format(marker=marker)}\n---\nbody\n".encode()
    parsed = parse(raw)
    assert parsed.meta is None
    assert [(p.rule, p.line) for p in parsed.problems] == [("yaml-syntax", 3)]
    assert "tag" in parsed.problems[0].message
    assert not marker.exists()


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines)


BOMBS = {
    "billion-laughs": _billion_laughs(),
    "billion-laughs-block": "\n".join(
        ["a0: &a0 lol"] + [f"a{i}: &a{i}\n" + "\n".join(f"  - *a{i - 1}" for _ in range(10))
                           for i in range(1, 10)]),
    "deep-flow-sequence": "x: " + "[" * 100_000 + "]" * 100_000,
    "deep-flow-mapping": "x: " + "{a: " * 50_000 + "1" + "}" * 50_000,
    "deep-block-sequence": "x:\n" + "\n".join(" " * i + "- " for i in range(1, 1000)),
    "deep-block-mapping": "x:\n" + "\n".join(" " * i + "k:" for i in range(1, 1000)),
    "unclosed-deep-flow": "x: " + "[" * 100_000,
    "dash-run": "x:\n" + "- " * 50_000 + "y",
}


def _run_child(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run Python code in a child with an address-space ceiling (and a time guard)."""
    prelude = ("import resource\n"
               f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CEILING}, {MEMORY_CEILING}))\n")
    return subprocess.run([sys.executable, "-c", prelude + code, *args], capture_output=True,
                          text=True, timeout=CHILD_SECONDS, check=False, cwd=cwd)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_and_deep_nesting_are_bounded_findings(tmp_path: Path, name: str) -> None:
    doc = tmp_path / "bomb.md"
    doc.write_text(f"---\nid: RCA-0001\n{BOMBS[name]}\n---\nbody\n", encoding="utf-8")
    code = (
        "import json, sys\n"
        "from improve.core.read.frontmatter import parse\n"
        "parsed = parse(open(sys.argv[1], 'rb').read())\n"
        "print(json.dumps([[p.rule, p.line, p.column] for p in parsed.problems]))\n"
    )
    result = _run_child(code, str(doc))
    assert result.returncode == 0, result.stderr[-2000:]
    problems = json.loads(result.stdout)
    assert problems, "a finding"
    assert problems[0][0] in {"yaml-complexity", "yaml-syntax"}
    lines = doc.read_text(encoding="utf-8").count("\n") + 1
    assert all(1 <= line <= lines for _rule, line, _col in problems)
    if not name.startswith("unclosed"):
        assert problems[0][0] == "yaml-complexity"


def test_limits_are_what_the_rule_table_says() -> None:
    assert MAX_ALIAS_EXPANSION <= 100_000
    assert MAX_NESTING <= 100


def test_bombs_through_lint_give_findings_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / ".improve.toml").write_text("", encoding="utf-8")
    (tmp_path / "rca").mkdir()
    for number, name in enumerate(sorted(BOMBS), start=1):
        (tmp_path / "rca" / f"{number:04d}-{name}.md").write_text(
            f"---\nid: RCA-{number:04d}\n{BOMBS[name]}\n---\nbody\n", encoding="utf-8")
    code = ("import sys\nfrom improve.cli.main import main\n"
            "main(['lint', '--format', 'json', '--today', '2026-03-02'])\n")
    result = _run_child(code, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    findings = json.loads(result.stdout)
    by_path = {f["path"]: f for f in findings if f["rule"] in {"yaml-complexity", "yaml-syntax"}}
    assert len(by_path) == len(BOMBS)


def test_a_file_over_the_size_limit_is_a_finding_and_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".improve.toml").write_text("max_file_size = 4096\n", encoding="utf-8")
    (tmp_path / "rca").mkdir()
    big = tmp_path / "rca" / "0001-big.md"
    big.write_bytes(b"---\nid: RCA-0001\ntitle: big\n---\n" + b"x" * 5000)
    huge = tmp_path / "rca" / "0002-huge.md"
    with huge.open("wb") as handle:  # 8 GiB, sparse: reading it whole would blow the ceiling
        handle.truncate(8 << 30)
    code = ("from improve.cli.main import main\n"
            "main(['lint', '--format', 'json', '--today', '2026-03-02'])\n")
    result = _run_child(code, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    findings = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("rca/0001-big.md", 1, 1, "file-too-large"), ("rca/0002-huge.md", 1, 1, "file-too-large")]
    assert "4,096" in findings[0]["message"]


def test_parse_refuses_an_oversized_input_before_decoding_it() -> None:
    parsed = parse(b"---\n" + b"a: 1\n" * 300_000 + b"---\n", max_size=1 << 20)
    assert [p.rule for p in parsed.problems] == ["file-too-large"]
    assert parsed.meta is None


@pytest.mark.skipif(os.name != "posix", reason="needs resource limits")
def test_the_memory_ceiling_is_real() -> None:
    result = _run_child("x = bytearray(2 << 30)\n")
    assert result.returncode != 0
    assert "MemoryError" in result.stderr
