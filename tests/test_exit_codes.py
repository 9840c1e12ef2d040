"""Exit codes are a pure function of the run and --fail-on."""

from __future__ import annotations

import pytest

from assure.errors import ExitCode, exit_code
from assure.results import Escalation, Geography, Provenance, Result, Run, Submission, Failure, Verdict

PROV = Provenance("0", "0", "p", "2024-03", (), "id")
BAD = Submission("f.csv", "d", "2024-03", "0" * 64, 1, (Failure("f.csv", 2, "c", "v", "DQ03", "m"),), 1)
GOOD = Submission("g.csv", "d", "2024-03", "0" * 64, 1, (), 0)


def res(verdict, escalation="none"):
    return Result("r", "m", Geography("icb", "QYG", "ICB"), "2024-03", 1.0, 1.0, 1.0, 1.0, "target",
                  verdict, "why", escalation=Escalation(escalation))


TABLE = [
    # submissions, verdicts, fail_on, exit
    ((GOOD,), (Verdict.MET,), "never", ExitCode.OK),
    ((BAD,), (Verdict.MISSED,), "never", ExitCode.OK),
    ((BAD,), (Verdict.MET,), "invalid", ExitCode.INVALID_DATA),
    ((GOOD,), (Verdict.MISSED,), "invalid", ExitCode.OK),
    ((GOOD,), (Verdict.AT_RISK,), "at_risk", ExitCode.FINDINGS),
    ((GOOD,), (Verdict.AT_RISK,), "missed", ExitCode.OK),
    ((GOOD,), (Verdict.OFF_TRAJECTORY,), "missed", ExitCode.FINDINGS),
    ((BAD,), (Verdict.MISSED,), "missed", ExitCode.INVALID_DATA),
    ((GOOD,), (Verdict.NO_DATA, Verdict.NOT_DUE, Verdict.INVALID_DATA), "at_risk", ExitCode.OK),
]


@pytest.mark.parametrize("submissions, verdicts, fail_on, expected", TABLE)
def test_exit_code_table(submissions, verdicts, fail_on, expected):
    run = Run(PROV, submissions, tuple(res(v) for v in verdicts))
    assert exit_code(run, fail_on) is expected


def test_escalation_level():
    assert exit_code(Run(PROV, (GOOD,), (res(Verdict.MISSED, "escalate"),)), "escalation") is ExitCode.FINDINGS
    assert exit_code(Run(PROV, (GOOD,), (res(Verdict.MISSED, "watch"),)), "escalation") is ExitCode.OK
