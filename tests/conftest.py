"""Shared fixtures: the shipped Cheshire and Merseyside project and its fixture returns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = REPO / "fixtures" / "submissions"


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path, monkeypatch):
    """Checks run by tests record into their own history, never the working tree's."""
    monkeypatch.setenv("ASSURE_HISTORY", str(tmp_path / "history.duckdb"))


@pytest.fixture(scope="session")
def run_2024_03():
    from assure import api

    return api.check(str(SUBMISSIONS), project_dir=str(REPO), period="2024-03")


@pytest.fixture(scope="session")
def runs_by_period():
    """Each fixture month checked on its own folder: every submission of the year."""
    from assure import api

    return {p.name: api.check(str(p), project_dir=str(REPO)) for p in sorted(SUBMISSIONS.iterdir()) if p.is_dir()}


@pytest.fixture
def project(tmp_path):
    """A copy of the shipped project that a test may break."""
    target = tmp_path / "project"
    target.mkdir()
    for name in ("assure.toml", "rules", "metric_defs", "reference", "policy"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def result(run, rule: str, code: str):
    return next(r for r in run.results if r.rule == rule and r.geography.code == code)


def cli(*args, cwd=None):
    """Run the assure CLI in-process and return (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from assure.cli import main

    runner = CliRunner()
    outcome = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    return outcome.exit_code, outcome.stdout, outcome.stderr
