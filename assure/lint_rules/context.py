"""What every check shares: the loaded project, each project file's text and key
positions, the register index and the plan documents, and one way to make a Diagnostic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, Location
from ..model import MetricDef, Project, Rule
from ..tomlpos import Locator
from .codes import BY_CODE
from .register_index import Index
from .settings import Settings

_VALUE_START = re.compile(r"\s*=\s*")


@dataclass
class ProjectFile:
    path: str            # relative to the project root, with forward slashes
    text: str
    lines: list[str]
    locator: Locator


@dataclass
class Context:
    root: Path
    project: Project
    files: dict            # path -> ProjectFile (rules and metric_defs files that parse)
    register: Index
    settings: Settings
    cache: dict = field(default_factory=dict)   # what checks compute once per run, by key

    # -- locations -----------------------------------------------------------------------
    def at(self, path: str, keys: tuple, value: bool = False) -> Location:
        """The key's line and column, or its value's column with value=True."""
        found = self.files.get(path)
        if found is None:
            return Location(path)
        line, col = found.locator.locate(keys)
        exact = tuple(keys) in found.locator.positions
        if not exact and 0 < line <= len(found.lines):
            col, exact = _in_inline_array(found.lines[line - 1], col, tuple(keys), found.locator.positions)
        if value and exact and 0 < line <= len(found.lines):
            col = _value_col(found.lines[line - 1], col)
        return Location(path, line, col)

    def rule_at(self, rule: Rule, *keys, value: bool = False) -> Location:
        return self.at(rule.path, ("rules", rule.id, *keys), value)

    def metric_at(self, metric: MetricDef, *keys, value: bool = False) -> Location:
        return self.at(metric.path, ("metrics", metric.id, *keys), value)

    def has_key(self, path: str, keys: tuple) -> bool:
        found = self.files.get(path)
        return bool(found) and tuple(keys) in found.locator.positions

    # -- the plan documents ----------------------------------------------------------------
    def source_lines(self, name: str) -> list[str] | None:
        """The lines of a document in the sources folder, or None if there is no such file."""
        key = ("source", name)
        if key not in self.cache:
            self.cache[key] = _read_source(self.root / self.project.sources_dir, name)
        return self.cache[key]

    def rules(self) -> list[Rule]:
        return sorted(self.project.rules.values(), key=lambda r: (r.path, r.line, r.id))

    def metrics(self) -> list[MetricDef]:
        return sorted(self.project.metrics.values(), key=lambda m: (m.path, m.id))


def diagnostic(code: str, message: str, location: Location, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, location, BY_CODE[code].severity, hint)


def _in_inline_array(line: str, col: int, keys: tuple, positions: dict) -> tuple[int, bool]:
    """`not_followed = [{ ..., quote = "..." }, { ..., quote = "..." }]` on one line: the
    column of the i-th `quote`, which the locator (one position per key path) cannot give."""
    if len(keys) < 3 or not isinstance(keys[-2], int) or keys[:-2] not in positions:
        return col, False
    pattern = re.compile(rf"[{{,]\s*({re.escape(str(keys[-1]))})\s*=")
    found = list(pattern.finditer(line, col - 1))
    if keys[-2] >= len(found):
        return col, False
    return found[keys[-2]].start(1) + 1, True


def _value_col(line: str, key_col: int) -> int:
    rest = line[key_col - 1:]
    key = re.match(r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_.-]+)', rest)
    if not key:
        return key_col
    after = rest[key.end():]
    eq = _VALUE_START.match(after)
    if not eq or "=" not in eq.group(0):
        return key_col
    return key_col + key.end() + eq.end()


def _read_source(folder: Path, name: str) -> list[str] | None:
    path = (folder / name)
    try:
        if folder.resolve() not in path.resolve().parents:
            return None  # `../` in a citation: only the project's own documents count
        return path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return None


def read_files(root: Path, folders: list[str], broken=frozenset()) -> tuple[dict, list[str]]:
    """Every TOML file of the given folders: (path -> ProjectFile for those that parse, all paths).
    `broken` are the paths the loader could not parse (PJ01, PJ06); they are not parsed again."""
    files, every = {}, []
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*.toml") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            every.append(rel)
            if rel in broken:
                continue
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # the loader has reported it (PJ06)
            files[rel] = ProjectFile(rel, text, text.splitlines(), Locator(text))
    return files, every
