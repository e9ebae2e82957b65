"""Configuration: found by walking up, validated against a schema, frozen.

`[tool.improve]` in pyproject.toml, or `.improve.toml` (same keys at top level) for repositories
without one. The folder holding it is the repository root.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from improve.core.errors import ConfigError
from improve.core.fsutil import inside, read_bounded
from improve.model.finding import Finding, Severity
from improve.model.kinds import KINDS, Kind, Layout, Section, heading_key

STANDALONE = ".improve.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_MAX_FILE_SIZE = 1 << 20
DEFAULT_REVIEW_DAYS = 90
DEFAULT_CACHE_DIR = ".improve-cache"

DEFAULT_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "detection": ("alert", "customer", "test", "manual", "monitoring", "audit", "partner"),
    "contributing_factors": (
        "change-management",
        "capacity",
        "configuration",
        "dependency",
        "deployment",
        "monitoring-gap",
        "documentation",
        "process",
        "testing-gap",
        "third-party",
        "tooling",
        "communication",
        "data-quality",
    ),
}


@dataclass(frozen=True)
class Policies:
    """`[policies]`: the follow-through a team states (README, "Follow-up policies"); a value
    left out checks nothing. The schema has checked the values' types and ranges."""

    followup_days: dict[str, int] = field(default_factory=dict)  # severity -> days
    rca_published_within_business_days: int | None = None
    max_retros_open: int | None = None
    severity: str | None = None  # "warning" or "error"; None: each rule's default

    @classmethod
    def from_raw(cls, raw: Any) -> Policies:
        raw = raw if isinstance(raw, dict) else {}
        days = raw.get("followup_days")
        return cls(followup_days=dict(days) if isinstance(days, dict) else {},
                   rca_published_within_business_days=raw.get(
                       "rca_published_within_business_days"),
                   max_retros_open=raw.get("max_retros_open"),
                   severity=raw.get("severity"))


@dataclass(frozen=True)
class SiteSettings:
    """`[site]`: the handbook's windows for "due soon" and "recently done" (days)."""

    due_soon_days: int | None = None
    recent_done_days: int | None = None

    @classmethod
    def from_raw(cls, raw: Any) -> SiteSettings:
        raw = raw if isinstance(raw, dict) else {}
        return cls(due_soon_days=raw.get("due_soon_days"),
                   recent_done_days=raw.get("recent_done_days"))


