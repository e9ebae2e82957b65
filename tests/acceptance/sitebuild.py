"""Building handbooks with the real `mkdocs` for the site tests, and reading what came out."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "site"
MKDOCS = Path(sys.executable).parent / "mkdocs"
EXAMPLE_TODAY = "2026-11-20"  # the frozen example handbook's pinned date (tests/fixtures/handbook)
FIXTURE_TODAY = "2026-02-01"  # the site-* fixtures' pinned date


@dataclass
class Build:
    """One finished `mkdocs build`: where, its exit code and its log."""

    project: Path
    returncode: int
    output: str

    @property
    def site(self) -> Path:
        return self.project / "site"

    def page(self, url: str) -> BeautifulSoup:
        """The parsed page at a site URL such as `actions/` or `rca/0001-x/`."""
        path = self.site / url / "index.html" if not url.endswith(".html") else self.site / url
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def search_index(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(
            (self.site / "search" / "search_index.json").read_text(encoding="utf-8"))
        return data

    def html_files(self) -> list[Path]:
        return sorted(self.site.rglob("*.html"))


def copy_example(dest: Path) -> Path:
    """The frozen example handbook with this repository's mkdocs.yml and docs/."""
    shutil.copytree(FIXTURES / "handbook", dest)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", dest / "docs")
    return dest


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def build(project: Path, *, today: str | None = FIXTURE_TODAY, strict: bool = True,
          env: dict[str, str] | None = None, site_dir: str = "site") -> Build:
    """Run `mkdocs build` in `project` (a subprocess, as a user would) and keep its log."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "SOURCE_DATE"))}
    environ["NO_MKDOCS_2_WARNING"] = "1"
    if today is not None:
        environ["IMPROVE_TODAY"] = today
    environ.update(env or {})
    args = [str(MKDOCS), "build", "--site-dir", site_dir, *(["--strict"] if strict else [])]
    done = subprocess.run(args, cwd=project, env=environ, capture_output=True, text=True,
                          check=False, timeout=300)
    return Build(project, done.returncode, done.stdout + done.stderr)


def build_example(dest: Path) -> Build:
    """The frozen example handbook copied to `dest` and built strictly, as of its pinned date."""
    result = build(copy_example(dest), today=EXAMPLE_TODAY)
    assert result.returncode == 0, result.output
    return result


def build_minimal(project: Path, *, today: str, home: str = "# Home\n") -> Build:
    """Give a test's repository the smallest handbook (Material, search, the plugin) and build
    it strictly."""
    (project / "mkdocs.yml").write_text("site_name: Handbook\ntheme:\n  name: material\n"
                                        "plugins:\n  - search\n  - improve\n", encoding="utf-8")
    (project / "docs").mkdir(exist_ok=True)
    (project / "docs" / "index.md").write_text(home, encoding="utf-8")
    return build(project, today=today)


def cell_text(cell: Tag) -> str:
    """A cell's text, badges and links separated by one space, none before punctuation."""
    return re.sub(r" ([,.;:)])", r"\1", " ".join(cell.get_text(" ", strip=True).split()))


def table_rows(table: Tag) -> list[list[str]]:
    """A table as rows of cell texts, its header row first."""
    return [[cell_text(c) for c in row.find_all(["th", "td"])] for row in table.find_all("tr")]


def tables(soup: BeautifulSoup) -> list[list[list[str]]]:
    """Every table in the page's article, as rows."""
    article = soup.select_one("article")
    assert article is not None
    return [table_rows(t) for t in article.find_all("table")]


def facts(soup: BeautifulSoup) -> dict[str, str]:
    """The fact card under a document's title, as label -> text."""
    return {d.dt.get_text(strip=True): cell_text(d.dd)
            for d in soup.select("article dl.improve-facts > div") if d.dt and d.dd}


def headings(soup: BeautifulSoup) -> list[str]:
    """The article's h2 and h3 headings, as `## text` and `### text`."""
    article = soup.select_one("article")
    assert article is not None
    return ["#" * int(h.name[1]) + " " + h.get_text(" ", strip=True).rstrip(" ¶")
            for h in article.find_all(["h2", "h3"])]


def broken_links(site: Path) -> list[str]:
    """Internal links and resources in the built site that point at nothing."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        base = page.relative_to(site).parent.as_posix()
        for element in soup.find_all(["a", "link", "script", "img"]):
            target = element.get("href") or element.get("src")
            if not isinstance(target, str) or not target:
                continue
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            # 404.html uses absolute paths below site_url (whose path is `/` in our configs).
            start = "" if parts.path.startswith("/") else base
            path = posixpath.normpath(posixpath.join(start, unquote(parts.path).lstrip("/")))
            resolved = site / path
            if target.endswith("/") or resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.is_file():
                problems.append(f"{page.relative_to(site)}: {target}")
    return problems
