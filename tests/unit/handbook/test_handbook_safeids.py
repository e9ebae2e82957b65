"""Ids in published bodies (issue 11, stored XSS): nothing a writer supplies takes a theme id.

Material reads its configuration from `#__config` and finds its parts by ids that start with
`__`; a body that could set one ran script in readers' browsers. These tests render Markdown the
way MkDocs does (toc with the plugin's slugify, attr_list, footnotes, raw HTML) and sanitize it
as the plugin does.
"""

from __future__ import annotations

import re

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from improve.handbook.safeids import PREFIX, SafeIds, is_safe_slugify, safe_slugify
from improve.handbook.sanitize import sanitize

BODY = """\
See [the fix](#the-fix), [the span](#marker), [custom](#custom), [config](#__config).[^1]

<div id="__config">{"base": "https://evil.example/"}</div>

<span id="marker" name="__search">marked</span> <a name="__drawer">named</a>
<img name="querySelector" id="getElementById" src="https://example.org/x.png" alt="x">

## __config

## __palette_0 {#__toc}

## The fix

## Custom {#custom}

## ___

[^1]: A footnote.
"""


def render(body: str) -> tuple[str, list[str]]:
    """The sanitized HTML of `body` and the ids of its table of contents."""
    ids = SafeIds()
    md = markdown.Markdown(extensions=["toc", "attr_list", "footnotes", ids],
                           extension_configs={"toc": {"slugify": safe_slugify(), "permalink": True}})
    html = sanitize(md.convert(body), mark=ids.mark, kept=ids.take_kept())

    def walk(tokens: list[dict[str, object]]) -> list[str]:
        found: list[str] = []
        for token in tokens:
            found.append(str(token["id"]))
            found.extend(walk(token["children"]))  # type: ignore[arg-type]
        return found

    return html, walk(md.toc_tokens)  # type: ignore[attr-defined]


def attributes(html: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}="([^"]*)"', html)


def test_no_id_or_name_a_writer_supplies_reaches_the_page_as_such() -> None:
    html, _ = render(BODY)
    ids = attributes(html, "id")
    assert "__config" not in ids
    assert "getElementById" not in ids
    assert f"{PREFIX}__config" in ids
    assert f"{PREFIX}marker" in ids
    assert f"{PREFIX}__toc" in ids  # `{#__toc}` on a heading
    assert f"{PREFIX}custom" in ids
    assert attributes(html, "name") == []  # names are not on the allow-list at all
    assert not [i for i in ids if i.startswith("_")]


def test_heading_ids_made_from_text_never_start_with_an_underscore() -> None:
    _html, toc = render(BODY)
    assert "config" in toc  # `## __config`
    assert "the-fix" in toc
    assert "section" in toc  # `## ___` has no letters left
    assert not [i for i in toc if i.startswith("_")]


def test_in_page_links_and_the_table_of_contents_still_land_on_their_targets() -> None:
    html, toc = render(BODY)
    ids = set(attributes(html, "id"))
    targets = [h[1:] for h in attributes(html, "href") if h.startswith("#")]
    assert targets
    assert [t for t in targets if t not in ids] == []
    assert [t for t in toc if t not in ids] == []
    assert "#the-fix" in attributes(html, "href")  # a heading's own id is kept
    assert f"#{PREFIX}custom" in attributes(html, "href")
    assert f"#{PREFIX}fn:1" in attributes(html, "href")  # footnotes follow


def test_a_forged_mark_is_not_trusted() -> None:
    other = SafeIds()  # another build's mark: a writer cannot know this one
    html, _ = render(f'<div id="x{other.mark}">y</div>\n\n## Heading\n')
    assert f'id="{PREFIX}x' in html


def test_without_the_markdown_half_everything_is_prefixed() -> None:
    html = sanitize('<h2 id="summary">S</h2><a href="#summary">to</a>')
    assert attributes(html, "id") == [f"{PREFIX}summary"]
    assert attributes(html, "href") == [f"#{PREFIX}summary"]


@given(st.text(max_size=40))
def test_no_heading_text_makes_an_id_that_starts_with_an_underscore(text: str) -> None:
    slug = safe_slugify()(text, "-")
    assert slug
    assert not slug.startswith(("_", "-"))


@pytest.mark.parametrize("user", [None, lambda value, sep: "__" + value.lower().replace(" ", sep)])
def test_the_safe_slugify_wraps_the_configured_one(user: object) -> None:
    slug = safe_slugify(user)  # type: ignore[arg-type]
    assert slug("Root cause", "-") == "root-cause"
    assert slug("__Root", "-") == "root"
    assert is_safe_slugify(slug)