@dataclass(frozen=True)
class Person:
    handle: str
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    team: str | None = None
    # Chat handles for the digest's mentions: slack (a member id), teams (a UPN or e-mail),
    # mattermost (a username).
    chat: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KindSettings:
    """How this repository writes one kind (`[kinds.<kind>]`): its layouts with the config's
    extra headings and layouts merged in, and its own status words (issue 13)."""

    layouts: tuple[Layout, ...]
    statuses: tuple[tuple[str, str], ...] = ()  # a word (casefolded) -> a status of the kind


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know about a repository, validated once."""

    root: Path
    source: Path | None = None
    timezone: str = "UTC"
    folders: dict[str, str] = field(default_factory=lambda: {k: v.folder for k, v in KINDS.items()})
    templates: str | None = None
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    review_every_days: int = DEFAULT_REVIEW_DAYS
    cache: bool = True
    cache_dir: str = DEFAULT_CACHE_DIR
    rules: dict[str, str] = field(default_factory=dict)
    vocabularies: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_VOCABULARIES)
    )
    roster: dict[str, Person] = field(default_factory=dict)
    policies: Policies = field(default_factory=lambda: Policies())
    site: SiteSettings = field(default_factory=lambda: SiteSettings())
    # Front-matter keys of other tools that lint leaves alone (`x-` keys always).
    allowed_keys: frozenset[str] = frozenset()
    kinds: dict[str, KindSettings] = field(default_factory=dict)
    # Every kind of this repository: the built-in ones and those its config declares.
    registry: dict[str, Kind] = field(default_factory=lambda: dict(KINDS))
    raw: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    # Taken as valid from the memo in the cache folder, without a schema check (`revalidate`).
    remembered: bool = False

    def folder(self, kind: Kind) -> str:
        return self.folders.get(kind.name, kind.folder)

    def layouts(self, kind: Kind) -> tuple[Layout, ...]:
        """The layouts a document of `kind` may be written in, the config's included."""
        settings = self.kinds.get(kind.name)
        return settings.layouts if settings is not None else kind.all_layouts

    def status_of(self, kind: Kind, word: str) -> str | None:
        """The kind's status a written status word means (`Accepted`, `Approved`), else None."""
        folded = status_word(word)
        if folded in kind.statuses:
            return folded
        settings = self.kinds.get(kind.name)
        for mapping in ((settings.statuses if settings else ()), kind.status_map):
            for source, status in mapping:
                if source == folded:
                    return status
        return None

    def table(self, name: str) -> str:
        """A config table as the repository spells it: `[tool.improve.roster]` in pyproject.toml,
        `[roster]` in .improve.toml (messages name the one the reader will edit)."""
        return f"[tool.improve.{name}]" if self.source is None or self.source.name == PYPROJECT \
            else f"[{name}]"

    def allows_key(self, key: object) -> bool:
        return isinstance(key, str) and (key.startswith("x-") or key in self.allowed_keys)

    def resolve_kind(self, name: str) -> Kind | None:
        """The kind called `name` or one of its aliases (case-insensitive), else None."""
        wanted = name.lower()
        for kind in self.registry.values():
            if wanted == kind.name or wanted in kind.aliases:
                return kind
        return None

    def kind_names(self) -> list[str]:
        return [alias for kind in self.registry.values() for alias in (kind.name, *kind.aliases)]

    def kind_for_folder(self, folder: str) -> Kind | None:
        for kind in self.registry.values():
            if self.folder(kind) == folder:
                return kind
        return None

    @property
    def cache_path(self) -> Path:
        return self.root / self.cache_dir

    def fingerprint(self) -> str:
        """A hash of everything in the config that can change a finding (for the cache).

        The repr of the parsed TOML: plain values, in the file's order (moving a key only costs a
        cache rebuild), and no `json` import on the path of a pre-commit run.
        """
        from improve.core.hashing import digest

        # A declared kind's schema name holds a hash of its schema file: editing the file
        # changes the fingerprint as editing the config does.
        declared = [kind.schema for kind in self.registry.values() if kind.name not in KINDS]
        return digest(repr((self.raw, declared)).encode("utf-8", "surrogateescape")).hex()

    @cached_property
    def _roster_index(self) -> dict[str, str]:
        # Kept on the instance: a module-level cache keyed by id() could hand a new config the
        # roster of a collected one whose id was reused.
        index: dict[str, str] = {}
        for handle, person in self.roster.items():
            for alias in (handle, *person.names, *person.emails, *person.handles):
                index[_person_key(alias)] = handle
        return index

    def canonical_person(self, name: str) -> str | None:
        """The roster handle for a name, email, handle or @handle; None when not on the roster."""
        return self._roster_index.get(_person_key(name))


def status_word(word: str) -> str:
    """A status as written, in the one spelling maps compare (`In  Review` is `in review`)."""
    return " ".join(word.casefold().split())


def _person_key(name: str) -> str:
    return name.strip().lstrip("@").casefold()


def find_config(start: Path) -> tuple[Path, Path, dict[str, Any]] | None:
    """Walk up from `start` to the first `.improve.toml` or pyproject.toml with [tool.improve]."""
    for folder in (start, *start.parents):
        standalone = folder / STANDALONE
        if standalone.is_file():
            return folder, standalone, _read_toml(standalone)
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            data = _read_toml(pyproject)
            section = data.get("tool", {}).get("improve")
            if isinstance(section, dict):
                return folder, pyproject, section
    return None


