"""Escalation from a policy: hand-worked cases for every trigger, override order, the
shipped policy file, located diagnostics for a broken one, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assure import escalation as es
from assure.errors import ProjectError
from assure.escalation import (BUILTIN, DEFAULT_POLICY, OFF, Policy, Steps, Triggers, escalate, load_policy,
                               policy_for, reasons)
from assure.model import Rule, Source
from assure.periods import Period
from assure.results import Escalation, SpcSummary, Verdict
from conftest import REPO

M, AR, MI, OT, ND, NO, INV = (Verdict.MET, Verdict.AT_RISK, Verdict.MISSED, Verdict.OFF_TRAJECTORY,
                              Verdict.NOT_DUE, Verdict.NO_DATA, Verdict.INVALID_DATA)
PLAIN = SpcSummary()


def rule(rid="r", comparator=">=", target=(76.0,), deadline=None, start=None, tags=()):
    return Rule(id=rid, title="t", metric="m", kind="threshold", comparator=comparator, target=target, warn=None,
                start=Period.parse(start) if start else None, deadline=Period.parse(deadline) if deadline else None,
                trajectory=(), levels=("icb",), orgs=(), owner="", committee="", programme="", tags=tuple(tags),
                register=(), source=Source("f", 1, "q"), not_followed=(), rationale="", path="rules/x.toml")


def months(*verdicts, end="2024-03"):
    """Verdicts for consecutive months ending with `end`, oldest first."""
    last = Period.parse(end)
    return [(str(last.shift(i - len(verdicts) + 1)), v) for i, v in enumerate(verdicts)]


def codes(result: Escalation):
    return [code for code, _ in result.reasons]


# --- every trigger, by hand -------------------------------------------------------


def test_missed_three_running_escalates_with_the_months_named():
    result = escalate(rule(), months(M, MI, MI, MI), PLAIN, DEFAULT_POLICY)
    assert result == Escalation("escalate", (
        ("missed_consecutive",
         "Missed the target (at least 76) for 3 consecutive months (January 2024 to March 2024)."),))


def test_missed_two_running_is_only_watch():
    result = escalate(rule(), months(M, MI, MI), PLAIN, DEFAULT_POLICY)
    assert result.level == "watch"
    assert result.reasons == (("missed_consecutive",
                                "Missed the target (at least 76) for 2 consecutive months (February 2024 to March 2024)."),)


def test_missed_once_is_watch():
    result = escalate(rule(), months(M, M, MI), PLAIN, DEFAULT_POLICY)
    assert result == Escalation("watch", (("missed_consecutive", "Missed the target (at least 76) in March 2024."),))


def test_a_met_month_breaks_the_run():
    assert escalate(rule(), months(MI, MI, M, MI), PLAIN, DEFAULT_POLICY).level == "watch"
    assert escalate(rule(), months(MI, MI, MI, M), PLAIN, DEFAULT_POLICY).level == "none"


def test_at_risk_is_not_missed():
    assert escalate(rule(), months(MI, MI, AR), PLAIN, DEFAULT_POLICY) == Escalation()
    assert escalate(rule(), months(MI, AR, MI), PLAIN, DEFAULT_POLICY).level == "watch"


def test_a_gap_in_the_history_breaks_a_run():
    history = [("2023-12", MI), ("2024-01", MI), ("2024-03", MI)]   # no February at all
    assert escalate(rule(), history, PLAIN, DEFAULT_POLICY).level == "watch"


def test_quarterly_runs_are_counted_in_quarters():
    history = [("2023-09", MI), ("2023-12", MI), ("2024-03", MI)]
    result = escalate(rule(), history, PLAIN, DEFAULT_POLICY)
    assert result.level == "escalate"
    assert "for 3 consecutive quarters (September 2023 to March 2024)" in result.reasons[0][1]


def test_off_trajectory_one_below_the_threshold_does_not_fire():
    r = rule(deadline="2025-03")
    assert escalate(r, months(M, OT), PLAIN, DEFAULT_POLICY) == Escalation()
    result = escalate(r, months(M, OT, OT), PLAIN, DEFAULT_POLICY)
    assert result == Escalation("watch", (
        ("off_trajectory_consecutive",
         "Behind the planned trajectory for 2 consecutive months (February 2024 to March 2024), "
         "on the way to at least 76 by March 2025."),))
    assert escalate(r, months(OT, OT, OT), PLAIN, DEFAULT_POLICY).level == "escalate"


def test_off_trajectory_and_missed_are_separate_runs():
    # off_trajectory before the deadline, then missed after it: neither run reaches 3
    r = rule(deadline="2024-02")
    result = escalate(r, months(OT, MI, MI), PLAIN, DEFAULT_POLICY)
    assert codes(result) == ["deadline_passed_missed", "missed_consecutive"]
    assert dict(result.reasons)["missed_consecutive"].startswith("Missed the target (at least 76) for 2 ")


def test_data_issues_are_their_own_reason_and_not_misses():
    result = escalate(rule(), months(M, INV, NO), PLAIN, DEFAULT_POLICY)
    assert result == Escalation("watch", (
        ("data_issue_consecutive",
         "Data issue, not performance: the return was invalid or missing for 2 consecutive months "
         "(February 2024 to March 2024), so the commitment could not be judged."),))
    assert "missed_consecutive" not in codes(result)


def test_data_issue_one_below_the_threshold_does_not_fire_and_three_escalates():
    assert escalate(rule(), months(M, INV), PLAIN, DEFAULT_POLICY) == Escalation()
    result = escalate(rule(), months(NO, NO, NO), PLAIN, DEFAULT_POLICY)
    assert result.level == "escalate"
    assert result.reasons[0][1].startswith("Data issue, not performance: the return was missing for 3 consecutive")
    assert es.DATA_CODES == {"data_issue_consecutive"}


def test_a_data_issue_breaks_a_missed_run_and_a_miss_breaks_a_data_run():
    assert escalate(rule(), months(MI, MI, INV, MI), PLAIN, DEFAULT_POLICY).reasons == (
        ("missed_consecutive", "Missed the target (at least 76) in March 2024."),)
    # INV, INV, then a miss, then INV: the data run is 1 (below watch at 2), the miss is not current
    assert escalate(rule(), months(INV, INV, MI, INV), PLAIN, DEFAULT_POLICY) == Escalation()


def test_special_cause_concerning_high_and_low():
    high = SpcSummary(variation="concerning_high", assurance="hit_and_miss", rules=("outside_limits",))
    result = escalate(rule(comparator="<="), months(M), high, DEFAULT_POLICY)
    assert result == Escalation("watch", (
        ("special_cause_concerning",
         "Special cause concerning variation: recent values are unusually high, the wrong direction for this "
         "measure (the latest value is outside the process limits)."),))
    low = SpcSummary(variation="concerning_low", rules=("shift", "trend"))
    sentence = escalate(rule(), months(M), low, DEFAULT_POLICY).reasons[0][1]
    assert "unusually low" in sentence and "moving steadily downwards" in sentence
    for icon in ("improving_high", "improving_low", "common_cause", "neither_high", "none"):
        assert escalate(rule(), months(M), SpcSummary(variation=icon), DEFAULT_POLICY) == Escalation()


def test_special_cause_on_unusable_current_data_says_so():
    low = SpcSummary(variation="concerning_low")
    sentence = dict(escalate(rule(), months(M, INV), low, DEFAULT_POLICY).reasons)["special_cause_concerning"]
    assert sentence.endswith(" The current period's data could not be used, so this is from the latest usable figure.")


def test_consistently_fail_escalates_with_the_limits():
    spc = SpcSummary(assurance="consistently_fail", lpl=68.21, upl=73.94)
    result = escalate(rule(), months(M, AR), spc, DEFAULT_POLICY)
    assert result == Escalation("escalate", (
        ("consistently_fail",
         "At the current level of variation the target (at least 76) will not be met without change: the "
         "process limits (68.2 to 73.9) lie wholly below it (assurance: consistently fail)."),))
    lower = dict(escalate(rule(comparator="<=", target=(18.0,)), months(MI), spc, DEFAULT_POLICY).reasons)["consistently_fail"]
    assert "(at most 18)" in lower and "wholly above it" in lower
    for icon in ("consistently_pass", "hit_and_miss", "none"):
        assert escalate(rule(), months(M), SpcSummary(assurance=icon), DEFAULT_POLICY) == Escalation()


def test_consistently_fail_waits_for_the_target_to_be_in_force():
    spc = SpcSummary(assurance="consistently_fail")
    before = rule(deadline="2025-03")       # on a trajectory towards a later target: expected
    assert escalate(before, months(M), spc, DEFAULT_POLICY) == Escalation()
    assert escalate(before, months(AR), spc, DEFAULT_POLICY, deadline_passed=True).level == "escalate"
    assert escalate(rule(start="2024-06"), months(ND), spc, DEFAULT_POLICY) == Escalation()


def test_consistently_fail_does_not_count_in_a_met_period():
    # e.g. 65-week waits reach zero in the deadline month, with limits from the year before above zero
    spc = SpcSummary(assurance="consistently_fail", lpl=1.8, upl=7.7)
    eliminate = rule(comparator="eliminate", target=(0.0,), deadline="2024-03")
    assert escalate(eliminate, months(MI, MI, M), spc, DEFAULT_POLICY) == Escalation()
    assert dict(escalate(eliminate, months(MI, MI, MI), spc, DEFAULT_POLICY).reasons)["consistently_fail"] == (
        "At the current level of variation the target (zero) will not be met without change: the process limits "
        "(1.8 to 7.7) lie wholly above it (assurance: consistently fail).")
    # a data issue now: the latest usable figure still speaks, and says so
    assert "consistently_fail" in codes(escalate(rule(), months(INV), spc, DEFAULT_POLICY))


def test_deadline_passed_and_missed():
    r = rule(deadline="2024-03")
    result = escalate(r, months(M, MI), PLAIN, DEFAULT_POLICY)
    assert result == Escalation("escalate", (
        ("deadline_passed_missed", "The deadline of March 2024 has passed and the target (at least 76) is not met."),
        ("missed_consecutive", "Missed the target (at least 76) in March 2024."),
    ))
    # the caller may say; without a deadline on the rule the sentence names none
    assert escalate(rule(), months(MI), PLAIN, DEFAULT_POLICY, deadline_passed=False).level == "watch"
    assert dict(escalate(rule(), months(MI), PLAIN, DEFAULT_POLICY, deadline_passed=True).reasons)[
        "deadline_passed_missed"] == "The deadline has passed and the target (at least 76) is not met."
    # at_risk after the deadline is inside the warn band: not missed
    assert escalate(r, months(AR), PLAIN, DEFAULT_POLICY) == Escalation()


def test_reasons_are_ordered_by_severity_then_code_and_level_is_the_highest():
    spc = SpcSummary(variation="concerning_low", assurance="consistently_fail")
    found = reasons(rule(deadline="2024-01"), months(MI, MI, MI), spc, DEFAULT_POLICY)
    assert [(r.code, r.level) for r in found] == [
        ("consistently_fail", "escalate"), ("deadline_passed_missed", "escalate"),
        ("missed_consecutive", "escalate"), ("special_cause_concerning", "watch")]
    assert escalate(rule(deadline="2024-01"), months(MI, MI, MI), spc, DEFAULT_POLICY).level == "escalate"


def test_words_for_every_comparator():
    assert [es.target_words(rule(comparator=c, target=t)) for c, t in
            [(">=", (76.0,)), (">", (30.0,)), ("<=", (18.0,)), ("<", (0.5,)), ("eliminate", (0.0,)),
             ("between", (1.0, 3.0))]] == ["at least 76", "above 30", "at most 18", "below 0.5", "zero",
                                           "between 1 and 3"]


def test_history_out_of_order_is_a_programming_error():
    with pytest.raises(ValueError):
        escalate(rule(), [("2024-03", MI), ("2024-02", MI)], PLAIN, DEFAULT_POLICY)


def test_empty_history_uses_spc_only():
    assert escalate(rule(), [], SpcSummary(variation="concerning_low"), DEFAULT_POLICY).level == "watch"
    assert escalate(rule(), [], PLAIN, DEFAULT_POLICY) == Escalation()


def test_verdicts_may_be_given_as_strings():
    assert escalate(rule(), months("missed", "missed", "missed"), PLAIN, DEFAULT_POLICY).level == "escalate"


# --- overrides ----------------------------------------------------------------


def test_disabled_trigger_never_fires():
    policy = Policy(defaults=Triggers(missed_consecutive=OFF, deadline_passed_missed="none").over(BUILTIN))
    assert escalate(rule(deadline="2023-01"), months(MI, MI, MI, MI), PLAIN, policy) == Escalation()


def test_tag_override_applies_only_to_rules_with_the_tag():
    policy = Policy(tags=(("cancer", Triggers(missed_consecutive=Steps(watch=1, escalate=2))),))
    assert escalate(rule(tags=["cancer"]), months(MI, MI), PLAIN, policy).level == "escalate"
    assert escalate(rule(tags=["uec"]), months(MI, MI), PLAIN, policy).level == "watch"


def test_override_order_defaults_then_tags_alphabetically_then_rule():
    policy = Policy(
        defaults=Triggers(special_cause_concerning="none").over(BUILTIN),
        tags=(("a", Triggers(special_cause_concerning="escalate", consistently_fail="none")),
              ("b", Triggers(special_cause_concerning="watch"))),
        rules=(("only", Triggers(missed_consecutive=Steps(escalate=1))),),
    )
    assert policy_for(rule(), policy).special_cause_concerning == "none"
    assert policy_for(rule(tags=["a"]), policy).special_cause_concerning == "escalate"
    both = policy_for(rule(tags=["b", "a"]), policy)        # b comes after a, whatever the rule's order
    assert (both.special_cause_concerning, both.consistently_fail) == ("watch", "none")
    own = policy_for(rule("only", tags=["a"]), policy)
    assert own.missed_consecutive == Steps(escalate=1)       # replaced whole: no watch step left
    assert own.special_cause_concerning == "escalate" and own.data_issue_consecutive == BUILTIN.data_issue_consecutive
    assert policy_for(rule(), DEFAULT_POLICY) == BUILTIN and BUILTIN.complete


def test_rule_override_per_rule():
    policy = Policy(rules=(("ae_4hr_76", Triggers(special_cause_concerning="escalate")),))
    spc = SpcSummary(variation="concerning_low")
    assert escalate(rule("ae_4hr_76"), months(M), spc, policy).level == "escalate"
    assert escalate(rule("other"), months(M), spc, policy).level == "watch"


def test_steps_levels():
    assert [Steps(watch=2, escalate=4).level(n) for n in range(6)] == [
        "none", "none", "watch", "watch", "escalate", "escalate"]
    assert Steps(escalate=1).level(1) == "escalate" and OFF.level(99) == "none"
    assert str(Steps(watch=1, escalate=3)) == "{ watch = 1, escalate = 3 }" and str(OFF) == "none"


# --- the policy file ------------------------------------------------------------


def test_shipped_policy_file_is_the_default():
    assert load_policy(REPO / "policy" / "escalation.toml", root=REPO) == DEFAULT_POLICY


def test_shipped_project_uses_its_policy_file():
    from assure import project as project_mod

    project = project_mod.load(str(REPO))
    assert es.project_policy(project) == DEFAULT_POLICY


def test_a_project_without_a_policy_file_uses_the_default(project):
    from assure import project as project_mod

    assert es.project_policy(project_mod.load(str(project))) == DEFAULT_POLICY


def test_a_project_policy_file_is_checked_against_the_project_rules(project):
    from assure import project as project_mod

    config = project / "assure.toml"
    config.write_text(config.read_text().replace('policy = "policy/escalation.toml"', 'policy = "escalation/qpc.toml"'))
    with pytest.raises(ProjectError) as caught:
        project_mod.load(str(project))
    assert [(d.location.path, d.code) for d in caught.value.diagnostics] == [("escalation/qpc.toml", "PJ06")]
    (project / "escalation").mkdir()
    (project / "escalation" / "qpc.toml").write_text('[rules.ae_4hr_76]\nconsistently_fail = "watch"\n'
                                                     '[tags.cancr]\nconsistently_fail = "watch"\n')
    with pytest.raises(ProjectError) as caught:
        project_mod.load(str(project))
    assert [(str(d.location), d.code) for d in caught.value.diagnostics] == [("escalation/qpc.toml:3:1", "PJ03")]
    (project / "escalation" / "qpc.toml").write_text('[rules.ae_4hr_76]\nconsistently_fail = "watch"\n')
    loaded = project_mod.load(str(project))
    assert policy_for(loaded.rules["ae_4hr_76"], loaded.policy).consistently_fail == "watch"


def write(tmp_path, text):
    path = tmp_path / "escalation.toml"
    path.write_text(text)
    return path


def diagnose(path, **kwargs):
    with pytest.raises(ProjectError) as caught:
        load_policy(path, root=path.parent, **kwargs)
    return [(d.location.path, d.location.line, d.code) for d in caught.value.diagnostics], caught.value.diagnostics


def test_a_policy_file_with_overrides_loads(tmp_path):
    path = write(tmp_path, """
