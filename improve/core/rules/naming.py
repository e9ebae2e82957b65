"""The file name and the id must agree, as adr-tools keeps `0003-x.md` and ADR-0003 together."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.document import Document
from improve.core.rules import Context, Issue, document_check, rule
from improve.model.finding import Severity as S
from improve.model.ids import format_doc_id, parse_doc_id

rule("id-mismatch", S.ERROR, "document", "The id's number or prefix disagrees with the file name or folder.",
     "`rca/0007-x.md` holding `id: RCA-0008`")


@document_check
def check_id_matches_file(doc: Document, ctx: Context) -> Iterable[Issue]:
    raw = doc.id
    parsed = parse_doc_id(raw) if raw else None
    if parsed is None or doc.number is None:
        return
    expected = format_doc_id(doc.kind.prefix, doc.number)
    if parsed.prefix == doc.kind.prefix and parsed.number != doc.number:
        yield Issue("id-mismatch",
                    f"id {raw} does not match the file name's number ({expected}); "
                    f"rename the file or set `id: {expected}` (`improve renumber` does both)",
                    path=("id",))