MAX_CONFIG_BYTES = 1 << 20


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is it the config?")
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as "
                          "UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def load_config(start: Path | None = None, *, root: Path | None = None,
                use_memo: bool = True) -> Config:
    """The configuration that governs `start` (default: the current folder).

    With `root`, that folder is the repository root whether or not it has a config (defaults
    apply). Without a config anywhere up the tree, improve refuses to guess. `use_memo=False`
    (`improve lint --no-cache`) validates the config even when the cache folder remembers it
    as valid (see `_memo_file`).
    """
    if root is not None:
        root = root.resolve()
        found = find_config(root)
        if found is None or found[0] != root:
            return _build(root, None, {})
        return _build(*found, use_memo=use_memo)
    start = (start or Path.cwd()).resolve()
    found = find_config(start)
    if found is None:
        raise ConfigError(
            f"no improve configuration found in {start} or above it: add [tool.improve] to "
            "pyproject.toml or a .improve.toml file (or run `improve init`)"
        )
    return _build(*found, use_memo=use_memo)


def _build(root: Path, source: Path | None, raw: dict[str, Any], *,
           use_memo: bool = False) -> Config:
    findings: list[Finding] = []
    remembered = False
    memo: Path | None = None
    line: str | None = None
    if raw:
        memo = _memo_file(root, raw) if use_memo else None
        line = _memo_line(raw, root) if memo is not None else None
        remembered = memo is not None and line is not None and _memo_holds(memo, line)
        findings = [] if remembered else _validate(raw, source)
        if raw.get("rules"):
            findings += _unknown_rules(raw["rules"], source)
    if not remembered:
        config = _assemble(root, source, raw, findings)
        # Remembered only once every part passed, the declared kinds' schemas included.
        if memo is not None and line is not None and not findings:
            _remember(memo, line)
        return config
    try:
        return _assemble(root, source, raw, findings, remembered=True)
    except (AttributeError, KeyError, TypeError, ValueError):  # the memo was wrong: check it
        return _build(root, source, raw)


