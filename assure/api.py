"""What the CLI can do, a Python user can call: each function returns immutable results
and raises AssureError subclasses for problems a person must fix."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import __version__, db, inputs
from . import project as project_mod
from .contracts import Validation, validate
from .errors import UsageError
from .periods import Period, reports_in
from .results import Failure, Provenance, Run


RECORD_LEVEL_PARALLEL_BYTES = 16 << 20


@dataclass
class PeriodData:
    period: Period
    validations: dict = field(default_factory=lambda: defaultdict(list))  # dataset -> [Validation]
    unmatched: list = field(default_factory=list)
    measures: dict = field(default_factory=dict)  # (metric, level, code) -> Measure
    milestones: dict = field(default_factory=dict)  # (dataset, milestone id) -> (status, delivered_on, evidence)
    derived: dict = field(default_factory=dict)     # evaluate's memo: facts derived once the period is measured


def check(submissions: str, *, project_dir: Optional[str] = None, period: Optional[str] = None,
          progress: Optional[Callable[[str], None]] = None, history: Optional[str] = None) -> Run:
    """Validate, measure and judge one period's returns. Earlier periods come from the
    same submissions folder where it has them, and otherwise from the history database
    (when `history` names one): together they give the series for SPC and escalation."""
    project = project_mod.load(project_dir)
    return evaluate_project(project, submissions, period, progress, history)[0]


def evaluate_project(project, submissions: str, period: Optional[str], progress=None,
                     history: Optional[str] = None) -> tuple[Run, dict]:
    """The whole pipeline for a loaded project; returns the run and each period's data."""
    from . import evaluate

    folders, target = _periods(Path(submissions), period)
    say = progress or (lambda message: None)
    con = db.connect()
    with tempfile.TemporaryDirectory(prefix="assure-") as tmp:
        con.execute(f"SET temp_directory = {db.literal(tmp)}")
        data = {}
        for p in sorted(x for x in folders if x <= target):
            say(f"reading {p}")
            data[p] = read_period(con, project, folders[p], p, tmp, Path(submissions))
        db.seal(con, _allowed(folders, target))
        say("measuring")
        evaluate.measure_periods(con, project, data)
        earlier = {}
        if history:
            from . import history as history_mod

            earlier = history_mod.earlier(history, str(target))
        results = evaluate.results_for(project, data, target, earlier)
        con.close()
    current = data[target]
    submissions_out = tuple(sorted((v.submission for vs in current.validations.values() for v in vs),
                                   key=lambda s: s.file))
    provenance = Provenance(
        engine_version=__version__, rules_version=project.rules_version, project=project.name,
        period=str(target), inputs=tuple((s.file, s.sha256) for s in submissions_out),
        run_id=_run_id(project.rules_version, submissions_out, target),
    )
    run = Run(provenance=provenance, submissions=submissions_out, results=results,
              unmatched=tuple(sorted(current.unmatched, key=lambda f: (f.file, f.code, f.value))))
    return run, data


def _run_id(rules_version: str, submissions, target: Period) -> str:
    # Derived from the inputs, so the same inputs and rules give byte-identical output.
    seed = rules_version + str(target) + "".join(s.sha256 for s in submissions)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _periods(root: Path, period: Optional[str]) -> tuple[dict, Period]:
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder", hint="pass a submissions folder holding YYYY-MM period folders")
    folders = inputs.period_folders(root)
    if not folders:
        raise UsageError(f"{root} holds no period folders (named YYYY-MM, e.g. 2024-03)")
    try:
        target = Period.parse(period) if period else max(folders)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None
    if target not in folders:
        raise UsageError(f"there is no folder for period {target} in {root}",
                         hint=f"periods found: {', '.join(str(p) for p in sorted(folders))}")
    return folders, target


def _allowed(folders: dict, target: Period) -> list[str]:
    return sorted(str(f.resolve()) for p, folder in folders.items() if p <= target
                  for f in folder.iterdir() if f.suffix.lower() == ".parquet")


def read_period(con, project, folder: Path, period: Period, tmp: str, root: Path) -> PeriodData:
    data = PeriodData(period)
    counter = len(con.execute("SHOW TABLES").fetchall())
    for path in inputs.files_in(folder):
        rel = f"{folder.name}/{path.name}"  # the same however the submissions root was given
        matched = inputs.match(path, project.contracts, inputs.peek_headers(path))
        if not matched:
            data.unmatched.append(Failure(rel, 0, "", "", "DQ15",
                                          f"{rel} matches no dataset contract and was not read", "warning"))
            continue
        if len(matched) > 1:
            data.unmatched.append(Failure(rel, 0, "", "", "DQ19",
                                          f"{rel} matches the contracts {', '.join(matched)}; it was not read"))
            continue
        contract = project.contracts[matched[0]]
        counter += 1
        if contract.grain == "record" and path.stat().st_size > RECORD_LEVEL_PARALLEL_BYTES:
            # A large extract is a few long scans, where both cores pay; set before seal() locks it.
            con.execute(f"SET threads = {os.cpu_count() or 1}")
        loaded = inputs.load(con, path, rel, contract, f"t{counter}", tmp)
        data.validations[contract.id].append(validate(con, contract, loaded, period, project.organisations))
    _completeness(project, data, folder, root)
    return data


def _completeness(project, data: PeriodData, folder: Path, root: Path) -> None:
    """Expected submitters that sent nothing: their results become no_data."""
    for contract in sorted(project.contracts.values(), key=lambda c: c.id):
        if not reports_in(contract.frequency, data.period):
            continue
        expected = project.organisations.expected(contract.id, data.period)
        validations: list[Validation] = data.validations.get(contract.id, [])
        if not validations:
            if expected:
                data.unmatched.append(Failure(folder.name, 0, contract.org_column, ", ".join(expected), "DQ12",
                                              f"no `{contract.id}` return for {data.period}: expected from "
                                              f"{', '.join(expected)}", "warning"))
            continue
        if any(v.whole_file_bad for v in validations):
            continue
        seen = set()
        for v in validations:
            seen.update(v.present_orgs)
        missing = [code for code in expected if code not in seen]
        if missing:
            first = validations[0]
            failure = Failure(first.submission.file, 0, contract.org_column, ", ".join(missing), "DQ12",
                              f"no rows from {', '.join(missing)}, expected to submit `{contract.id}` for "
                              f"{data.period}", "warning")
            data.validations[contract.id][0] = first.with_failure(failure)


def coverage(project_dir: Optional[str] = None):
    """The commitments register joined to the rules that encode it."""
    from . import coverage as coverage_mod
    from . import register

    project = project_mod.load(project_dir)
    return coverage_mod.build(register.load(project.root, project.register_dir), project.rules)


def explain(rule: str, *, submissions: Optional[str] = None, project_dir: Optional[str] = None,
            period: Optional[str] = None, geography: Optional[str] = None):
    """How one rule's verdict was reached for a period and geography."""
    from . import explain as explain_mod

    project = project_mod.load(project_dir)
    explain_mod.rule_or_fail(project, rule)
    folder = submissions or str(Path(project.root) / project.submissions_dir)
    run, data = evaluate_project(project, folder, period)
    return explain_mod.explain(project, run, data, rule, geography)
