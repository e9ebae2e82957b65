"""Redirect pages at the old addresses of renumbered documents (`improve renumber`).

The old address of a document is its old number with its current slug (from `previous_ids`, see
`improve.core.renumber.redirects`). Each becomes a small HTML page, written after the build as
mkdocs-redirects does: a meta refresh, a canonical link and a plain link, no script.
"""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from improve.core.fsutil import atomic_write, safe_join
from improve.core.renumber import redirects
from improve.handbook.site import Site


@dataclass(frozen=True)
class Redirect:
    dest_uri: str  # the old page's file in site/, e.g. rca/0008-x/index.html
    target: str  # the new page's address, relative to the old page
    title: str


def plan_redirects(files: Files, config: MkDocsConfig, site: Site) -> list[Redirect]:
    """A redirect for every old address of a published document that no page holds now."""
    found: list[Redirect] = []
    by_path = {doc.path: doc for doc in site.documents}
    for old_path, new_path in redirects(site.documents).items():
        new_file = files.get_file_from_path(site.src_uris.get(new_path, new_path))
        old_src = posixpath.join(posixpath.dirname(site.src_uris.get(new_path, new_path)),
                                 posixpath.basename(old_path))
        if new_file is None or files.get_file_from_path(old_src) is not None:
            continue
        old_file = File(old_src, src_dir=None, dest_dir=config.site_dir,
                        use_directory_urls=config.use_directory_urls)
        base = posixpath.dirname(old_file.url) if not old_file.url.endswith("/") else old_file.url
        target = posixpath.relpath(new_file.url or ".", base or ".")
        if new_file.url.endswith("/") and not target.endswith("/"):
            target += "/"
        found.append(Redirect(old_file.dest_uri, target, by_path[new_path].title))
    return found


def redirect_page(redirect: Redirect) -> str:
    target = html.escape(redirect.target, quote=True)
    title = html.escape(redirect.title, quote=True)
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}</title>\n<link rel=\"canonical\" href=\"{target}\">\n"
        f"<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n</head>\n<body>\n"
        f"<p>This document was renumbered: <a href=\"{target}\">{title}</a>.</p>\n</body>\n</html>\n"
    )


def write_redirects(site_dir: str, planned: list[Redirect]) -> None:
    root = Path(site_dir)
    for redirect in planned:
        atomic_write(safe_join(root, redirect.dest_uri), redirect_page(redirect).encode("utf-8"))