def _assemble(root: Path, source: Path | None, raw: dict[str, Any], findings: list[Finding],
              *, remembered: bool = False) -> Config:
    """The Config of a checked (or remembered) raw config."""
    vocab = {name: tuple(values) for name, values in DEFAULT_VOCABULARIES.items()}
    # Unknown keys are only warnings: build from the known ones alone.
    for name, extra in raw.get("vocabularies", {}).items():
        if name in vocab:
            vocab[name] = tuple(dict.fromkeys((*vocab[name], *extra)))
    roster = {
        handle: Person(
            handle=handle,
            names=tuple(entry.get("names", ())),
            emails=tuple(entry.get("emails", ())),
            handles=tuple(entry.get("handles", ())),
            team=entry.get("team"),
            chat={k: entry[k] for k in ("slack", "teams", "mattermost") if entry.get(k)},
        )
        for handle, entry in raw.get("roster", {}).items()
    }
    registry = dict(KINDS)
    declared = raw.get("kinds", {})
    if any(name not in KINDS for name in declared):
        from improve.core.read.kinddecl import declare, taken_by_builtins

        taken = taken_by_builtins()
        for name, declaration in declared.items():
            if name not in KINDS:
                registry[name] = declare(name, declaration, root,
                                         _where(source, f"[kinds.{name}"), taken,
                                         checked=remembered)
    folders = {k: v.folder for k, v in registry.items()} | {
        k: v for k, v in raw.get("folders", {}).items() if k in KINDS}
    places = [(f"folder for {name}", folder) for name, folder in folders.items()]
    places.append(("cache_dir", raw.get("cache_dir", DEFAULT_CACHE_DIR)))
    if raw.get("templates") is not None:
        places.append(("templates", raw["templates"]))
    # Every configured path in one spelling (`./.improve-cache/` is `.improve-cache`), so no
    # check keyed by a path can be bypassed by writing it differently (issue 11).
    normal: dict[str, str] = {}
    for what, folder in places:
        shown = _where(source, what.split()[-1] if what.startswith("folder") else what)
        plain = _normal_folder(folder)
        if plain is None:
            raise ConfigError(f"{shown}{what} ({folder!r}) must be a folder inside the repository, "
                              "written relative to it (not '.', not absolute, no '..')")
        # A folder committed as a symbolic link would make improve read (or write) elsewhere.
        if not inside(root, root / plain):
            raise ConfigError(f"{shown}{what} ({folder!r}) is a symbolic link to a place outside "
                              "the repository; improve reads and writes only inside it")
        normal[what] = plain
    folders = {name: normal[f"folder for {name}"] for name in folders}
    cache_dir = normal["cache_dir"]
    if (root / cache_dir).is_symlink():
        raise ConfigError(f"{_where(source, 'cache_dir')}cache_dir ({cache_dir!r}) is a symbolic "
                          "link; make it a plain folder (or remove it: improve creates it)")
    for name, folder in folders.items():
        if _overlap(cache_dir, folder):
            raise ConfigError(f"{_where(source, 'cache_dir')}cache_dir ({cache_dir!r}) overlaps "
                              f"the folder of {name} ({folder!r}); give the cache a folder of "
                              "its own")
    # A document's kind is its folder: two kinds in one folder (or one inside the other) would
    # have `improve new` write documents that lint reads as the other kind.
    kind_folders = sorted((Path(folder).as_posix().strip("/"), name) for name, folder in folders.items())
    for (outer, outer_kind), (inner, inner_kind) in itertools.combinations(kind_folders, 2):
        if inner == outer or inner.startswith(outer + "/"):
            raise ConfigError(f"the folders of {outer_kind} ({outer!r}) and {inner_kind} "
                              f"({inner!r}) overlap; give each kind a folder of its own")
    kinds = {name: _kind_settings(registry[name], settings, source)
             for name, settings in declared.items()}
    from improve.core.read.clock import zone

    timezone = raw.get("timezone", "UTC")
    zone(timezone)  # fail early with a clear message
    return Config(
        root=root,
        source=source,
        timezone=timezone,
        folders=folders,
        templates=normal.get("templates"),
        exclude=tuple(raw.get("exclude", ())),
        max_file_size=raw.get("max_file_size", DEFAULT_MAX_FILE_SIZE),
        review_every_days=raw.get("review_every_days", DEFAULT_REVIEW_DAYS),
        cache=raw.get("cache", True),
        cache_dir=cache_dir,
        rules=dict(raw.get("rules", {})),
        vocabularies=vocab,
        roster=roster,
        policies=Policies.from_raw(raw.get("policies", {})),
        site=SiteSettings.from_raw(raw.get("site", {})),
        allowed_keys=frozenset(raw.get("front_matter", {}).get("allow", ())),
        kinds=kinds,
        registry=registry,
        raw=raw,
        findings=tuple(findings),
        remembered=remembered,
    )


def _kind_settings(kind: Kind, raw: dict[str, Any], source: Path | None) -> KindSettings:
    """`[kinds.<kind>]` merged into the kind's own layouts; a name that means nothing there is
    a config error (exit 2), never a silent no-op."""
    where = _where(source, f"[kinds.{kind.name}")
    extra = {heading_key(title): tuple(aliases)
             for title, aliases in raw.get("section_aliases", {}).items()}
    known = {heading_key(s.title) for layout in kind.all_layouts for s in layout.sections}
    for title in raw.get("section_aliases", {}):
        if heading_key(title) not in known:
            titles = sorted({s.title for layout in kind.all_layouts for s in layout.sections})
            raise ConfigError(f"{where}kinds.{kind.name}.section_aliases: {title!r} is not a "
                              f"section of a {kind.name}; the sections are: {', '.join(titles)}")

    def widened(section: Section) -> Section:
        more = extra.get(heading_key(section.title))
        return section.with_aliases(more) if more else section

    layouts = [Layout(layout.name, tuple(map(widened, layout.sections)), layout.aliases)
               for layout in kind.all_layouts]
    for name, declared in raw.get("layouts", {}).items():
        optional = {heading_key(title) for title in declared.get("optional", ())}
        unknown = optional - {heading_key(title) for title in declared["sections"]}
        if unknown:
            raise ConfigError(f"{where}kinds.{kind.name}.layouts.{name}: `optional` names "
                              f"{', '.join(sorted(unknown))}, which is not in its `sections`")
        sections = tuple(widened(Section(title, optional=heading_key(title) in optional))
                         for title in declared["sections"])
        layouts = [layout for layout in layouts if heading_key(name) not in layout.names]
        layouts.append(Layout(name, sections, tuple(declared.get("aliases", ()))))
    statuses: list[tuple[str, str]] = []
    for word, status in raw.get("statuses", {}).items():
        if status not in kind.statuses:
            choices = ", ".join(kind.statuses) or "none: this kind has no status field"
            raise ConfigError(f"{where}kinds.{kind.name}.statuses: {word!r} maps to {status!r}, "
                              f"which is not a status of a {kind.name} ({choices})")
        statuses.append((status_word(word), status))
    return KindSettings(tuple(layouts), tuple(statuses))


