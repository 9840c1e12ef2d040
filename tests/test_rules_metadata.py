"""Every rule carries what the committee filters and reads by: an owner, a committee, a
programme, an NQB quality domain, and at least one register entry; and the project's
programmes are a short, consistent list rather than one spelling per author."""

from __future__ import annotations

import pytest

from assure import project as project_mod
from conftest import REPO

PROJECT = project_mod.load(str(REPO))
RULES = sorted(PROJECT.rules.values(), key=lambda r: r.id)
NQB = {"nqb:safe", "nqb:effective", "nqb:caring", "nqb:responsive", "nqb:well-led", "nqb:equitable"}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_names_owner_committee_programme_domain_and_commitment(rule):
    assert rule.owner.strip() and rule.committee.strip() and rule.programme.strip(), rule.id
    assert NQB & set(rule.tags), (rule.id, rule.tags)
    assert rule.register, rule.id


def test_programmes_are_a_short_consistent_list():
    programmes = {r.programme for r in RULES}
    assert len(programmes) <= 40, sorted(programmes)
    folded = {}
    for name in programmes:  # no two spellings of one programme
        key = name.lower().replace("&", "and")
        assert key not in folded, (name, folded[key])
        folded[key] = name


def test_committees_are_the_icbs_own():
    assert {r.committee for r in RULES} <= {
        "Quality and Performance Committee", "NHS Cheshire and Merseyside Board", "Primary Care Committee",
        "Cheshire and Merseyside Health and Care Partnership"}


def test_core20plus5_and_marmot_themes_are_tagged_where_the_programme_is_theirs():
    for r in RULES:
        if r.programme == "All Together Fairer":
            assert any(t.startswith("marmot") for t in r.tags), r.id
