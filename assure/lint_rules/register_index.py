"""The commitments register, as much of it as the linter needs: each entry's id, the
rules it names, its tags and its recorded conflicts.

The register is most of the project's bytes (about 850 kB) and parsing all of it with
tomllib takes longer than every other check together. Its files are written one
`[[commitment]]` after another with one `key = value` a line, so the lines the linter
needs are picked out and parsed alone; any file that is not written that way is
parsed whole, so the result is the same either way.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PICK = re.compile(r"^(?:(\[\[commitment\]\])[ \t]*$|(id|rules|tags|conflicts)[ \t]*=.*$)", re.MULTILINE)
_OTHER_HEADER = re.compile(r"^[ \t]*\[(?!\[commitment\]\][ \t]*$)", re.MULTILINE)
_STRING_LINE = re.compile(r'^(\w+)\s*=\s*"([^"\\]*)"\s*$')
_ARRAY_LINE = re.compile(r'^(\w+)\s*=\s*\[((?:\s*"[^"\\]*"\s*,?)*)\s*\]\s*$')
_ITEM = re.compile(r'"([^"\\]*)"')


@dataclass(frozen=True)
class Entry:
    id: str
    path: str
    line: int
    rules: tuple[str, ...]
    tags: tuple[str, ...]
    conflicts: tuple[tuple[str, int, str], ...]   # (file, line, says)


@dataclass(frozen=True)
class Index:
    entries: dict          # id -> Entry
    present: bool          # the project keeps a register at all

    @property
    def tags(self) -> frozenset:
        return frozenset(t for e in self.entries.values() for t in e.tags)


def load(root: Path, folder: str) -> Index:
    files = sorted(Path(root, folder).glob("*.toml")) if Path(root, folder).is_dir() else []
    entries: dict = {}
    for path in files:
        stat = path.stat()
        rel = path.relative_to(root).as_posix()
        for entry in _read(str(path), rel, stat.st_mtime_ns, stat.st_size):
            entries.setdefault(entry.id, entry)
    return Index(entries, bool(files))


@lru_cache(maxsize=64)  # an editor's on-save runs in one process re-read only what changed
def _read(path: str, rel: str, _mtime: int, _size: int) -> tuple[Entry, ...]:
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ()  # `assure coverage` reports an unreadable register; lint has no line to point at
    fast = _scan(text, rel)
    return fast if fast is not None else _parse(text, rel)


def _scan(text: str, rel: str) -> tuple[Entry, ...] | None:
    if '"""' in text or "'''" in text or _OTHER_HEADER.search(text):
        return None
    entries, current, line, last = [], None, 1, 0
    for match in _PICK.finditer(text):
        if match.group(1):
            line += text.count("\n", last, match.start())
            last = match.start()
            current = {"line": line}
            entries.append(current)
            continue
        if current is None:
            continue
        key, source = match.group(2), match.group(0)
        value = _simple(source) if key in ("id", "tags") else None
        if value is None:
            try:
                value = tomllib.loads(source)[key]
            except tomllib.TOMLDecodeError:
                return None  # a value spread over several lines: parse the whole file
        current[key] = value
    if any("id" not in e for e in entries):
        return None
    return tuple(_entry(e, rel, e["line"]) for e in entries)


def _simple(line: str):
    """A plain string or array of plain strings, read without the TOML parser (which is
    the slow part of reading the register); None for anything else."""
    match = _STRING_LINE.match(line)
    if match:
        return match.group(2)
    match = _ARRAY_LINE.match(line)
    if match:
        return _ITEM.findall(match.group(2))
    return None


def _parse(text: str, rel: str) -> tuple[Entry, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return ()
    starts = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[commitment]]"]
    raw = [r for r in data.get("commitment", []) if isinstance(r, dict) and "id" in r]
    starts += [0] * (len(raw) - len(starts))
    return tuple(_entry(r, rel, line) for r, line in zip(raw, starts))


def _entry(raw: dict, rel: str, line: int) -> Entry:
    conflicts = tuple((str(c.get("file", "")), int(c.get("line", 0)), str(c.get("says", "")))
                      for c in raw.get("conflicts", ()) if isinstance(c, dict))
    return Entry(str(raw["id"]), rel, line, tuple(map(str, raw.get("rules", ()))),
                 tuple(map(str, raw.get("tags", ()))), conflicts)
