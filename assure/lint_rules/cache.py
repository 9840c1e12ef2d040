"""A one-entry cache of the SQL checks' findings, in `.assure/lint-cache.json`.

Binding metric SQL needs DuckDB, and starting DuckDB costs more than every other check
together. Metric definitions change far less often than rules, so an on-save run
whose metric definitions, checking code and DuckDB are unchanged reuses the last
findings. The key is a hash of everything the findings depend on; a cache that cannot
be read or written is ignored, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.util import find_spec
from pathlib import Path

from ..diagnostics import Diagnostic, Location

FOLDER = ".assure"
NAME = "lint-cache.json"
CODE = ("lint_rules/sql.py", "lint_rules/context.py", "lint_rules/codes.py", "lint_rules/cache.py",
        "metrics.py", "contracts.py", "db.py", "tomlpos.py")


def key(parts: list[str]) -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for name in CODE:
        digest.update(_read(package / name))
    digest.update(_duckdb())
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def load(root: Path, name: str, wanted: str) -> list[Diagnostic] | None:
    if os.environ.get("ASSURE_LINT_NO_CACHE"):
        return None
    try:
        entry = json.loads((root / FOLDER / NAME).read_text("utf-8")).get(name, {})
        if entry.get("key") != wanted:
            return None
        return [Diagnostic(d["code"], d["message"], Location(d["path"], d["line"], d["col"]), d["severity"], d["hint"])
                for d in entry["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(root: Path, name: str, wanted: str, found: list[Diagnostic]) -> None:
    if os.environ.get("ASSURE_LINT_NO_CACHE"):
        return
    path = root / FOLDER / NAME
    try:
        data = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[name] = {"key": wanted, "diagnostics": [
        {"code": d.code, "message": d.message, "path": d.location.path, "line": d.location.line,
         "col": d.location.col, "severity": d.severity, "hint": d.hint} for d in found]}
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f"{NAME}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(path)  # a concurrent run never reads half a file
    except OSError:
        pass


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _duckdb() -> bytes:
    """Which DuckDB is installed, without importing it (that is the cost being saved)."""
    try:
        spec = find_spec("duckdb")
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is None:
            return b"none"
        stat = origin.stat()
        return f"{origin}:{stat.st_mtime_ns}:{stat.st_size}".encode()
    except (OSError, ValueError, ImportError):
        return b"unknown"
