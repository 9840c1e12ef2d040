"""Find the line and column of a key path in TOML text.

tomllib returns plain dicts with no positions, yet every diagnostic must point at a
line. This scans the text once, following table headers, arrays of tables, dotted
keys and one level of inline tables, which is how project files are written.
"""

from __future__ import annotations

import re

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _split(dotted: str) -> list[str]:
    parts = re.findall(_KEY, dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


class Locator:
    def __init__(self, text: str):
        self.positions: dict[tuple, tuple[int, int]] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: tuple = ()
        array_counts: dict[tuple, int] = {}
        in_multiline = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header:
                table = self._header(header, array_counts, number, line)
                continue
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            path = table + tuple(_split(assign.group(1)))
            self._mark(path, number, line.index(assign.group(1)[0]) + 1)
            rest = line[assign.end():]
            for inline in _INLINE_KEY.finditer(rest):
                sub = path + tuple(_split(inline.group(1)))
                self._mark(sub, number, assign.end() + inline.start(1) + 1)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote

    def _header(self, match, array_counts, number, line) -> tuple:
        names = _split(match.group(2))
        path: tuple = ()
        for i, name in enumerate(names):
            path += (name,)
            is_last = i == len(names) - 1
            if is_last and match.group(1) == "[[":
                array_counts[path] = array_counts.get(path, -1) + 1
                path += (array_counts[path],)
            elif path in array_counts:
                path += (array_counts[path],)
        self._mark(path, number, line.index("[") + 1)
        return path

    def _mark(self, path: tuple, line: int, col: int) -> None:
        self.positions.setdefault(path, (line, col))

    def locate(self, path) -> tuple[int, int]:
        """Line and column of the key path, or of its nearest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return (1, 1)
