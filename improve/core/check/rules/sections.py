"""Body sections a kind expects, and template placeholders left unfilled."""

from __future__ import annotations

import re
from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check
from improve.core.read.document import Document
from improve.model.kinds import heading_key

_PLACEHOLDER = re.compile(r"<!--\s*TODO\b")


@document_check
def check_sections(doc: Document, ctx: Context) -> Iterable[Issue]:
    found = {heading_key(text) for _line, _level, text in doc.parsed.headings()}
    layouts = ctx.config.layouts(doc.kind)
    layout = doc.kind.layout_for(doc.meta, found, layouts)
    missing = layout.missing(found)
    if not missing:
        return
    written_in = "" if len(layouts) == 1 else f" written as `{layout.name}`"
    expected = ", ".join(s.title + (" (optional)" if s.optional else "") for s in layout.sections)
    others = [other.name for other in layouts if other is not layout]
    hint = ""
    if others:
        field = doc.kind.layout_field
        hint = (f"; other layouts: {', '.join(others)}"
                + (f" (name one in `{field}:`)" if field else "")
                + "; more headings or layouts can be declared under "
                f"[kinds.{doc.kind.name}] in the config")
    line = doc.parsed.body_first_line if doc.parsed.body.strip() else 1
    for section in missing:
        yield Issue("missing-section",
                    f"missing section `## {section.title}`; a {doc.kind.name}{written_in} has "
                    f"these sections: {expected}{hint}", line=line)


@document_check
def check_placeholders(doc: Document, ctx: Context) -> Iterable[Issue]:
    """One finding per document, at the first prompt, however many are left: a fresh RCA is
    one reminder, not seven (issue 16)."""
    if "<!--" not in doc.parsed.body:  # no comment, no prompt: skip the line-by-line search
        return
    found: list[tuple[int, int]] = []
    for offset, text in enumerate(doc.parsed.body.split("\n")):
        match = _PLACEHOLDER.search(text)
        if match:
            found.append((doc.parsed.body_first_line + offset, match.start() + 1))
    if not found:
        return
    line, column = found[0]
    if len(found) == 1:
        message = ("template prompt not filled in yet; replace the `<!-- TODO ... -->` comment "
                   "with the content it asks for")
    else:
        lines = ", ".join(str(at) for at, _column in found)
        message = (f"{len(found)} template prompts not filled in yet (lines {lines}); replace "
                   "each `<!-- TODO ... -->` comment with the content it asks for")
    yield Issue("unfilled-placeholder", message, line=line, column=column)