[defaults]
special_cause_concerning = "none"

[tags."nqb:safe"]
missed_consecutive = { escalate = 2 }

[rules.ae_4hr_76]
data_issue_consecutive = "none"
""")
    policy = load_policy(path, rules=[rule("ae_4hr_76", tags=["nqb:safe"])])
    assert policy.defaults == Triggers(special_cause_concerning="none").over(BUILTIN)
    assert policy.tags == (("nqb:safe", Triggers(missed_consecutive=Steps(escalate=2))),)
    assert policy.rules == (("ae_4hr_76", Triggers(data_issue_consecutive=OFF)),)
    resolved = policy_for(rule("ae_4hr_76", tags=["nqb:safe"]), policy)
    assert resolved == Triggers(
        missed_consecutive=Steps(escalate=2), off_trajectory_consecutive=BUILTIN.off_trajectory_consecutive,
        data_issue_consecutive=OFF, special_cause_concerning="none", consistently_fail="escalate",
        deadline_passed_missed="escalate")


def test_an_empty_policy_file_is_the_default(tmp_path):
    assert load_policy(write(tmp_path, "# nothing to change\n")) == DEFAULT_POLICY


def test_toml_syntax_error_is_located(tmp_path):
    path = write(tmp_path, '[defaults]\nmissed_consecutive = { watch = 1, escalate = 3\n')
    found, _ = diagnose(path)
    assert found == [("escalation.toml", 2, "PJ01")]


def test_schema_problems_are_located_with_help(tmp_path):
    path = write(tmp_path, """[defaults]
