"""Load a rules project: TOML -> JSON Schema -> model objects, or located diagnostics.

This is the only module that sees raw TOML dicts. Every problem it finds is a
Diagnostic with file, line and column; it collects all of them before giving up, so
an author fixes a project in one pass rather than one error per run.
"""

from __future__ import annotations

import difflib
import hashlib
from datetime import date
import json
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import orgs as orgs_mod
from . import population as population_mod
from .diagnostics import Diagnostic, Location
from .errors import ProjectError, UsageError
from .model import ColumnSpec, Contract, MetricDef, Project, Rule, Source
from .periods import Period
from .tomlpos import Locator

CONFIG = "assure.toml"
UNIT_SCALE = {"percent": 100.0, "per_1000": 1e3, "per_100k": 1e5, "per_million": 1e6}
SECTION_SCHEMA = {"datasets": "datasets", "metrics": "metrics", "rules": "rules"}


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    text = resources.files("assure").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def find_root(start: str | None) -> Path:
    """The project folder: the given one, or the nearest folder holding assure.toml."""
    if start:
        root = Path(start)
        if not (root / CONFIG).is_file():
            raise UsageError(f"{root} is not a rules project: it has no {CONFIG}",
                             hint="run `assure init DIR` to create one, or pass --project DIR")
        return root
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return folder
    raise UsageError(f"no {CONFIG} in {here} or any parent folder",
                     hint="run inside a rules project, pass --project DIR, or run `assure init DIR`")


@dataclass
class _Doc:
    """One parsed file with its locator, so any key path can be turned into a line."""

    path: str
    data: dict
    locator: Locator

    def at(self, *keys) -> Location:
        line, col = self.locator.locate(keys)
        return Location(self.path, line, col)


