"""The sanitizer keeps what the handbook's Markdown makes and drops anything that can run."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from improve.handbook.sanitize import plain_text, sanitize

EXTENSIONS = ["tables", "admonition", "toc", "attr_list", "pymdownx.details",
              "pymdownx.superfences", "pymdownx.highlight"]
BODY = """\
# Title { onclick="alert(1)" }

!!! note "Heads up"
    Admonition text.

??? info "More"
    Hidden text.

| Left | Right |
|:-----|------:|
| a    | b     |

```python
print("<b>hi</b>")
```

<span class="improve-badge improve-badge--overdue">overdue</span>
<script>alert('s')</script>
<img src="diagram.png" alt="diagram" onerror="alert(2)">
<a href="javascript:alert(3)">js</a> <a href="../rca/0001-x/">rca</a> <a href="mailto:a@b.c">mail</a>
<div style="position:fixed" onmouseover="alert(4)">div</div>
<iframe src="https://evil.example/"></iframe><form action="x"><input name="a"></form>
<svg onload="alert(5)"><circle/></svg><math><mi>x</mi></math>
"""


@pytest.fixture(scope="module")
def clean() -> BeautifulSoup:
    return BeautifulSoup(sanitize(markdown.markdown(BODY, extensions=EXTENSIONS)), "html.parser")


def test_scripts_handlers_and_dangerous_urls_are_gone(clean: BeautifulSoup) -> None:
    assert not clean.find_all(["script", "iframe", "form", "input", "svg", "math", "style"])
    for element in clean.find_all(True):
        assert not [a for a in element.attrs if a.startswith("on")], element
        assert "javascript:" not in str(element.get("href", ""))
        assert "position" not in str(element.get("style", ""))
    assert "alert('s')" not in clean.get_text()


def test_markdown_features_survive(clean: BeautifulSoup) -> None:
    assert clean.select_one("div.admonition.note p.admonition-title") is not None
    assert clean.select_one("details.info summary") is not None
    # Rendered without the plugin's Markdown half, no id is known to be the tree's own: all of
    # them are prefixed (improve.handbook.safeids).
    assert clean.select_one("h1#user-content-title") is not None
    assert [th.get("style") for th in clean.select("th")] == ["text-align:left",
                                                               "text-align:right"]
    code = clean.select_one("div.highlight pre code")
    assert code is not None
    assert '<b>hi</b>' in code.get_text()
    assert code.select("span[class]"), "highlighting classes are kept"
    assert clean.select_one("span.improve-badge.improve-badge--overdue") is not None
    img = clean.find("img")
    assert img is not None
    assert img.attrs == {"src": "diagram.png", "alt": "diagram"}
    assert [a.get("href") for a in clean.find_all("a") if a.get("href")] == [
        "../rca/0001-x/", "mailto:a@b.c"]


def test_plain_text_removes_markup_from_toc_titles() -> None:
    assert plain_text('Impact <img src=x onerror="alert(1)"> &amp; more') == "Impact  &amp; more"
    assert plain_text("&lt;script&gt;") == "&lt;script&gt;"
