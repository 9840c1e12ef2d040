"""Errors that reach the user, exit codes, and the pure mapping from a run to an exit code."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .results import Run


class ExitCode(IntEnum):
    OK = 0            # all clear at the chosen --fail-on level
    FINDINGS = 1      # results at or above the --fail-on level
    INVALID_DATA = 2  # invalid submissions, when --fail-on covers them
    INVALID_RULES = 3 # rules, metric definitions or other project files are invalid
    USAGE = 4         # usage or input/output error


class AssureError(Exception):
    """An error with a message meant for a person and an exit code."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(AssureError):
    exit_code = ExitCode.USAGE


class ProjectError(AssureError):
    """The rules project cannot be loaded; carries every diagnostic found."""

    exit_code = ExitCode.INVALID_RULES

    def __init__(self, diagnostics: Iterable["Diagnostic"]):
        self.diagnostics = tuple(diagnostics)
        count = len(self.diagnostics)
        super().__init__(f"the rules project has {count} error{'s' * (count != 1)}")


FAIL_ON = ("never", "invalid", "at_risk", "missed", "escalation")

# Which verdicts each --fail-on level counts as findings. `invalid` counts none:
# it gates only on submissions that are unfit to use.
_FINDING_VERDICTS = {
    "never": frozenset(),
    "invalid": frozenset(),
    "at_risk": frozenset({"at_risk", "missed", "off_trajectory"}),
    "missed": frozenset({"missed", "off_trajectory"}),
    "escalation": frozenset(),
}


def exit_code(run: "Run", fail_on: str) -> ExitCode:
    """The exit code of a finished check. Invalid submissions outrank findings,
    because a verdict drawn from unfit data is not one to act on."""
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if fail_on == "never":
        return ExitCode.OK
    if any(not s.valid for s in run.submissions) or run.unmatched_errors:
        return ExitCode.INVALID_DATA
    if fail_on == "escalation":
        if any(r.escalation.level == "escalate" for r in run.results):
            return ExitCode.FINDINGS
        return ExitCode.OK
    if any(r.verdict.value in _FINDING_VERDICTS[fail_on] for r in run.results):
        return ExitCode.FINDINGS
    return ExitCode.OK