@dataclass
class Loader:
    root: Path
    diagnostics: list = field(default_factory=list)
    hashes: list = field(default_factory=list)
    broken: set = field(default_factory=set)  # ids defined but invalid: not reported again as dangling
    register_doc: object = None

    def error(self, code: str, message: str, location: Location, hint: str = "") -> None:
        self.diagnostics.append(Diagnostic(code, message, location, "error", hint))

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def read(self, path: Path) -> _Doc | None:
        rel = self.rel(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.error("PJ06", f"cannot read {rel}: {exc.strerror}", Location(rel))
            return None
        self.hashes.append((rel, hashlib.sha256(raw).hexdigest()))
        try:
            text = raw.decode("utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError:
            self.error("PJ01", "file is not UTF-8 text", Location(rel))
            return None
        except tomllib.TOMLDecodeError as exc:
            import re

            where = re.search(r"at line (\d+), column (\d+)", str(exc))
            line, col = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
            message = str(exc).split(" (at line")[0]
            self.error("PJ01", f"invalid TOML: {message}", Location(rel, line, col),
                       hint="see https://toml.io for the syntax; strings need quotes, numbers do not")
            return None
        return _Doc(rel, data, Locator(text))

    def check_schema(self, doc: _Doc, name: str, instance, prefix: tuple = ()) -> bool:
        from jsonschema import Draft202012Validator

        errors = sorted(Draft202012Validator(schema(name)).iter_errors(instance),
                        key=lambda e: [str(p) for p in e.absolute_path])
        for err in errors:
            self._schema_error(doc, err, prefix)
        return not errors

    def _schema_error(self, doc: _Doc, err, prefix: tuple) -> None:
        path = prefix + tuple(err.absolute_path)
        dotted = ".".join(str(p) for p in path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = sorted(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - set(known)):
                close = difflib.get_close_matches(extra, known, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
                self.error("PJ02", f"unknown key `{extra}` in {dotted}", doc.at(*path, extra), hint)
            return
        if err.validator == "required":
            self.error("PJ02", f"{dotted} is missing {err.message.split(' is a required')[0]}", doc.at(*path))
            return
        if err.validator == "pattern" and "d{4}" in str(err.validator_value):
            self.error("PJ05", f"{dotted}: {err.instance!r} is not a period (YYYY-MM) or date (YYYY-MM-DD)",
                       doc.at(*path))
            return
        if err.validator == "propertyNames" and path[-1:] == ("trajectory",):
            self.error("PJ05", f"{dotted}: trajectory keys are periods written YYYY-MM", doc.at(*path))
            return
        if err.validator == "not" and path[:1] == ("rules",):
            kind = err.instance.get("kind", "threshold") if isinstance(err.instance, dict) else "threshold"
            words = {
                "threshold": "`target` is not used with comparator = \"eliminate\" (the target is zero)",
                "direction": "a direction rule states `direction`, `by` and `baseline`, not `comparator` or `target`",
                "gap": "a gap rule states `versus`, `by` and `baseline`, not `comparator` or `target`",
                "milestone": "a milestone rule names `milestone` and `dataset`, not `metric`, `comparator` or `target`",
            }
            self.error("PJ02", f"{dotted}: {words.get(kind, words['threshold'])}", doc.at(*path))
            return
        if err.validator == "oneOf" and path[:1] == ("metrics",):
            self.error("PJ02", f"{dotted} needs `numerator` and `denominator`, or `numerator` and "
                       "`population`, or `value` alone", doc.at(*path))
            return
        self.error("PJ02", f"{dotted}: {err.message}", doc.at(*path))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.toml") if p.is_file()) if folder.is_dir() else []


def load(start: str | None = None) -> Project:
    """Load and check a whole project; raise ProjectError with every diagnostic if any."""
    project, diagnostics = diagnose(start)
    if diagnostics:
        raise ProjectError(diagnostics)
    return project


def diagnose(start: str | None = None) -> tuple[Project | None, list[Diagnostic]]:
    root = find_root(start)
    loader = Loader(root)
    config = loader.read(root / CONFIG)
    if config is None or not loader.check_schema(config, "project", config.data):
        return None, loader.diagnostics
    settings = config.data["project"]
    docs = _read_sections(loader, root / settings.get("metric_defs", "metric_defs"), ("datasets", "metrics"))
    docs += _read_sections(loader, root / settings.get("rules", "rules"), ("rules",))
    register = _load_register(loader, root, settings)
    population = _load_population(loader, root, settings)
    contracts, metrics, rules = _build(loader, docs, register)
    from . import escalation

    policy_file = escalation.policy_path(root, settings.get("policy"))
    policy = escalation.DEFAULT_POLICY
    if policy_file is not None:
        policy = escalation.read_policy(loader, policy_file, rules) or escalation.DEFAULT_POLICY
    if any(m.population for m in metrics.values()) and not population.counts:
        loader.error("PJ06", "a metric is a rate per population, but the population table "
                     f"{settings.get('population', 'reference/population.csv')} is missing or empty", config.at("project"),
                     "set [project] population to a CSV of code,year,age_band,population,source")
    project = Project(
        root=str(root), name=settings["name"], icb=settings["icb"], version=settings.get("version", "0"),
        contracts=contracts, metrics=metrics, rules=rules, organisations=register,
        population=population, policy=policy, history_path=settings.get("history", ".assure/history.duckdb"),
        sources_dir=settings.get("sources", "sources"), register_dir=settings.get("register", "register"),
        submissions_dir=settings.get("submissions", "submissions"),
        file_hashes=tuple(sorted(loader.hashes)),
    )
    return project, sorted(loader.diagnostics, key=lambda d: (d.location.path, d.location.line, d.location.col, d.code))


def _read_sections(loader: Loader, folder: Path, allowed: tuple[str, ...]) -> list[_Doc]:
    docs = []
    for path in _files(folder):
        doc = loader.read(path)
        if doc is None:
            continue
        for key in sorted(set(doc.data) - set(allowed)):
            close = difflib.get_close_matches(key, allowed, n=1)
            loader.error("PJ02", f"unknown top-level table `{key}` (a {folder.name} file holds "
                         f"{' and '.join(f'[{a}.<id>]' for a in allowed)})", doc.at(key),
                         f"did you mean `{close[0]}`?" if close else "")
        for section in allowed:
            if section in doc.data and not loader.check_schema(doc, SECTION_SCHEMA[section], doc.data[section], (section,)):
                valid = {k: v for k, v in doc.data[section].items() if _valid_entry(section, v)}
                loader.broken.update(set(doc.data[section]) - set(valid))
                doc.data[section] = valid
        docs.append(doc)
    return docs


def _valid_entry(section: str, value) -> bool:
    from jsonschema import Draft202012Validator

    wrapper = {"x": value}
    return Draft202012Validator(schema(SECTION_SCHEMA[section])).is_valid(wrapper)


def _load_register(loader: Loader, root: Path, settings: dict):
    path = root / settings.get("organisations", "reference/organisations.toml")
    if not path.is_file():
        loader.error("PJ06", f"organisation register {loader.rel(path)} does not exist",
                     Location(CONFIG), "set [project] organisations to the register's path")
        return orgs_mod.from_records(settings["icb"], [])
    doc = loader.read(path)
    if doc is None or not loader.check_schema(doc, "organisations", doc.data):
        return orgs_mod.from_records(settings["icb"], [])
    seen = {}
    for i, org in enumerate(doc.data["organisation"]):
        if org["code"] in seen:
            loader.error("PJ04", f"organisation {org['code']} is listed twice (first at entry {seen[org['code']] + 1})",
                         doc.at("organisation", i, "code"))
        seen.setdefault(org["code"], i)
    for i, org in enumerate(doc.data["organisation"]):
        for key in ("valid_from", "valid_to"):
            try:
                if org.get(key):
                    date.fromisoformat(org[key])
            except ValueError:
                loader.error("PJ05", f"organisation {org['code']}: {key} {org[key]!r} is not a real date",
                             doc.at("organisation", i, key))
                org[key] = ""
        if org.get("place") and org["place"] not in seen:
            loader.error("PJ03", f"organisation {org['code']} names Place {org['place']}, which is not in the register",
                         doc.at("organisation", i, "place"))
    loader.register_doc = doc
    return orgs_mod.from_records(settings["icb"], doc.data["organisation"])


def _load_population(loader: Loader, root: Path, settings: dict):
    path = root / settings.get("population", "reference/population.csv")
    if not path.is_file():
        return population_mod.EMPTY
    try:
        return population_mod.load(str(path))
    except (KeyError, ValueError) as exc:
        loader.error("PJ06", f"population table {loader.rel(path)} is malformed: {exc}", Location(loader.rel(path)),
                     "columns are code,year,age_band,population,source")
        return population_mod.EMPTY


def _build(loader: Loader, docs: list[_Doc], register) -> tuple[dict, dict, dict]:
    where: dict = {}
    contracts, metrics, rules = {}, {}, {}
    for doc in docs:
        for did, raw in doc.data.get("datasets", {}).items():
            if _unique(loader, where, "dataset", did, doc, ("datasets", did)):
                contracts[did] = _contract(loader, doc, did, raw)
        for mid, raw in doc.data.get("metrics", {}).items():
            if _unique(loader, where, "metric", mid, doc, ("metrics", mid)):
                metrics[mid] = (_metric(doc, mid, raw), doc)
        for rid, raw in doc.data.get("rules", {}).items():
            if _unique(loader, where, "rule", rid, doc, ("rules", rid)):
                rules[rid] = (raw, doc)
    for mid, (metric, doc) in list(metrics.items()):
        if metric.dataset not in contracts:
            _dangling(loader, doc, ("metrics", mid, "dataset"), "dataset", metric.dataset, contracts)
    built_rules = {}
    for rid, (raw, doc) in rules.items():
        rule = _rule(loader, doc, rid, raw, register)
        for key in ("metric", "versus"):
            if key in raw and raw[key] not in metrics:
                _dangling(loader, doc, ("rules", rid, key), "metric", raw[key], metrics)
        if "dataset" in raw and raw["dataset"] not in contracts:
            _dangling(loader, doc, ("rules", rid, "dataset"), "dataset", raw["dataset"], contracts)
        if rule is not None:
            built_rules[rid] = rule
    _check_roles(loader, register, contracts, loader.register_doc)
    return contracts, {k: m for k, (m, _) in metrics.items()}, built_rules


def _unique(loader, where, kind, ident, doc, path) -> bool:
    key = (kind, ident)
    if key in where:
        first = where[key]
        loader.error("PJ04", f"{kind} `{ident}` is defined twice (first at {first})", doc.at(*path))
        return False
    where[key] = str(doc.at(*path))
    return True


def _dangling(loader, doc, path, kind, name, known) -> None:
    if name in loader.broken:
        return
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"define [{kind}s.{name}] in metric_defs/"
    loader.error("PJ03", f"unknown {kind} `{name}`", doc.at(*path), hint)


def _contract(loader: Loader, doc: _Doc, did: str, raw: dict) -> Contract:
    columns = tuple(
        ColumnSpec(
            name=name, type=c["type"], required=c.get("required", True), nullable=c.get("nullable", False),
            aliases=tuple(c.get("aliases", ())), min=c.get("min"), max=c.get("max"),
            allowed=tuple(c.get("allowed", ())), pattern=c.get("pattern"), not_above=c.get("not_above"),
            not_before=c.get("not_before"), severity=c.get("severity", "error"),
            description=c.get("description", ""),
        )
        for name, c in raw["columns"].items()
    )
    contract = Contract(
        id=did, title=raw["title"], grain=raw["grain"], frequency=raw.get("frequency", "monthly"),
        keys=tuple(raw["keys"]), columns=columns, file_patterns=tuple(raw["files"]),
        header_match=tuple(raw.get("match_headers", ())), sheet=raw.get("sheet"),
        period_column=raw.get("period_column", "period"), org_column=raw.get("org_column", "org_code"),
        source=raw.get("source", ""), path=doc.path, allow_extra_columns=raw.get("allow_extra_columns", False),
    )
    names = {c.name for c in columns}
    refs = [(("keys",), k) for k in contract.keys] + [(("period_column",), contract.period_column),
                                                     (("org_column",), contract.org_column)]
    refs += [(("columns", c.name, "not_above"), c.not_above) for c in columns if c.not_above]
    refs += [(("columns", c.name, "not_before"), c.not_before) for c in columns if c.not_before]
    refs += [(("match_headers",), h) for h in contract.header_match]
    for path, name in refs:
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1)
            loader.error("PJ03", f"dataset `{did}` refers to column `{name}`, which it does not define",
                         doc.at("datasets", did, *path), f"did you mean `{close[0]}`?" if close else "")
    return contract


def _metric(doc: _Doc, mid: str, raw: dict) -> MetricDef:
    unit = raw["unit"]
    return MetricDef(
        id=mid, title=raw["title"], description=raw.get("description", ""), dataset=raw["dataset"],
        unit=unit, polarity=raw["polarity"], numerator=raw.get("numerator"), denominator=raw.get("denominator"),
        value=raw.get("value"), population=raw.get("population"), rollup=raw.get("rollup", "sum"),
        scale=float(raw.get("scale", UNIT_SCALE.get(unit, 1.0))),
        source=raw.get("source", ""), path=doc.path,
    )


def _source(raw: dict) -> Source:
    return Source(file=raw["file"], line=raw["line"], quote=raw["quote"], section=raw.get("section", ""))


def _rule(loader: Loader, doc: _Doc, rid: str, raw: dict, register) -> Rule | None:
    at = lambda *keys: doc.at("rules", rid, *keys)  # noqa: E731
    ok = True
    kind = raw.get("kind", "threshold")
    comparator = raw.get("comparator") or _implied_comparator(raw)
    target = raw.get("target", 0.0)
    target = tuple(target) if isinstance(target, list) else (float(target),)
    if (comparator == "between") != (len(target) == 2):
        loader.error("PJ07", f"rule `{rid}`: `between` takes target = [low, high]; other comparators take one number",
                     at("target"))
        ok = False
    elif comparator == "between" and target[0] > target[1]:
        loader.error("PJ07", f"rule `{rid}`: target range [{target[0]}, {target[1]}] is upside down", at("target"))
        ok = False
    warn = raw.get("warn")
    if warn is not None and ok:
        ok &= _check_warn(loader, rid, comparator, target, float(warn), at("warn"))
    trajectory = tuple(sorted((Period.parse(p), float(v)) for p, v in raw.get("trajectory", {}).items()))
    baseline = None
    if "baseline" in raw:
        baseline = _baseline(loader, raw["baseline"], at("baseline", "period"))
        ok &= baseline is not None
    targets = []
    for code, value in raw.get("targets", {}).items():
        if register.get(code) is None:
            loader.error("PJ03", f"rule `{rid}` sets a target for `{code}`, which is not in the register",
                         at("targets", code))
            ok = False
        targets.append((code, tuple(value) if isinstance(value, list) else (float(value),)))
    start = Period.parse(raw["start"]) if "start" in raw else None
    deadline = Period.parse(raw["deadline"]) if "deadline" in raw else None
    for org in raw.get("orgs", ()):
        if register.get(org) is None:
            close = difflib.get_close_matches(org, sorted(register.organisations), n=1)
            loader.error("PJ03", f"rule `{rid}` names organisation `{org}`, which is not in the register",
                         at("orgs"), f"did you mean `{close[0]}`?" if close else "")
            ok = False
    if not ok:
        return None
    line, _ = doc.locator.locate(("rules", rid))
    return Rule(
        id=rid, title=raw["title"], metric=raw.get("metric", ""), kind=kind,
        comparator=comparator, target=target, warn=float(warn) if warn is not None else None,
        start=start, deadline=deadline, trajectory=trajectory, levels=tuple(raw["scope"]),
        orgs=tuple(raw.get("orgs", ())), owner=raw.get("owner", ""), committee=raw.get("committee", ""),
        programme=raw.get("programme", ""), tags=tuple(raw.get("tags", ())), register=tuple(raw.get("register", ())),
        source=_source(raw["source"]), not_followed=tuple(_source(s) for s in raw.get("not_followed", ())),
        rationale=raw.get("rationale", ""), path=doc.path, line=line,
        direction=raw.get("direction", ""), by=raw.get("by"), per_year=raw.get("per_year", False),
        baseline=baseline, versus=raw.get("versus", ""), milestone=raw.get("milestone", ""),
        dataset=raw.get("dataset", ""), targets=tuple(sorted(targets)),
    )


def _implied_comparator(raw: dict) -> str:
    """Direction and gap rules state a direction; milestones are delivered or not."""
    if raw.get("kind") == "gap":
        return "<=" if raw.get("by") else "<"
    if raw.get("kind") == "direction":
        up = raw.get("direction") == "increase"
        if raw.get("by"):
            return ">=" if up else "<="
        return ">" if up else "<"
    return ">="


def _baseline(loader, raw: dict, location):
    """A baseline period is YYYY-MM or a financial year (2019/20, whose last month counts)."""
    from .periods import financial_year_end, is_period

    text = raw["period"]
    try:
        when = Period.parse(text) if is_period(text) else financial_year_end(text)
    except ValueError:
        loader.error("PJ05", f"baseline period {text!r} is neither YYYY-MM nor a financial year like 2019/20", location)
        return None
    return (when, float(raw["value"]) if "value" in raw else None)


def _check_warn(loader, rid, comparator, target, warn, location) -> bool:
    wrong = {
        ">=": warn >= target[0], ">": warn >= target[0],
        "<=": warn <= target[0], "<": warn <= target[0],
        "eliminate": warn <= 0,
        "between": False,
    }[comparator]
    if comparator == "between":
        loader.error("PJ07", f"rule `{rid}`: a warn band is not defined for `between`", location)
        return False
    if wrong:
        side = "below" if comparator in (">=", ">") else "above"
        loader.error("PJ07", f"rule `{rid}`: warn {warn:g} must lie {side} the target {target[0]:g}, "
                     "or no result could ever be at_risk", location)
        return False
    return True


def _check_roles(loader, register, contracts, doc) -> None:
    if doc is None:
        return
    for index, org in enumerate(doc.data.get("organisation", ())):
        org = register.get(org["code"])
        for role in org.roles:
            if role not in contracts:
                close = difflib.get_close_matches(role, sorted(contracts), n=1)
                loader.error("PJ03", f"organisation {org.code} is expected to submit `{role}`, which no dataset defines",
                             doc.at("organisation", index, "roles"), f"did you mean `{close[0]}`?" if close else "")


def relpath(path: str, root: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return os.path.normpath(path)