# A config that passed its schema is remembered in the cache folder, so that a run from
# pre-commit does not load jsonschema-rs to check it again: the file holds improve's version, a
# fingerprint of the schemas and the memo key of the parsed config.
CONFIG_MEMO = "config.valid"


def revalidate(config: Config) -> Config:
    """The config checked against its schema after all: its memo was committed to the
    repository (`Discovery.cache_tracked`), so it may claim what is not true."""
    if not config.remembered:
        return config
    findings = _validate(config.raw, config.source)
    return dataclasses.replace(config, findings=(*findings, *config.findings), remembered=False)


def _memo_file(root: Path, raw: dict[str, Any]) -> Path | None:
    """Where the memo is, when the config keeps the cache on and names a plain folder for it
    (the checks in `_build` run either way; this only avoids reading an odd place)."""
    folder = raw.get("cache_dir", DEFAULT_CACHE_DIR)
    if raw.get("cache", True) is not True or not isinstance(folder, str):
        return None
    return root / folder / CONFIG_MEMO if _relative_inside(folder) else None


def _relative_inside(folder: str) -> bool:
    """A relative path that does not climb out (`..`): what a configured folder must be."""
    return _normal_folder(folder) is not None


def _normal_folder(folder: object) -> str | None:
    """A configured folder in its one spelling (`a/b`), or None when it is not a folder inside
    the repository: absolute, climbing out with `..`, the repository itself (`.`), empty."""
    if not isinstance(folder, str) or not folder.strip() or "\0" in folder:
        return None
    path = PurePosixPath(folder)
    if path.is_absolute() or ".." in path.parts:
        return None
    parts = [p for p in path.parts if p not in (".", "")]
    return "/".join(parts) or None


def _overlap(one: str, other: str) -> bool:
    return one == other or one.startswith(other + "/") or other.startswith(one + "/")


def _where(source: Path | None, key: str) -> str:
    """`file:line: ` of a key in the config file, as well as it can be told (else the file)."""
    if source is None:
        return ""
    try:
        lines = read_bounded(source, 1 << 20).decode("utf-8", "replace").splitlines()
    except OSError:
        return f"{source.name}: "
    table = key[1:] if key.startswith("[") else None  # `[kinds.retro`: its first table header
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if table is not None:
            if stripped.startswith("[") and any(table + end in stripped for end in ("]", ".")):
                return f"{source.name}:{number}: "
        elif stripped.startswith((key + " ", key + "=", f'"{key}"')):
            return f"{source.name}:{number}: "
    return f"{source.name}: "


def _memo_line(raw: dict[str, Any], root: Path) -> str | None:
    """What the memo holds: improve's version, the schemas, the parsed config and the bytes of
    the schema files its declared kinds name (so an edited schema file is checked again)."""
    from improve import __version__
    from improve.core.check.validate import instance_key, schema_fingerprint
    from improve.core.hashing import digest

    key = instance_key("config", raw)
    if key is None:
        return None
    kinds = raw.get("kinds")
    declared: dict[str, Any] = kinds if isinstance(kinds, dict) else {}
    files = b""
    for name, declaration in sorted(declared.items()):
        schema = declaration.get("schema") if isinstance(declaration, dict) else None
        if name not in KINDS and isinstance(schema, str):
            try:
                files += digest(read_bounded(root / schema, 1 << 20, follow_links=False))
            except (OSError, ValueError):
                files += b"?"
    extra = digest(files).hex()[:16] if files else "-"
    return f"{__version__} {schema_fingerprint()} {key.hex()} {extra}\n"


