"""The handbook on every generator a team may use (issue 14).

`improve site generate OUT` writes the handbook as a folder with its own mkdocs.yml: plain MkDocs
(no improve plugin), Zensical (which runs no third-party MkDocs plugin) and Backstage TechDocs
(`techdocs-cli generate --no-docker` with mkdocs-techdocs-core) build it as it is. Each build is
real; the pages must hold what the plugin's build holds, links must resolve, hostile bodies stay
sanitized, restricted documents stay out, and nothing is loaded from another host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitebuild import (
    EXAMPLE_TODAY,
    FIXTURE_TODAY,
    MKDOCS,
    ROOT,
    Build,
    broken_links,
    build_example,
    copy_example,
    copy_fixture,
    facts,
    tables,
)

IMPROVE = Path(sys.executable).parent / "improve"
ZENSICAL = Path(sys.executable).parent / "zensical"
TECHDOCS = ROOT / ".tools" / "techdocs"
RESTRICTED_WORD = "credentialrotation"  # only in the body of the restricted RCA-0004
BODY_WORD = "ambiguous"  # only in the body of RCA-0001
RCA = "rca/0001-duplicate-refunds-after-retries/"


def _env(today: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMPROVE_")}
    environ["IMPROVE_TODAY"] = today
    return environ


def generate(project: Path, out: str = "build/handbook", *args: str,
             today: str = EXAMPLE_TODAY) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IMPROVE), "site", "generate", out, *args], cwd=project,
                          env=_env(today), capture_output=True, text=True, check=False,
                          timeout=300)


def run(args: list[str], cwd: Path, today: str = EXAMPLE_TODAY,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env={**_env(today), **(env or {})},
                          capture_output=True, text=True, check=False, timeout=600,
                          stdin=subprocess.DEVNULL)


def page(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def outside_requests(site: Path) -> list[str]:
    """Elements of the built pages that would load something from another host."""
    found = []
    for path in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for element in soup.find_all(["link", "script", "img", "iframe", "source"]):
            if element.name == "link" and not {"stylesheet", "preload", "icon", "modulepreload",
                                               "manifest"} & set(element.get("rel") or []):
                continue  # canonical, alternate: names an address, loads nothing
            target = str(element.get("href") or element.get("src") or "")
            if target.startswith(("http:", "https:", "//")):
                found.append(f"{path.relative_to(site)}: {target}")
    return found


@pytest.fixture(scope="module")
def plugin_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_example(tmp_path_factory.mktemp("plugin") / "handbook")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_example(tmp_path_factory.mktemp("generated") / "handbook")
    done = generate(project)
    assert done.returncode == 0, done.stderr
    assert "Wrote " in done.stdout
    assert "mkdocs build -f build/handbook/mkdocs.yml" in done.stdout
    return project / "build" / "handbook"


def test_plain_mkdocs_builds_the_generated_folder_with_the_plugins_pages(
        generated: Path, plugin_build: Build) -> None:
    config = (generated / "mkdocs.yml").read_text(encoding="utf-8")
    assert "improve" not in [line.strip("- ").strip() for line in config.splitlines()]
    done = run([str(MKDOCS), "build", "--strict", "-f", "mkdocs.yml"], generated,
               env={"NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    site = generated / "site"
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    plugin_pages = {p.relative_to(plugin_build.site).as_posix() for p in plugin_build.html_files()}
    assert pages == plugin_pages
    # The same index tables, the same facts, the same navigation.
    for url in ("actions/", "incidents/", "runbooks/", "decisions/", "retros/"):
        assert tables(page(site, url)) == tables(plugin_build.page(url)), url
    assert facts(page(site, RCA)) == facts(plugin_build.page(RCA))
    def nav(soup: BeautifulSoup) -> list[str]:
        return [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary > ul > li > a")]

    assert nav(page(site, "")) == nav(plugin_build.page(""))
    assert nav(page(site, ""))[:4] == ["Payments team handbook", "Action items", "Retrospectives",
                                       "Incident log"]
    assert broken_links(site) == []
    for path in generated.rglob("*"):
        if path.is_file():
            assert RESTRICTED_WORD.encode() not in path.read_bytes(), path


def test_links_in_a_generated_body_reach_their_pages(generated: Path) -> None:
    site = generated / "site"
    if not site.is_dir():  # this test may run first
        assert run([str(MKDOCS), "build", "-f", "mkdocs.yml"], generated,
                   env={"NO_MKDOCS_2_WARNING": "1"}).returncode == 0
    body = page(site, "runbooks/0001-pause-refunds-worker/").select_one("article")
    assert body is not None
    hrefs = {a["href"] for a in body.select("div.improve-body a[href]")}
    assert {"../../rca/0001-duplicate-refunds-after-retries/",
            "../0004-reconcile-ledger-with-settlement-files/"} <= hrefs


def test_generated_bodies_are_sanitized(tmp_path: Path) -> None:
    project = copy_fixture("site-hostile", tmp_path / "handbook")
    done = generate(project, today=FIXTURE_TODAY)
    assert done.returncode == 0, done.stderr
    out = project / "build" / "handbook"
    built = run([str(MKDOCS), "build", "-f", "mkdocs.yml"], out, today=FIXTURE_TODAY,
                env={"NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    for path in (out / "site").rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article")
        if article is None:
            continue
        assert not article.find_all(["script", "iframe", "object", "style"]), path
        for element in article.find_all(True):
            for name, value in element.attrs.items():
                assert not name.startswith("on"), (path, name)
                assert "javascript:" not in str(value).lower(), (path, name, value)
        assert len(soup.select("#__config")) <= 1, path
        assert not article.select("#__config"), path


def test_generate_replaces_its_own_folder_and_refuses_another(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "handbook")
    assert generate(project, "out").returncode == 0
    first = {p.relative_to(project / "out"): p.read_bytes()
             for p in (project / "out").rglob("*") if p.is_file()}
    (project / "out" / "docs" / "stale.md").write_text("old\n", encoding="utf-8")
    assert generate(project, "out").returncode == 0
    again = {p.relative_to(project / "out"): p.read_bytes()
             for p in (project / "out").rglob("*") if p.is_file()}
    assert again == first  # byte-identical, and the stale page is gone
    mine = project / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me\n", encoding="utf-8")
    refused = generate(project, "mine")
    assert refused.returncode == 2
    assert "mine: exists and was not written by `improve site generate`" in refused.stderr
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_the_teams_own_files_are_copied_whole(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "handbook")
    big = bytes(range(256)) * (5 * 4096 + 1)  # 5 MiB and a bit: more than any read bound
    (project / "docs" / "handbook.pdf").write_bytes(big)
    assert generate(project, "out").returncode == 0
    assert (project / "out" / "docs" / "handbook.pdf").read_bytes() == big


# --- Zensical ---------------------------------------------------------------------------------


def test_zensical_builds_the_handbook(tmp_path: Path) -> None:
    if not ZENSICAL.exists():
        pytest.fail("zensical is not installed: it is in the test extra (pip install -e '.[test]')")
    project = copy_example(tmp_path / "handbook")
    made = generate(project, "build/handbook", "--generator", "zensical")
    assert made.returncode == 0, made.stderr
    assert "zensical build -f build/handbook/mkdocs.yml" in made.stdout
    out = project / "build" / "handbook"
    done = run([str(ZENSICAL), "build", "-f", "mkdocs.yml"], out)
    assert done.returncode == 0, done.stdout + done.stderr
    site = out / "site"
    assert broken_links(site) == []
    assert outside_requests(site) == []
    rca = page(site, RCA)
    assert facts(rca)["Time to detect"] == "1 h 23 min"
    assert [row[0] for row in tables(page(site, "incidents/"))[0][1:]] == [
        "2026-11-04", "2026-10-07", "2026-09-10"]
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    text = json.dumps(index)
    assert BODY_WORD in text
    assert RESTRICTED_WORD not in text
    for path in site.rglob("*"):
        if path.is_file():
            assert RESTRICTED_WORD.encode() not in path.read_bytes(), path


# --- Backstage TechDocs -----------------------------------------------------------------------


def _techdocs() -> tuple[Path, Path]:
    cli = TECHDOCS / "node_modules" / ".bin" / "techdocs-cli"
    mkdocs = TECHDOCS / "venv" / "bin" / "mkdocs"
    if not cli.exists() or not mkdocs.exists():
        message = ("Backstage TechDocs is not installed (npm @techdocs/cli and a venv with "
                   f"mkdocs-techdocs-core under {TECHDOCS})")
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs them")
        pytest.skip(message)
    return cli, mkdocs.parent


def test_techdocs_builds_the_handbook(tmp_path: Path) -> None:
    cli, bin_dir = _techdocs()
    project = copy_example(tmp_path / "handbook")
    assert generate(project, "build/handbook", "--generator", "techdocs").returncode == 0
    out = project / "build" / "handbook"
    config = (out / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- techdocs-core" in config
    done = run([str(cli), "generate", "--no-docker", "--source-dir", str(out), "--output-dir",
                str(tmp_path / "techdocs-site")], project,
               env={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert done.returncode == 0, done.stdout + done.stderr
    site = tmp_path / "techdocs-site"
    assert (site / "techdocs_metadata.json").is_file()
    assert broken_links(site) == []
    rca = page(site, RCA)
    assert facts(rca)["Time to resolve"] == "21 h 48 min"
    assert tables(page(site, "actions/"))[0][0] == ["Item", "Title", "Owner", "Due", "Status",
                                                    "Source"]
    for path in site.rglob("*"):
        if path.is_file():
            assert RESTRICTED_WORD.encode() not in path.read_bytes(), path
