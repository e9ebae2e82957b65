"""`mkdocs serve --dirty` rebuilds only what an edit changed (issue 14), and shows it right.

The rebuilds run as `mkdocs serve` runs them (a fresh config per rebuild, the plugin kept across
rebuilds because it defines `on_startup`, `build(config, dirty=True)`), in a subprocess of its
own, so that no MkDocs state leaks between tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sitebuild import EXAMPLE_TODAY, copy_example

SCRIPT = r'''
import json, os, sys, pathlib, tempfile
from mkdocs.commands.build import build
from mkdocs.config import load_config

root = pathlib.Path(sys.argv[1])
os.chdir(root)
site = pathlib.Path(tempfile.mkdtemp(prefix="mkdocs_"))

def get_config():
    return load_config(config_file="mkdocs.yml", site_dir=str(site))

def stamps():
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}

def read(url):
    return (site / url / "index.html").read_text(encoding="utf-8")

def search():
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))

config = get_config()
config.plugins.on_startup(command="serve", dirty=True)
build(config, dirty=True)
report = {"pages": len(stamps())}
rca = root / "rca" / "0001-duplicate-refunds-after-retries.md"
original = rca.read_text(encoding="utf-8")

# 1. A sentence added to the body.
before = stamps()
rca.write_text(original + "\nA sentence added while serving: zebraquartz.\n", encoding="utf-8")
build(get_config(), dirty=True)
after = stamps()
report["body_rebuilt"] = sorted(p for p in after if after[p] != before.get(p))
report["body_in_page"] = "zebraquartz" in read("rca/0001-duplicate-refunds-after-retries")
report["body_in_search"] = any("zebraquartz" in d["text"] for d in search()["docs"])
report["search_documents"] = len({d["location"].split("#")[0] for d in search()["docs"]})
report["header_kept"] = "improve-facts" in read("rca/0001-duplicate-refunds-after-retries")

# 2. The title changed in the front matter: the indexes follow.
before = stamps()
rca.write_text(original.replace(
    "title: Duplicate refunds after refunds-worker retried timed-out acquirer calls",
    "title: Refunds paid twice"), encoding="utf-8")
build(get_config(), dirty=True)
after = stamps()
report["title_rebuilt"] = sorted(p for p in after if after[p] != before.get(p))
report["title_in_log"] = "Refunds paid twice" in read("incidents")
report["old_title_gone"] = "retried timed-out acquirer calls" not in read("incidents")
report["title_search_documents"] = len({d["location"].split("#")[0] for d in search()["docs"]})
report["title_in_search"] = sum(d["title"] == "Refunds paid twice" for d in search()["docs"])
report["placeholder_left"] = any("improveblock" in p.read_text(encoding="utf-8")
                                 for p in site.rglob("*.html"))
rca.write_text(original, encoding="utf-8")
print(json.dumps(report))
'''


def test_an_edit_while_serving_rebuilds_its_page_and_what_shows_it(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "handbook")
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(project)], capture_output=True,
                          text=True, check=False, timeout=600,
                          env={"IMPROVE_TODAY": EXAMPLE_TODAY, "NO_MKDOCS_2_WARNING": "1",
                               "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # A body edit: that page alone (and the pages that always follow the documents: the home
    # page's summary and the 404 page MkDocs writes every time).
    rebuilt = set(report["body_rebuilt"])
    assert "rca/0001-duplicate-refunds-after-retries/index.html" in rebuilt
    assert rebuilt <= {"rca/0001-duplicate-refunds-after-retries/index.html", "index.html",
                       "404.html"}, rebuilt
    assert report["body_in_page"]
    assert report["header_kept"]
    assert report["body_in_search"]  # the search index keeps every other page too
    assert report["search_documents"] >= report["pages"] - 2
    # A title edit: its page and the pages that list it.
    rebuilt = set(report["title_rebuilt"])
    assert {"rca/0001-duplicate-refunds-after-retries/index.html",
            "incidents/index.html"} <= rebuilt
    assert "runbooks/0002-fail-over-to-secondary-acquirer/index.html" not in rebuilt
    assert report["title_in_log"]
    assert report["old_title_gone"]
    # Several pages rebuilt at once: the search index still holds every page, once.
    assert report["title_search_documents"] == report["search_documents"]
    assert report["title_in_search"] == 1
    assert not report["placeholder_left"]
