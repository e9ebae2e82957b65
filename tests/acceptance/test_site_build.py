"""Building the handbook: byte-identical rebuilds, lint findings as build messages, bad documents.

Uses the small fixture handbook in tests/fixtures/site-basic (today pinned to 2026-02-01).
"""

from __future__ import annotations

import filecmp
import gzip
from pathlib import Path

from sitebuild import FIXTURE_TODAY, build, copy_fixture


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical_whatever_the_hash_seed_and_zone(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    first = build(project, site_dir="site-a", env={"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati"})
    second = build(project, site_dir="site-b", env={"PYTHONHASHSEED": "4242",
                                                    "TZ": "America/Los_Angeles"})
    assert first.returncode == 0, first.output
    assert second.returncode == 0, second.output
    a, b = _tree(project / "site-a"), _tree(project / "site-b")
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == []
    assert not filecmp.dircmp(project / "site-a", project / "site-b").diff_files
    # The sitemap's gzip header carries a date: the pinned day at midnight UTC, not "now".
    raw = (project / "site-a" / "sitemap.xml.gz").read_bytes()
    assert int.from_bytes(raw[4:8], "little") == 1769904000  # 2026-02-01T00:00:00Z
    assert b"<lastmod>2026-02-01</lastmod>" in gzip.decompress(raw)


def test_lint_errors_are_warnings_that_fail_a_strict_build(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    rca = project / "rca" / "0002-cache-stampede.md"
    rca.write_text(rca.read_text().replace("resolved_at: 2025-11-20T10:00:00Z",
                                           "resolved_at: 2025-11-20T08:00:00Z"))
    strict = build(project)
    assert strict.returncode == 1
    assert "WARNING -  improve: rca/0002-cache-stampede.md:11:14: error [timestamp-order]" in (
        strict.output)
    assert "Traceback" not in strict.output
    relaxed = build(project, strict=False)
    assert relaxed.returncode == 0, relaxed.output
    assert (relaxed.site / "rca" / "0002-cache-stampede" / "index.html").is_file()


def test_lint_warnings_are_info_messages(tmp_path: Path) -> None:
    result = build(copy_fixture("site-basic", tmp_path / "handbook"))
    assert result.returncode == 0, result.output
    assert ("INFO    -  improve: runbooks/0002-flush-cache.md:6:16: warning [stale-runbook]"
            in result.output)


def test_a_document_with_broken_yaml_builds_without_a_traceback(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    (project / "retros" / "0003-broken.md").write_text(
        "---\nid: RETRO-0003\ntitle: [unclosed\n---\n\nbrokenmango body\n", encoding="utf-8")
    (project / "retros" / "0004-wrong-types.md").write_text(
        "---\nid: RETRO-0004\ntitle: {a: 1}\ndate: 12\nteam: [x, {y: 2}]\naction_items: 7\n"
        "impediments: [1, {status: open, description: [a]}]\nhealth: [1]\n"
        "carried_over: {a: b}\n---\n\nwrongtypes body\n", encoding="utf-8")
    result = build(project, strict=False)
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    assert "retros/0003-broken.md:3:8: error [yaml-syntax]" in result.output
    assert ("1 document that cannot be read, or whose front matter or file name cannot be "
            "published, not published") in result.output
    assert not (result.site / "retros" / "0003-broken").exists()
    assert (result.site / "retros" / "0004-wrong-types" / "index.html").is_file()
    assert build(project).returncode == 1  # strict: the lint errors fail the build


def test_today_comes_from_the_plugin_option_before_the_environment(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - improve\n",
                                                 "  - improve:\n      today: '2026-01-10'\n"))
    result = build(project, today=FIXTURE_TODAY)
    assert result.returncode == 0, result.output
    assert "published 9 documents as of 2026-01-10" in result.output
    text = (result.site / "actions" / "index.html").read_text(encoding="utf-8")
    assert "as of 2026-01-10" in text


def test_an_invalid_improve_config_stops_the_build_with_one_message(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    (project / ".improve.toml").write_text('timezone = "Mars/Olympus"\n', encoding="utf-8")
    result = build(project)
    assert result.returncode == 1
    assert "improve: unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output


def test_a_renumbered_document_keeps_a_redirect_at_its_old_address(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    old = project / "rca" / "0002-cache-stampede.md"
    text = old.read_text(encoding="utf-8").replace("id: RCA-0002\n",
                                                   "id: RCA-0005\nprevious_ids: [RCA-0002]\n")
    (project / "rca" / "0005-cache-stampede.md").write_text(text, encoding="utf-8")
    old.unlink()
    result = build(project)
    assert result.returncode == 0, result.output
    redirect = (result.site / "rca" / "0002-cache-stampede" / "index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=../0005-cache-stampede/">' in redirect
    assert (result.site / "rca" / "0005-cache-stampede" / "index.html").is_file()
    assert "0002-cache-stampede" not in (result.site / "sitemap.xml").read_text()
