"""Links between documents and the files they show survive publishing (issue 13): a relative
link to another document's file leads to its page, images and other linked files are published
beside the page, and a file only a restricted document links to is not published."""

from __future__ import annotations

from pathlib import Path

from sitebuild import broken_links, build, copy_fixture

PUBLIC = "rca/0001-database-failover.md"
RESTRICTED = "rca/0003-restricted-incident.md"


def _append(project: Path, rel: str, text: str) -> None:
    path = project / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_linked_documents_images_and_files_are_published(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    (project / "rca" / "img").mkdir()
    (project / "rca" / "img" / "latency.png").write_bytes(b"\x89PNG\r\n\x1a\nchart")
    (project / "rca" / "img" / "private.png").write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    (project / "rca" / "img" / "unlinked.png").write_bytes(b"\x89PNG\r\n\x1a\nspare")
    (project / "runbooks" / "files").mkdir()
    (project / "runbooks" / "files" / "vendor report.pdf").write_bytes(b"%PDF-1.4 report")
    _append(project, PUBLIC, "\n## Links\n\nThe [runbook](../runbooks/0001-database-failover.md), "
            "the chart ![p99 latency](img/latency.png) and the "
            "[vendor's report](<../runbooks/files/vendor report.pdf>).\n")
    _append(project, RESTRICTED, "\n![internal](img/private.png)\n")
    result = build(project)
    assert result.returncode == 0, result.output
    site = result.site
    assert (site / "rca" / "img" / "latency.png").read_bytes().endswith(b"chart")
    assert (site / "runbooks" / "files" / "vendor report.pdf").is_file()
    assert not (site / "rca" / "img" / "private.png").exists()
    assert not (site / "rca" / "img" / "unlinked.png").exists()
    page = result.page("rca/0001-database-failover/")
    image = page.select_one("article img[alt='p99 latency']")
    assert image is not None
    assert image["src"] == "../img/latency.png"
    runbook = page.find("a", string="runbook")
    assert runbook is not None
    assert runbook["href"] == "../../runbooks/0001-database-failover/"
    assert broken_links(site) == []
