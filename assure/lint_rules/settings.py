"""Which codes are shown: `[tool.assure.lint]` in the project's pyproject.toml, the
command line's --select and --ignore, and per-file ignores.

Codes are chosen by code or prefix (`UN`, `UN0`, `UN02`), as ruff does: for each code
the longest matching prefix decides, and at equal length an ignore wins. `--select`
replaces the configured `select`; `--ignore` adds to the configured `ignore`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

CODE_OR_PREFIX = re.compile(r"^(ALL|[A-Z]{1,2}|[A-Z]{2}\d{1,2})$")
KEYS = {"select", "ignore", "per-file-ignores", "tags"}


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tags: tuple[str, ...] = ()          # the project's own tag vocabulary, if it keeps one
    source: str = ""                    # where the settings came from, for messages

    def enabled(self, code: str, path: str = "") -> bool:
        ignore = self.ignore + tuple(c for pattern, codes in self.per_file_ignores
                                     if path and fnmatch.fnmatch(path, pattern) for c in codes)
        chosen = _longest(code, self.select)
        dropped = _longest(code, ignore)
        return chosen > dropped  # -1 when nothing matches: not selected


def _longest(code: str, prefixes) -> int:
    lengths = [0 if p == "ALL" else len(p) for p in prefixes if p == "ALL" or code.startswith(p)]
    return max(lengths, default=-1)


def split_codes(values) -> tuple[str, ...]:
    """`--select UN01,DT --select CF` -> ("UN01", "DT", "CF"), upper-cased and checked."""
    out = []
    for value in values or ():
        for part in str(value).replace(" ", ",").split(","):
            if part.strip():
                out.append(check_code(part.strip().upper(), "--select/--ignore"))
    return tuple(out)


def check_code(text: str, where: str) -> str:
    if not CODE_OR_PREFIX.match(text):
        raise UsageError(f"{where}: {text!r} is not a code or prefix",
                         hint="codes are two letters and two digits (UN02); a prefix is UN or UN0; ALL selects every code")
    return text


def load(root: Path, config: dict | None = None) -> Settings:
    """Settings from `config` (a [tool.assure.lint] table) or from root/pyproject.toml."""
    source = "config"
    if config is None:
        config, source = _from_pyproject(root / "pyproject.toml"), "pyproject.toml [tool.assure.lint]"
    unknown = sorted(set(config) - KEYS)
    if unknown:
        raise UsageError(f"{source}: unknown setting {', '.join(unknown)}",
                         hint=f"settings are {', '.join(sorted(KEYS))}")
    select = tuple(check_code(str(c).upper(), source) for c in config.get("select", ("ALL",)))
    ignore = tuple(check_code(str(c).upper(), source) for c in config.get("ignore", ()))
    per_file = tuple((str(pattern), tuple(check_code(str(c).upper(), source) for c in codes))
                     for pattern, codes in sorted(config.get("per-file-ignores", {}).items()))
    return Settings(select, ignore, per_file, tuple(str(t) for t in config.get("tags", ())), source)


def _from_pyproject(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read lint settings from {path.name}: {exc}") from None
    table = data.get("tool", {}).get("assure", {}).get("lint", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path.name}: [tool.assure.lint] must be a table")
    return table


def with_command_line(settings: Settings, select=(), ignore=()) -> Settings:
    return Settings(tuple(select) or settings.select, settings.ignore + tuple(ignore),
                    settings.per_file_ignores, settings.tags, settings.source)
