"""`assure init`: a new rules project that checks clean and runs, or a commented
template for a new rule. Nothing in the engine is specific to one ICB: the Cheshire
and Merseyside project in this repository loads through the same code path."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from .errors import UsageError

RENAMES = {"pre-commit-config.yaml": ".pre-commit-config.yaml", "github": ".github"}
TEXT_SUFFIXES = {".toml", ".md", ".yml", ".yaml", ".csv", ".txt"}
SKIP = {"rule_template.toml"}


def _starter():
    return resources.files("assure").joinpath("starter")


def _walk(node, prefix=()):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _walk(child, prefix + (child.name,))
        elif child.name not in SKIP and not child.name.endswith(".pyc"):
            yield prefix + (child.name,), child


def new_project(target: str, icb: str = "QXX", name: str = "") -> list[Path]:
    root = Path(target)
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} already exists and is not empty", hint="choose a new folder name")
    if not re.fullmatch(r"[A-Z0-9]{3,5}", icb):
        raise UsageError(f"--icb {icb!r} is not an ODS code (three to five capitals or digits, e.g. QYG)")
    values = {"icb": icb, "name": name or f"Integrated Care Board {icb}"}
    written = []
    for parts, source in _walk(_starter()):
        parts = tuple(RENAMES.get(p, p) for p in parts)
        path = root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        if path.suffix in TEXT_SUFFIXES:
            text = Template(text).safe_substitute(values)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def new_rule(project, rule_id: str, metric: str) -> Path:
    import difflib

    if not re.fullmatch(r"[a-z][a-z0-9_]*", rule_id):
        raise UsageError(f"rule id {rule_id!r} must be lower case letters, digits and underscores")
    if rule_id in project.rules:
        raise UsageError(f"rule `{rule_id}` already exists in {project.rules[rule_id].path}")
    if metric not in project.metrics:
        close = difflib.get_close_matches(metric, sorted(project.metrics), n=1)
        raise UsageError(f"unknown metric `{metric}`", hint=f"did you mean `{close[0]}`?" if close else
                         "define it under metric_defs/ first")
    path = Path(project.root) / "rules" / f"{rule_id}.toml"
    if path.exists():
        raise UsageError(f"{path} already exists")
    text = _starter().joinpath("rule_template.toml").read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(Template(text).safe_substitute(rule=rule_id, metric=metric), encoding="utf-8")
    return path
