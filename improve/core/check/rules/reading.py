"""Rules about the bytes and the YAML (checked in `core.frontmatter`) and the config file (`core.config`)."""

from improve.core.check.rules import rule
from improve.model.finding import Severity as S

rule("empty-file", S.ERROR, "read", "The file is empty.", "a 0-byte `retros/0005-x.md`")
rule("binary-file", S.ERROR, "read", "The file holds NUL bytes: it is not text.", "an image saved as `.md`")
rule("encoding", S.ERROR, "read", "The file is not valid UTF-8.", "a file saved as Latin-1 with `café`")
rule("file-too-large", S.ERROR, "read", "The file is over `max_file_size` (1 MiB by default) and is not parsed.",
     "a 5 MB log pasted into an RCA")
rule("front-matter-missing", S.ERROR, "read", "The file does not start with a `---` line.",
     "a Markdown file with no front matter")
rule("front-matter-unterminated", S.ERROR, "read", "The front matter is never closed by `---`.",
     "`---` on line 1 and no second `---`")
rule("front-matter-not-mapping", S.ERROR, "read", "The front matter is empty, a list or a single value.",
     "`- a` as the whole front matter")
rule("yaml-syntax", S.ERROR, "read", "The front matter is not valid YAML.", "`title: [unclosed`")
rule("yaml-complexity", S.ERROR, "read", "Alias bombs and very deep nesting are refused before parsing.",
     "nine levels of `&a [*b, *b, ...]`")
rule("duplicate-key", S.ERROR, "read", "A key appears twice in one mapping (YAML would keep the last silently).",
     "`status: open` twice in one action item")
rule("tab-indentation", S.ERROR, "read", "A tab in the indentation of the front matter.", "`\\towner: alice`")
rule("config-unknown-key", S.WARNING, "read",
     "A key in the improve config (or a rule id under `rules`) that improve does not know, with a did-you-mean.",
     "`timezon = \"UTC\"` (did you mean `timezone`?)")
rule("unreadable-file", S.ERROR, "read",
     "A file in a kind's folder cannot be read: a symbolic link loop, a submodule or folder, a "
     "pipe or device, or no permission.", "`rca/0009-x.md -> 0009-x.md`")
rule("file-name", S.ERROR, "read",
     "A document's file name holds a line break, a control character or bytes that are not UTF-8: "
     "it is never published.", "`rca/0009-x\\n::error::y.md`")
rule("not-a-document", S.WARNING, "read",
     "A Markdown file in a kind's folder is not named `<number>-<slug>.md` (or starts with a "
     "date), so improve does not read it; README.md and index.md are fine.",
     "`retros/sprint-12-notes.md`, `rca/2018-01-18-outage.md`")
rule("symlink-outside", S.ERROR, "read", "A document is a symbolic link to a file outside the repository.",
     "`rca/0009-x.md -> /etc/passwd`")