def _memo_holds(memo: Path, line: str) -> bool:
    try:  # a regular file only, never through a link, never more than a line
        remembered = read_bounded(memo, 200, follow_links=False).decode("ascii")
    except (OSError, UnicodeDecodeError):
        return False
    return remembered == line


def _remember(memo: Path, line: str) -> None:
    """Record a valid config, if the cache folder exists (lint creates it; others never do)."""
    if not memo.parent.is_dir() or memo.parent.is_symlink():
        return
    from improve.core.fsutil import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(memo, line.encode("ascii"), durable=False)


def _validate(raw: dict[str, Any], source: Path | None) -> list[Finding]:
    """Unknown keys become warnings (with a did-you-mean); any other mistake stops the run."""
    from improve.core.check.validate import schema_validator

    validator = schema_validator("config")
    if validator.is_valid(raw):
        return []
    findings: list[Finding] = []
    problems: list[str] = []
    rel = source.name if source else "config"
    text = source.read_text(encoding="utf-8") if source else ""
    for error in validator.detailed_errors(raw):
        if error.rule == "unknown-field":
            key = error.path[-1] if error.path else ""
            findings.append(
                Finding(rel, _line_of_key(text, str(key), tuple(map(str, error.path[:-1])),
                                          pyproject=rel == PYPROJECT), 1, "config-unknown-key",
                        Severity.WARNING, f"unknown config key: {error.message}")
            )
        else:
            where = ".".join(str(p) for p in error.path) or "[tool.improve]"
            message = error.message
            if error.rule == "yaml-implicit-type":  # this is TOML: the YAML wording would mislead
                message = f"`{where}` must be text in quotes, not {error.value!r}"
            problems.append(f"{where}: {message}")
    if problems:
        raise ConfigError(f"{rel}: invalid improve config: " + "; ".join(problems))
    return findings


def _unknown_rules(rules: dict[str, Any], source: Path | None) -> list[Finding]:
    """Rule ids under `rules` that no rule has: a typo there would silently change nothing."""
    import difflib

    from improve.core.check.rules import all_rules

    known = sorted(all_rules())
    rel = source.name if source else "config"
    text = source.read_text(encoding="utf-8") if source else ""
    findings: list[Finding] = []
    for name in rules:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "`improve rules` lists them"
        findings.append(
            Finding(rel, _line_of_key(text, name, ("rules",), pyproject=rel == PYPROJECT), 1,
                    "config-unknown-key", Severity.WARNING,
                    f"unknown config key: `rules.{name}` is not a rule id; {hint}")
        )
    return findings


def _line_of_key(text: str, key: str, table: tuple[str, ...] = (), *,
                 pyproject: bool = False) -> int:
    """The line of `key` in its TOML table (`[tool.improve.<table>]` in pyproject.toml), so that
    a `name` under [tool.improve] is not confused with [project]'s `name`; else its first mention
    after the improve section starts; else 1."""
    lines = text.split("\n")
    base = ("tool", "improve") if pyproject else ()
    key_line = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")

    def header_index(parts: tuple[str, ...]) -> int | None:
        if not parts:
            return -1  # the top of the file
        wanted = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, parts)) + r"\s*\]\s*(#.*)?$")
        return next((i for i, line in enumerate(lines) if wanted.match(line)), None)

    section = header_index((*base, *table))
    if section is not None:
        for index in range(section + 1, len(lines)):
            if lines[index].lstrip().startswith("["):
                break
            if key_line.match(lines[index]):
                return index + 1
    start = max(header_index(base) or 0, 0)
    anywhere = re.compile(rf"(?:^|[\s{{,])[\"']?{re.escape(key)}[\"']?\s*=")  # inline tables too
    for index in range(start, len(lines)):
        if anywhere.search(lines[index]):
            return index + 1
    header = re.compile(rf"^\s*\[.*\b{re.escape(key)}\]\s*$")
    return next((i + 1 for i in range(start, len(lines)) if header.match(lines[i])), 1)