missed_consecutive = { watch = 0, escalte = 3 }
off_trajectory_consecutive = "watch"
special_cause_concerning = "escalte"

[tags.cancer]
missed_consecutve = "none"

[rules.x]
data_issue_consecutive = 3
""")
    found, diags = diagnose(path)
    assert found == [
        ("escalation.toml", 2, "PJ02"), ("escalation.toml", 2, "PJ02"), ("escalation.toml", 3, "PJ02"),
        ("escalation.toml", 4, "PJ02"), ("escalation.toml", 7, "PJ02"), ("escalation.toml", 10, "PJ02"),
    ]
    text = "\n".join(str(d) for d in diags)
    assert "did you mean `escalate`?" in text
    assert "did you mean `missed_consecutive`?" in text
    assert 'did you mean "escalate"?' in text
    assert 'off_trajectory_consecutive takes run lengths or "none", not "watch"' in text
    assert "rules.x.data_issue_consecutive takes run lengths" in text
    assert "escalation.toml:2:24: PJ02 defaults.missed_consecutive.watch: 0 is less than the minimum of 1" in text


def test_watch_after_escalate_is_a_bad_value(tmp_path):
    path = write(tmp_path, "[defaults]\n\nmissed_consecutive = { watch = 4, escalate = 3 }\n")
    found, diags = diagnose(path)
    assert found == [("escalation.toml", 3, "PJ07")]
    assert "watch would never show" in diags[0].message


def test_unknown_rule_and_tag_are_dangling_references(tmp_path):
    path = write(tmp_path, "[tags.cancr]\nconsistently_fail = \"watch\"\n\n[rules.ae_4hr_67]\nconsistently_fail = \"watch\"\n")
    found, diags = diagnose(path, rules={"ae_4hr_76": rule("ae_4hr_76", tags=["cancer"])})
    assert found == [("escalation.toml", 1, "PJ03"), ("escalation.toml", 4, "PJ03")]
    assert [d.hint for d in diags] == ["did you mean `cancer`?", "did you mean `ae_4hr_76`?"]
    assert load_policy(path) is not None          # without the project's rules, nothing to check against


def test_a_missing_policy_file(tmp_path):
    found, _ = diagnose(tmp_path / "nope.toml")
    assert found == [("nope.toml", 0, "PJ06")]


# --- properties -----------------------------------------------------------------

verdicts = st.sampled_from(list(Verdict))
steps = st.one_of(st.just(OFF), st.builds(Steps, st.none() | st.integers(1, 5), st.none() | st.integers(1, 5)))
level = st.sampled_from(es.LEVELS)
triggers = st.builds(Triggers, steps, steps, steps, level, level, level)
spcs = st.builds(SpcSummary, variation=st.sampled_from(["none", "common_cause", "concerning_high", "concerning_low",
                                                        "improving_high"]),
                 assurance=st.sampled_from(["none", "consistently_fail", "consistently_pass", "hit_and_miss"]))
deadlines = st.none() | st.sampled_from(["2023-06", "2024-01", "2024-03", "2025-03"])


@given(st.lists(verdicts, max_size=12), spcs, triggers, deadlines)
def test_level_is_the_highest_reason(history, spc, table, deadline):
    policy = Policy(defaults=table)
    r = rule(deadline=deadline)
    found = reasons(r, months(*history), spc, policy)
    result = escalate(r, months(*history), spc, policy)
    assert result.level == max([x.level for x in found], key=es.RANK.__getitem__, default="none")
    assert (result.level == "none") == (result.reasons == ())
    assert all(x.level != "none" for x in found)
    assert len({x.code for x in found}) == len(found)
    assert list(found) == sorted(found, key=lambda x: (-es.RANK[x.level], x.code))


@given(st.lists(verdicts, max_size=12), spcs, triggers, deadlines)
def test_after_a_met_period_earlier_history_does_not_matter(history, spc, table, deadline):
    policy = Policy(defaults=table)
    r = rule(deadline=deadline)
    assert escalate(r, months(*history, M), spc, policy) == escalate(r, months(M), spc, policy)


@given(st.lists(verdicts, max_size=12), st.integers(1, 6), triggers)
def test_a_longer_run_of_misses_never_lowers_the_level(history, extra, table):
    policy = Policy(defaults=table)
    short = escalate(rule(), months(*history, MI), PLAIN, policy)
    long = escalate(rule(), months(*history, *([MI] * extra), MI), PLAIN, policy)
    assert es.RANK[long.level] >= es.RANK[short.level]


@given(st.lists(st.sampled_from([NO, INV, M, AR, ND]), max_size=12))
def test_data_issues_never_give_a_performance_reason_from_the_history(history):
    found = {x.code for x in reasons(rule(), months(*history), PLAIN, DEFAULT_POLICY)}
    assert found <= es.DATA_CODES


@given(st.lists(verdicts, max_size=12))
def test_every_reason_is_a_known_code_with_a_sentence(history):
    spc = SpcSummary(variation="concerning_low", assurance="consistently_fail", lpl=1.0, upl=2.0)
    for code, sentence in escalate(rule(deadline="2024-01"), months(*history), spc, DEFAULT_POLICY).reasons:
        assert code in es.TRIGGERS
        assert sentence[:1].isupper() and sentence.endswith(".")


# --- docs/escalation.md stays true ---------------------------------------------------


def test_docs_defaults_table_is_the_builtin_policy():
    import re

    text = (REPO / "docs" / "escalation.md").read_text("utf-8")
    table = text.split("<!-- defaults-table -->", 1)[1].strip().split("\n\n", 1)[0]
    documented = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        documented[cells[0].strip("`")] = cells[-1].strip("`")
    assert documented == {name: str(getattr(BUILTIN, name)) if name in es.RUN_TRIGGERS
                          else f'"{getattr(BUILTIN, name)}"' for name in es.TRIGGERS}
    for code in es.TRIGGERS:
        assert re.search(rf"^\| `{code}`.* \| [A-Z].*\. \|$", text, re.MULTILINE), f"no example sentence for {code}"


def test_docs_policy_example_loads(tmp_path):
    text = (REPO / "docs" / "escalation.md").read_text("utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```toml\n")[1:]]
    example = next(b for b in blocks if b.startswith("[defaults]"))
    policy = load_policy(write(tmp_path, example),
                         rules=[rule("ae_4hr_76", tags=["nqb:safe"]), rule("c", tags=["cancer"])])
    assert policy_for(rule("c", tags=["cancer"]), policy).missed_consecutive == Steps(watch=1, escalate=2)


def test_read_policy_reports_into_a_project_loader(tmp_path):
    from assure import project as project_mod

    loader = project_mod.Loader(tmp_path)
    path = write(tmp_path, '[defaults]\nconsistently_fail = "watch"\n')
    policy = es.read_policy(loader, path, rules=[])
    assert policy.defaults.consistently_fail == "watch" and not loader.diagnostics
    assert [rel for rel, _ in loader.hashes] == ["escalation.toml"]
    assert es.read_policy(loader, write(tmp_path, "[rules.nope]\n"), rules=[]) is None
    assert [d.code for d in loader.diagnostics] == ["PJ03"]


def test_policy_path(tmp_path):
    assert es.policy_path(tmp_path, None) is None
    assert es.policy_path(tmp_path, "qpc.toml") == tmp_path / "qpc.toml"       # named: must exist, checked on read
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "escalation.toml").write_text("")
    assert es.policy_path(tmp_path, None) == tmp_path / "policy" / "escalation.toml"
