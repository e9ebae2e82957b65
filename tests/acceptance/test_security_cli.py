"""Security review, through the installed `improve` (issue 7): paths stay inside the repository,
symbolic links that leave it are refused with a message, repository templates are sandboxed, and
titles and `--field` values cannot choose where a file goes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from improve.core.read.frontmatter import parse

IMPROVE = Path(sys.executable).parent / "improve"
SEEDS = Path(__file__).resolve().parents[1] / "property" / "seeds"
TODAY = "2026-03-02"


def improve(root: Path, *args: str | bytes) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, IMPROVE_TODAY=TODAY, GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run([str(IMPROVE), *args], cwd=root, capture_output=True, text=True,
                          env=env, check=False)


def make_repo(path: Path, config: str = "") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / ".improve.toml").write_text(config, encoding="utf-8")
    return path


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and ".git" not in p.parts}


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("improve: error: "), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# --- documents -----------------------------------------------------------------------------------


@pytest.mark.parametrize("git", [True, False], ids=["git", "no-git"])
def test_a_document_symlinked_outside_is_a_finding_and_not_read(tmp_path: Path, git: bool) -> None:
    repo = make_repo(tmp_path / "repo") if git else tmp_path / "repo"
    if not git:
        repo.mkdir()
        (repo / ".improve.toml").write_text("", encoding="utf-8")
    secret = tmp_path / "secret.md"
    secret.write_text(SEEDS.joinpath("rca.md").read_text("utf-8").replace(
        "Checkout errors after the cache rollout", "outsidesecretword"), encoding="utf-8")
    (repo / "rca").mkdir()
    os.symlink(secret, repo / "rca" / "0003-secret.md")
    result = improve(repo, "lint", "--format", "json")
    assert result.returncode == 1, result
    findings = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("rca/0003-secret.md", 1, 1, "symlink-outside")]
    assert "outside the repository" in findings[0]["message"]
    assert "outsidesecretword" not in result.stdout + result.stderr


def test_a_document_symlinked_inside_the_repository_is_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "shared").mkdir()
    (repo / "shared" / "rca.md").write_bytes(SEEDS.joinpath("rca.md").read_bytes())
    (repo / "rca").mkdir()
    os.symlink("../shared/rca.md", repo / "rca" / "0003-checkout.md")
    result = improve(repo, "lint")
    assert result.returncode == 0, result


@pytest.mark.parametrize("setting", ["folders", "cache_dir"])
def test_a_folder_symlinked_outside_is_refused(tmp_path: Path, setting: str) -> None:
    outside = tmp_path / "outside"
    (outside / "rca").mkdir(parents=True)
    (outside / "rca" / "0003-checkout.md").write_bytes(SEEDS.joinpath("rca.md").read_bytes())
    config = '[folders]\nrca = "incidents"\n' if setting == "folders" else 'cache_dir = "cache"\n'
    repo = make_repo(tmp_path / "repo", config)
    os.symlink(outside / "rca", repo / ("incidents" if setting == "folders" else "cache"))
    before = files_under(outside)
    for command in (["lint"], ["new", "rca", "Outage"]):
        result = improve(repo, *command)
        assert_refused(result, "symbolic link to a place outside the repository")
    assert files_under(outside) == before


@pytest.mark.parametrize(
    "config",
    ['[folders]\nrca = "../elsewhere"\n', '[folders]\nrca = "/tmp"\n', 'cache_dir = "../cache"\n',
     'cache_dir = "/tmp/improve-cache"\n', 'templates = "../templates"\n',
     'templates = "/etc"\n'],
)
def test_configured_paths_must_stay_inside(tmp_path: Path, config: str) -> None:
    repo = make_repo(tmp_path / "repo", config)
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result)
    assert "inside" in result.stderr or "leave" in result.stderr
    assert files_under(repo) == {".improve.toml"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


# --- templates ------------------------------------------------------------------------------------


def test_a_templates_folder_symlinked_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside-templates"
    outside.mkdir()
    (outside / "retro.md.j2").write_text("---\n{{ front_matter }}---\nfrom outside\n", "utf-8")
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    os.symlink(outside, repo / "templates")
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result, "templates")
    assert not list(repo.glob("retros/*")), "nothing was written"


def test_a_template_file_symlinked_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "evil.md.j2"
    outside.write_text("---\n{{ front_matter }}---\nfrom outside\n", encoding="utf-8")
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    (repo / "templates").mkdir()
    os.symlink(outside, repo / "templates" / "retro.md.j2")
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result, "retro.md.j2", "leaves the repository")
    assert not list(repo.glob("retros/*")), "nothing was written"


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ lipsum.__globals__['os'].system('touch PWNED') }}",
    "{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ fields.__class__.__init__.__globals__ }}",
    "{{ title.format.__globals__ }}",
    "{{ (title|attr('__class__')).__mro__ }}",
    "{{ namespace.__init__.__globals__.sys.modules.os.system('touch PWNED') }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_repository_template_cannot_escape_the_sandbox(tmp_path: Path, payload: str) -> None:
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    (repo / "templates").mkdir()
    (repo / "templates" / "retro.md.j2").write_text(f"---\n{{{{ front_matter }}}}---\n{payload}\n",
                                                    encoding="utf-8")
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result, "templates/retro.md.j2", "nothing was written")
    assert "sandbox" in result.stderr or "undefined" in result.stderr
    assert not list(repo.glob("retros/*")), "nothing was written"
    assert not (repo / "PWNED").exists()
    assert "root:" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("template", "words"),
    [("{{ front_matter }\n", ["retro.md.j2:1", "nothing was written"]),
     ("{{ no_such_value }}\n", ["no_such_value", "nothing was written"]),
     ("{{ 1 / 0 }}\n", ["ZeroDivisionError", "nothing was written"]),
     ("{% include '/etc/passwd' %}\n", ["passwd", "nothing was written"]),
     ("{% include '../../../../etc/passwd' %}\n", ["passwd", "nothing was written"])],
)
def test_a_broken_template_is_a_clear_error(tmp_path: Path, template: str, words: list[str]) -> None:
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    (repo / "templates").mkdir()
    (repo / "templates" / "retro.md.j2").write_text(template, encoding="utf-8")
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result, *words)
    assert not list(repo.glob("retros/*")), "nothing was written"


# --- titles and fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["../../../../tmp/evil", "/etc/passwd", "..", "a/../../b", "C:\\Windows\\x", "~/.ssh/x",
     ".hidden", "-rf", "\u2215etc\u2215passwd", "..\u2044..\u2044x", "x\x1b[2Jy"],
)
def test_a_title_cannot_choose_the_folder(tmp_path: Path, title: str) -> None:
    repo = make_repo(tmp_path / "repo")
    result = improve(repo, "new", "rca", "--field", "folder=/etc", "--field", "path=../../x",
                     "--field", "slug=../../../y", "--field", "kind=retro", "--", title)
    assert result.returncode == 0, result
    written = result.stdout.strip()
    assert written.startswith("rca/0001-")
    assert files_under(repo) == {".improve.toml", written}
    assert (repo / written).resolve().parent == (repo / "rca").resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


def test_the_id_field_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    assert_refused(improve(repo, "new", "rca", "x", "--field", "id=RCA-0099"), "id")
    assert files_under(repo) == {".improve.toml"}


@pytest.mark.parametrize("args", [[b"\xff\xfe title"], [b"ok", b"--field", b"team=\xff"]])
def test_arguments_that_are_not_utf8_are_refused(tmp_path: Path, args: list[bytes]) -> None:
    repo = make_repo(tmp_path / "repo")
    env = dict(os.environ, IMPROVE_TODAY=TODAY, LC_ALL="C.UTF-8")
    result = subprocess.run([bytes(IMPROVE), b"new", b"retro", *args], cwd=repo,
                            capture_output=True, env=env, check=False)
    assert result.returncode == 2, result
    assert b"not valid UTF-8" in result.stderr
    assert b"Traceback" not in result.stderr
    assert files_under(repo) == {".improve.toml"}


def test_a_git_user_name_that_is_not_utf8_does_not_crash(tmp_path: Path) -> None:
    # Found while reviewing `improve new`: it showed an internal error (exit 3).
    repo = make_repo(tmp_path / "repo")
    subprocess.run([b"git", b"-C", bytes(repo), b"config", b"user.name", b"Al\xffce"], check=True)
    result = improve(repo, "new", "retro", "Sprint 1")
    assert result.returncode == 0, result
    assert parse((repo / result.stdout.strip()).read_bytes()).ok


# --- issue 11: every template at any depth, the templates setting, a committed cache -------------

INCLUDES = ["{% include 'parts/x.j2' %}", "{% import 'parts/x.j2' as x %}{{ x.m() }}",
            "{% from 'parts/x.j2' import m %}{{ m() }}"]


@pytest.mark.parametrize("how", ["file", "folder"])
@pytest.mark.parametrize("directive", INCLUDES, ids=["include", "import", "from"])
def test_a_template_cannot_pull_in_a_file_outside_through_a_link(tmp_path: Path, how: str,
                                                                 directive: str) -> None:
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "x.j2").write_text("{% macro m() %}outsidesecretword{% endmacro %}"
                                 "outsidesecretword\n", encoding="utf-8")
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    (repo / "templates").mkdir()
    if how == "folder":
        os.symlink(secret, repo / "templates" / "parts")
    else:
        (repo / "templates" / "parts").mkdir()
        os.symlink(secret / "x.j2", repo / "templates" / "parts" / "x.j2")
    (repo / "templates" / "retro.md.j2").write_text(
        "---\n{{ front_matter }}---\n" + directive + "\n", encoding="utf-8")
    result = improve(repo, "new", "retro", "Sprint 1")
    assert_refused(result, "x.j2", "leaves the repository", "nothing was written")
    assert "outsidesecretword" not in result.stdout + result.stderr
    assert not list(repo.glob("retros/*")), "nothing was written"


def test_a_template_that_extends_itself_or_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    (repo / "templates").mkdir()
    retro = repo / "templates" / "retro.md.j2"
    retro.write_bytes(b"---\n{{ front_matter }}---\n\xff\xfe not utf-8\n")
    assert_refused(improve(repo, "new", "retro", "Sprint 1"), "retro.md.j2", "UTF-8")
    retro.write_text("{% include 'retro.md.j2' %}\n", encoding="utf-8")
    assert_refused(improve(repo, "new", "retro", "Sprint 1"), "retro.md.j2", "nothing was written")
    assert not list(repo.glob("retros/*"))


@pytest.mark.parametrize("config", ['templates = "."\n', 'templates = "./"\n', 'cache_dir = "."\n',
                                    'cache_dir = "./retros"\n', 'cache_dir = "rca/cache"\n',
                                    '[folders]\nrca = "."\n', '[folders]\nrca = ""\n'])
def test_a_configured_folder_must_be_a_folder_of_its_own(tmp_path: Path, config: str) -> None:
    repo = make_repo(tmp_path / "repo", config)
    result = improve(repo, "lint")
    assert_refused(result, ".improve.toml")
    assert files_under(repo) == {".improve.toml"}


def _hostile_templates(repo: Path) -> None:
    folder = repo / "templates"
    folder.mkdir()
    os.symlink("/dev/zero", folder / "zero.j2")
    os.symlink("/proc/self", folder / "proc")
    os.symlink("/dev", folder / "dev")
    os.mkfifo(folder / "fifo.j2")


def test_lint_never_reads_odd_files_in_the_templates_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", 'templates = "templates"\n')
    _hostile_templates(repo)
    (repo / "retros").mkdir()
    (repo / "retros" / "0001-s.md").write_text(SEEDS.joinpath("retro.md").read_text("utf-8"),
                                               encoding="utf-8")
    env = dict(os.environ, IMPROVE_TODAY=TODAY)
    result = subprocess.run([str(IMPROVE), "lint"], cwd=repo, capture_output=True, text=True,
                            env=env, check=False, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("cache_dir", [None, "./.improve-cache", ".improve-cache/", "c/../cache"])
@pytest.mark.parametrize("trap", ["zero", "fifo"])
def test_a_committed_cache_is_never_opened(tmp_path: Path, cache_dir: str | None,
                                           trap: str) -> None:
    config = f'cache_dir = "{cache_dir}"\n' if cache_dir else ""
    repo = make_repo(tmp_path / "repo", config)
    (repo / "rca").mkdir()
    (repo / "rca" / "0001-broken.md").write_text("---\nid: RCA-0001\ntitle: Broken\n---\nx\n",
                                                 encoding="utf-8")
    folder = repo / (cache_dir or ".improve-cache")
    folder.mkdir(parents=True, exist_ok=True)
    target = "/dev/zero"
    if trap == "fifo":  # git tracks the link; opening the FIFO behind it would wait forever
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    for name in ("lint.cache", "config.valid"):
        os.symlink(target, folder / name)
    subprocess.run(["git", "-C", str(repo), "add", "-f", "."], check=True)
    env = dict(os.environ, IMPROVE_TODAY=TODAY)
    result = subprocess.run([str(IMPROVE), "lint"], cwd=repo, capture_output=True, text=True,
                            env=env, check=False, timeout=120)
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 1:
        assert "rca/0001-broken.md" in result.stdout
    assert (folder / "lint.cache").is_symlink(), "a committed cache is never written"
