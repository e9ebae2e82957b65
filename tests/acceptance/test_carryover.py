"""`improve new retro` carries over the open items of the team's earlier retros."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from improve.cli.main import cli
from improve.core.check.lint import lint
from improve.core.read.config import load_config
from improve.core.read.frontmatter import parse


def _retro(number: int, date: str, team: str, items: str, carried: str = "[]") -> str:
    return (f"---\nid: RETRO-{number:04d}\ntitle: Sprint {number}\ndate: {date}\nteam: {team}\n"
            f"action_items:\n{items}carried_over: {carried}\n---\nbody\n")


FILES = {
    "retros/0001-s1.md": _retro(1, "2026-01-09", "payments",
                                "  - {id: A1, title: Write | the guide, owner: alice, due: 2026-01-30, status: open}\n"
                                "  - {id: A2, title: Done one, owner: bob, due: 2026-01-20, status: done}\n"
                                "  - {id: A10, title: Later, owner: bob, status: in-progress}\n"),
    "retros/0002-s2.md": _retro(2, "2026-01-23", "payments",
                                "  - {id: A1, title: Pair up, owner: chen, due: 2026-02-06, status: open}\n"
                                "  - {id: A2, title: Dropped, owner: chen, due: 2026-02-06, status: dropped}\n",
                                "[RETRO-0001#A1, RETRO-0001#A10]"),
    "retros/0003-p1.md": _retro(3, "2026-01-10", "platform",
                                "  - {id: A1, title: Platform thing, owner: dana, due: 2026-02-01, status: open}\n"),
    "rca/0001-x.md": ("---\nid: RCA-0001\ntitle: X\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
                      "started_at: 2026-01-05T10:00:00Z\naction_items:\n"
                      "  - {id: A1, title: Not a retro item, owner: eve, due: 2026-02-01, status: open}\n"
                      "---\nbody\n"),
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPROVE_TODAY", "2026-02-06")
    return tmp_path


def _new(*args: str) -> str:
    result = CliRunner().invoke(cli, ["new", "retro", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_new_retro_carries_over_the_latest_teams_open_items(repo: Path) -> None:
    path = repo / _new("Sprint 4")
    text = path.read_text(encoding="utf-8")
    meta = parse(path.read_bytes()).meta
    assert meta is not None
    assert meta["team"] == "payments"  # the team of the latest retro (RETRO-0002, 2026-01-23)
    assert meta["carried_over"] == ["RETRO-0001#A1", "RETRO-0001#A10", "RETRO-0002#A1"]
    assert ("| Item | Title | Owner | Due |\n| --- | --- | --- | --- |\n"
            "| RETRO-0001#A1 | Write \\| the guide | alice | 2026-01-30 |\n"
            "| RETRO-0001#A10 | Later | bob | no due date |\n"
            "| RETRO-0002#A1 | Pair up | chen | 2026-02-06 |\n") in text
    findings = lint(load_config(repo), dt.date(2026, 2, 6), use_cache=False).findings
    assert [f for f in findings if f.rule == "missing-carry-over"] == []
    new_file = path.relative_to(repo).as_posix()
    assert [f for f in findings if f.path == new_file and f.severity.value == "error"] == []


def test_team_from_the_field(repo: Path) -> None:
    meta = parse((repo / _new("Platform 2", "--field", "team=platform")).read_bytes()).meta
    assert meta is not None
    assert meta["team"] == "platform"
    assert meta["carried_over"] == ["RETRO-0003#A1"]


def test_a_new_team_carries_nothing(repo: Path) -> None:
    path = repo / _new("First", "--field", "team=search")
    meta = parse(path.read_bytes()).meta
    assert meta is not None
    assert meta["carried_over"] == []
    assert "No open action items from earlier retros." in path.read_text(encoding="utf-8")


def test_an_explicit_carried_over_list_wins(repo: Path) -> None:
    path = repo / _new("Mine", "--field", "carried_over=[RETRO-0002#A1]")
    meta = parse(path.read_bytes()).meta
    assert meta is not None
    assert meta["carried_over"] == ["RETRO-0002#A1"]
    assert "| RETRO-0002#A1 | Pair up | chen | 2026-02-06 |" in path.read_text(encoding="utf-8")
    assert "RETRO-0001#A1 |" not in path.read_text(encoding="utf-8")


def test_no_retros_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPROVE_TODAY", "2026-02-06")
    meta = parse((tmp_path / _new("Sprint 1")).read_bytes()).meta
    assert meta is not None
    assert meta["carried_over"] == []


def test_other_kinds_carry_nothing(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "rca", "Outage", "--dry-run"], catch_exceptions=False)
    assert "carried_over" not in result.output


def _missing_carry_over(root: Path, retros: int) -> int:
    """How many `missing-carry-over` findings `retros` retros of one team give, none carrying."""
    folder = root / f"n{retros}"
    (folder / "retros").mkdir(parents=True)
    (folder / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    start = dt.date(2020, 1, 1)
    for n in range(1, retros + 1):
        day = (start + dt.timedelta(days=14 * n)).isoformat()
        (folder / "retros" / f"{n:04d}-s.md").write_text(_retro(
            n, day, "payments",
            "  - {id: A1, title: One, owner: alice, status: open}\n"
            "  - {id: A2, title: Two, owner: bob, status: open}\n"), encoding="utf-8")
    findings = lint(load_config(folder), dt.date(2026, 1, 1), use_cache=False).findings
    return sum(1 for f in findings if f.rule == "missing-carry-over")


def test_missing_carry_over_grows_linearly_with_the_number_of_retros(tmp_path: Path) -> None:
    # Each retro answers for its predecessor's two open items: 2 * (N - 1) warnings. Asking
    # every retro for every earlier open item gave N * (N - 1) (1,000 retros: a million).
    fifty, hundred = _missing_carry_over(tmp_path, 50), _missing_carry_over(tmp_path, 100)
    assert fifty == 2 * 49
    assert hundred == 2 * 99
