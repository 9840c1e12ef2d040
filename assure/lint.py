"""`assure lint`: check a rules project and report every problem as a located,
coded Diagnostic, as ruff does for Python.

The loader's own problems (PJ: syntax, schema, references, duplicates, bad values)
come first and as they are; the checks in assure/lint_rules/ add units and polarity
(UN), dates and trajectories (DT), metric SQL (SQ), traceability to the plan (TR),
conflicts (CF) and tag references (RF). Settings come from `[tool.assure.lint]` in
the project's pyproject.toml, and `# assure: ignore[CODE] reason` silences one code
on one line. The whole project is checked every time, because most problems are
between files; PATHS only narrow what is reported.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from .diagnostics import Diagnostic, Location
from .errors import ExitCode, UsageError
from .lint_rules.codes import BY_CODE, LINT_CODES
from .lint_rules.render import FORMATS, render as _render
from .lint_rules.settings import Settings, split_codes

__all__ = ["LINT_CODES", "FORMATS", "LintReport", "lint", "render", "split_codes"]

UNREADABLE = ("PJ01", "PJ06")


@dataclass(frozen=True)
class LintReport:
    diagnostics: tuple[Diagnostic, ...]
    files_checked: int
    unreadable: bool        # a file could not be read or parsed: nothing in it was checked

    @property
    def exit_code(self) -> ExitCode:
        """0 clean, 1 findings, 3 unreadable files (ExitCode.INVALID_RULES)."""
        if self.unreadable:
            return ExitCode.INVALID_RULES
        return ExitCode.FINDINGS if self.diagnostics else ExitCode.OK


def render(report: LintReport, fmt: str = "text") -> str:
    """The report as text, json or github annotations."""
    return _render(report, fmt)


def lint(root: Optional[str] = None, paths: Optional[Iterable[str]] = None, select: Iterable[str] = (),
         ignore: Iterable[str] = (), config: Optional[dict] = None) -> LintReport:
    """Lint the rules project at `root` (default: the project holding the first of
    `paths`, or the current folder). `paths` narrow the report to those files or
    folders; `select` and `ignore` take codes or prefixes; `config` replaces the
    `[tool.assure.lint]` table of the project's pyproject.toml."""
    from . import project as project_mod
    from .lint_rules import settings as settings_mod

    paths = [str(p) for p in paths or ()]
    base = _root(root, paths)
    settings = settings_mod.with_command_line(settings_mod.load(base, config), split_codes(select),
                                              split_codes(ignore))
    project, loaded = project_mod.diagnose(str(base))
    scope, missing = _scope(base, paths)
    found = list(loaded) + missing
    files, every = {}, []
    if project is not None:
        ctx = _context(base, project, settings, {d.location.path for d in loaded if d.code in UNREADABLE})
        files, every = ctx.files, _all_files(base)
        found += _run_checks(ctx)
    in_scope = lambda path: scope is None or any(_under(path, s) for s in scope)  # noqa: E731
    shown = [d for d in found if d.code in UNREADABLE or (in_scope(d.location.path) and _enabled(settings, d))]
    suppressions = _suppressions(files, in_scope)
    from .lint_rules import suppress

    shown = [d for d in suppress.apply(shown, suppressions, BY_CODE, settings.enabled) if _enabled(settings, d)]
    checked = sum(1 for p in every if in_scope(p))
    return LintReport(_sorted(shown), checked, any(d.code in UNREADABLE for d in shown))


def _enabled(settings: Settings, d: Diagnostic) -> bool:
    # The loader's codes are always shown: `assure check` will not run while any remains.
    return d.code.startswith("PJ") or settings.enabled(d.code, d.location.path)


def _sorted(diagnostics) -> tuple[Diagnostic, ...]:
    unique = dict.fromkeys(diagnostics)
    return tuple(sorted(unique, key=lambda d: (d.location.path, d.location.line, d.location.col, d.code, d.message)))


def _root(root: Optional[str], paths: list[str]) -> Path:
    from .project import CONFIG, find_root

    if root or not paths:
        return find_root(root)
    start = Path(paths[0]).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG).is_file():
            return folder
    return find_root(None)


def _scope(base: Path, paths: list[str]) -> tuple[Optional[list[str]], list[Diagnostic]]:
    if not paths:
        return None, []
    scope, missing = [], []
    resolved_base = base.resolve()
    for given in paths:
        path = Path(given).resolve()
        try:
            rel = path.relative_to(resolved_base).as_posix()
        except ValueError:
            raise UsageError(f"{given} is not inside the rules project {base}",
                             hint="pass --project DIR for the project that holds it") from None
        if not path.exists():
            missing.append(Diagnostic("PJ06", f"{given} does not exist", Location(rel if rel != "." else given)))
        scope.append("" if rel == "." else rel)
    return scope, missing


def _under(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope.rstrip("/") + "/")


def _folders(base: Path) -> list[str]:
    try:
        settings = tomllib.loads((base / "assure.toml").read_text("utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        settings = {}
    return [str(settings.get("rules", "rules")), str(settings.get("metric_defs", "metric_defs"))]


def _all_files(base: Path) -> list[str]:
    out = []
    for folder in _folders(base):
        if (base / folder).is_dir():
            out += [p.relative_to(base).as_posix() for p in sorted((base / folder).rglob("*.toml")) if p.is_file()]
    return out


def _context(base: Path, project, settings: Settings, broken=frozenset()):
    from .lint_rules import register_index
    from .lint_rules.context import Context, read_files

    files, _ = read_files(base, _folders(base), broken)
    register = register_index.load(base, project.register_dir)
    return Context(root=base, project=project, files=files, register=register, settings=settings)


def _run_checks(ctx) -> list[Diagnostic]:
    from .lint_rules import conflicts, dates, refs, sql, trace, units

    found = []
    for module in (refs, units, dates, sql, trace, conflicts):
        found.extend(module.check(ctx))
    return found


def _suppressions(files: dict, in_scope) -> list:
    from .lint_rules import suppress

    found = []
    for path, file in sorted(files.items()):
        if in_scope(path):
            found += suppress.find(path, file.lines)
    return found
