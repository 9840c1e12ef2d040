"""The Quality and Performance Committee's exception report: a finished Run (and the
rules project it was judged against) -> report.html and report.md.

The HTML is one self-contained file: inline CSS, charts and icons as inline SVG
(render/svg.py), no script, and nothing fetched from anywhere (a Content Security
Policy says so to the browser too), so it opens offline on an NHS laptop and prints
to PDF with one exception per page. Jinja2 autoescaping is on: everything that came
from a return, a rules file or a narrative is shown as text. The Markdown carries the
same content, escaped by render/markdown_out.md.

Nothing here reads a clock: the same run gives the same bytes unless `generated_at`
is passed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .periods import Period, reports_in
from .render import markdown_out, svg
from .results import VERDICT_ORDER

LEVEL_ORDER = {"icb": 0, "place": 1, "provider": 2}
LEVEL_WORDS = {"icb": "ICB", "place": "Place", "provider": "Provider"}
VERDICT_WORDS = markdown_out.WORDS
ESCALATION_ORDER = {"escalate": 0, "watch": 1, "none": 2}
ESCALATION_WORDS = {"escalate": "Escalate", "watch": "Watch", "none": "None"}
UNIT_WORDS = {"percent": "per cent (%)", "count": "a count", "minutes": "minutes", "per_1000": "per 1,000",
              "per_100k": "per 100,000", "per_million": "per million"}
POLARITY_WORDS = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better",
                  "neutral": "Neither higher nor lower is better"}
COMPARATOR_WORDS = {">=": "at least", "<=": "at most", ">": "above", "<": "below"}
FIRST_FAILURES = 5
NARRATIVE_FIELDS = (("commentary", "Commentary"), ("actions", "Actions"), ("recovery_date", "Recovery date"),
                    ("owner", "Narrative owner"))

# Text and background of each verdict's badge, and of escalation badges. Every pair has
# at least 4.5:1 contrast (WCAG 2.1 AA for normal text); tests/test_report.py checks.
VERDICT_COLOURS = {
    "met": ("#00401E", "#D9F2E3"),
    "at_risk": ("#5C3B00", "#FFECB3"),
    "missed": ("#7A0019", "#FBDADA"),
    "off_trajectory": ("#7A0019", "#FBDADA"),
    "not_due": ("#212B32", "#E8EDEE"),
    "no_data": ("#212B32", "#E8EDEE"),
    "invalid_data": ("#4A0A63", "#EFDDF7"),
}
ESCALATION_COLOURS = {"escalate": ("#FFFFFF", "#A00016"), "watch": ("#3D2800", "#FFD54F"),
                      "none": ("#425563", "#FFFFFF")}
PAGE_COLOURS = {"text": "#212B32", "secondary": "#425563", "link": "#005EB8", "background": "#FFFFFF",
                "border": "#AEB7BD", "flag": "#A00016"}


@dataclass
class Ctx:
    run: object
    project: object
    narratives: dict
    include_watch: bool
    generated_at: Optional[str]
    anchors: set = field(default_factory=set)

    def anchor(self, *parts) -> str:
        base = "-".join(re.sub(r"[^a-z0-9]+", "-", str(p).lower()).strip("-") or "x" for p in parts)
        candidate, n = base, 1
        while candidate in self.anchors:
            n += 1
            candidate = f"{base}-{n}"
        self.anchors.add(candidate)
        return candidate


def value_text(r, unit: str = "") -> str:
    """The result's value as the report prints it (markdown_out's rule: enough decimals
    never to print the target for a value that misses it), with % for percentages."""
    shown = markdown_out.value_text(r, unit)
    return shown + ("%" if unit == "percent" and r.value is not None else "")


def target_text(r, unit: str = "") -> str:
    if r.target is None:
        return "–"
    shown = markdown_out.number(r.target) + ("%" if unit == "percent" else "")
    return shown + (" (trajectory)" if r.target_kind == "trajectory" else "")


def commitment_text(rule, unit: str = "") -> str:
    """The rule's target in words: 'at least 76% by 2024-03 (warn band to 74%)'."""
    if rule is None:
        return ""
    pct = "%" if unit == "percent" else ""
    n = lambda v: markdown_out.number(v) + pct  # noqa: E731
    if rule.comparator == "eliminate":
        text = "eliminate (zero)"
    elif rule.comparator == "between":
        text = f"between {n(rule.target[0])} and {n(rule.target[1])}"
    else:
        text = f"{COMPARATOR_WORDS.get(rule.comparator, rule.comparator)} {n(rule.target[0])}"
    if rule.deadline:
        text += f" by {rule.deadline}"
    if rule.warn is not None:
        text += f" (at risk to {n(rule.warn)})"
    if rule.trajectory:
        text += f"; planned trajectory from {rule.trajectory[0][0]} ({n(rule.trajectory[0][1])}) to " \
                f"{rule.trajectory[-1][0]} ({n(rule.trajectory[-1][1])})"
    return text


def _period_label(text: str) -> str:
    try:
        p = Period.parse(text)
    except (ValueError, TypeError):
        return str(text)
    return p.first_day.strftime("%B %Y")


def _unit(ctx: Ctx, r) -> str:
    metric = ctx.project.metrics.get(r.metric) if ctx.project else None
    return metric.unit if metric else ""


def _result_row(ctx: Ctx, r, exception_anchor: dict) -> dict:
    unit = _unit(ctx, r)
    rule = ctx.project.rules.get(r.rule) if ctx.project else None
    return {
        "result": r, "rule_title": rule.title if rule else r.rule, "unit": unit,
        "value_text": value_text(r, unit), "target_text": target_text(r, unit),
        "verdict": r.verdict.value, "verdict_word": VERDICT_WORDS[r.verdict.value],
        "escalation": r.escalation.level, "escalation_word": ESCALATION_WORDS.get(r.escalation.level,
                                                                                 r.escalation.level),
        "level_word": LEVEL_WORDS.get(r.geography.level, r.geography.level),
        "exception": exception_anchor.get(id(r)),
        "data_value": "" if r.value is None else repr(r.value),
        "data_target": "" if r.target is None else repr(r.target),
    }


def _is_exception(r, include_watch: bool) -> bool:
    return r.escalation.level == "escalate" or (include_watch and r.escalation.level == "watch")


def _spc_target(rule) -> Optional[float]:
    if rule is None or rule.comparator == "between":
        return None
    return 0.0 if rule.comparator == "eliminate" else rule.target[0]


def chart(ctx: Ctx, r) -> dict:
    """The SPC chart of a result's series, and its points as a table for those who
    cannot see the chart."""
    from markupsafe import Markup

    from . import spc

    rule = ctx.project.rules.get(r.rule) if ctx.project else None
    metric = ctx.project.metrics.get(r.metric) if ctx.project else None
    if not r.series or (rule is not None and rule.kind == "milestone"):
        # A milestone is delivered or not: there is no series to chart.
        return {"svg": "", "rows": [], "note": "No chart: a milestone is judged from its return, not a series",
                "has_trajectory": False}
    periods = [p for p, _ in r.series]
    values = [v for _, v in r.series]
    unit = metric.unit if metric else ""
    improvement = {"higher_is_better": "increase", "lower_is_better": "decrease"}.get(
        metric.polarity if metric else "", "neutral")
    trajectory = []
    if rule is not None and rule.trajectory:
        for p in periods:
            try:
                trajectory.append(rule.trajectory_at(Period.parse(p)))
            except ValueError:
                trajectory.append(None)
    try:
        result = spc.analyse(values, improvement=improvement, target=_spc_target(rule))
    except ValueError as exc:
        return {"svg": "", "rows": [], "note": f"No chart: {exc}"}
    title = f"{rule.title if rule else r.rule}, {r.geography.name}"
    drawn = svg.spc_chart(result, labels=periods, title=title, unit=unit, target=_spc_target(rule),
                          trajectory=trajectory, standalone=False)
    rows = []
    for i, point in enumerate(result.points):
        rows.append({"period": periods[i], "value": svg.number(point.value, unit) if point.value is not None else "–",
                     "mean": "–" if point.mean is None else svg.number(point.mean, unit),
                     "limits": "–" if point.lpl is None or point.upl is None
                     else f"{svg.number(point.lpl, unit)} to {svg.number(point.upl, unit)}",
                     "trajectory": "" if not trajectory or trajectory[i] is None else svg.number(trajectory[i], unit),
                     "special": svg.POINT_TEXT.get(point.variation, "") + (
                         " (" + ", ".join(svg.RULE_TEXT.get(x, x) for x in point.rules) + ")"
                         if point.variation in svg.POINT_TEXT else "")})
    return {"svg": Markup(drawn), "rows": rows, "note": "; ".join(result.warnings), "has_trajectory": bool(trajectory)}


def _narrative(ctx: Ctx, r) -> Optional[list]:
    entry = ctx.narratives.get(f"{r.rule}/{r.geography.code}") or ctx.narratives.get(r.rule)
    if not entry:
        return None
    if not isinstance(entry, dict):
        entry = {"commentary": entry}
    items = []
    for key, label in NARRATIVE_FIELDS:
        value = entry.get(key)
        if value in (None, "", [], ()):
            continue
        items.append({"label": label, "value": [str(v) for v in value] if isinstance(value, (list, tuple))
                      else str(value), "is_list": isinstance(value, (list, tuple))})
    return items or None


def build(run, *, project, narratives: Optional[dict] = None, include_watch: bool = False,
          generated_at: Optional[str] = None) -> dict:
    """Everything the templates show, computed once: the templates only lay it out."""
    from markupsafe import Markup

    ctx = Ctx(run, project, narratives or {}, include_watch, generated_at)
    p = run.provenance
    by_rule = defaultdict(list)
    for r in run.results:
        by_rule[r.rule].append(r)
    for rows in by_rule.values():
        rows.sort(key=lambda r: (LEVEL_ORDER.get(r.geography.level, 9), r.geography.code))
    rules = project.rules if project else {}

    def programme_of(rule_id):
        rule = rules.get(rule_id)
        return (rule.programme if rule and rule.programme else "Other commitments")

    # Exceptions first, so every row can link to its exception page.
    exceptions = sorted((r for r in run.results if _is_exception(r, include_watch)),
                        key=lambda r: (ESCALATION_ORDER.get(r.escalation.level, 9), programme_of(r.rule), r.rule,
                                       LEVEL_ORDER.get(r.geography.level, 9), r.geography.code))
    exception_anchor = {id(r): ctx.anchor("exception", r.rule, r.geography.code) for r in exceptions}
    rows_of = {id(r): _result_row(ctx, r, exception_anchor) for r in run.results}

    programmes = defaultdict(list)
    rule_anchor = {}
    for rule_id in sorted(by_rule, key=lambda k: (programme_of(k), k)):
        rows = by_rule[rule_id]
        head = markdown_out.head_result(rows)
        rule = rules.get(rule_id)
        unit = _unit(ctx, head)
        worst = min((r.escalation.level for r in rows), key=lambda e: ESCALATION_ORDER.get(e, 9))
        anchor = ctx.anchor("rule", rule_id)
        rule_anchor[rule_id] = anchor
        programmes[programme_of(rule_id)].append({
            "id": rule_id, "title": rule.title if rule else rule_id, "anchor": anchor, "head": rows_of[id(head)],
            "head_is_icb": head.geography.level == "icb",
            "variation": head.spc.variation, "variation_text": svg.VARIATION_TEXT.get(head.spc.variation, ""),
            "variation_icon": Markup(svg.variation_icon(head.spc.variation)),
            "assurance": head.spc.assurance, "assurance_text": svg.ASSURANCE_TEXT.get(head.spc.assurance, ""),
            "assurance_icon": Markup(svg.assurance_icon(head.spc.assurance)),
            "variation_short": svg.VARIATION_SHORT.get(head.spc.variation, head.spc.variation),
            "assurance_short": svg.ASSURANCE_SHORT.get(head.spc.assurance, head.spc.assurance),
            "escalation": worst, "escalation_word": ESCALATION_WORDS.get(worst, worst),
            "escalation_count": sum(r.escalation.level == worst for r in rows) if worst != "none" else 0,
            "sparkline": Markup(svg.sparkline([v for _, v in head.series], labels=[q for q, _ in head.series],
                                              unit=unit)),
            "spark_text": "".join(_spark_chars([v for _, v in head.series])),
            "place_counts": markdown_out.counts([r for r in rows if r.geography.level == "place"]),
            "provider_counts": markdown_out.counts([r for r in rows if r.geography.level == "provider"]),
            "exceptions": [{"anchor": exception_anchor[id(r)], "geography": r.geography.name,
                            "level": r.escalation.level} for r in rows if id(r) in exception_anchor],
        })
    programme_list = [{"name": name, "anchor": ctx.anchor("programme", name), "rules": items}
                      for name, items in programmes.items()]

    places = _places(ctx, run, rows_of, rule_anchor, programme_of)
    exception_pages = [_exception(ctx, r, by_rule[r.rule], rows_of, exception_anchor, rule_anchor)
                       for r in exceptions]

    tally = Counter(r.verdict.value for r in run.results)
    levels = Counter(r.escalation.level for r in run.results)
    return {
        "title": f"{project.name if project else p.project}: assurance report, {_period_label(p.period)}",
        "project": project.name if project else p.project, "period": p.period,
        "period_label": _period_label(p.period),
        "verdict_counts": [{"verdict": v.value, "word": VERDICT_WORDS[v.value], "count": tally[v.value]}
                           for v in VERDICT_ORDER],
        "escalation_counts": [{"level": e, "word": ESCALATION_WORDS[e], "count": levels[e]}
                              for e in ("escalate", "watch", "none")],
        "results_count": len(run.results), "rules_count": len(by_rule),
        "programmes": programme_list, "places": places, "exceptions": exception_pages,
        "include_watch": include_watch,
        "submissions": _submissions(run), "unmatched": list(run.unmatched),
        "submitters": _submitters(run, project),
        "invalid_count": sum(not s.valid for s in run.submissions),
        "provenance": p, "generated_at": generated_at,
        "icon_key": _icon_key(),
        "css": _css(),
    }


def _spark_chars(values) -> list[str]:
    """A text sparkline (for Markdown): ▁▂▃▄▅▆▇█, a space for a missing period."""
    bars = "▁▂▃▄▅▆▇█"
    present = [v for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    return [" " if v is None else bars[min(7, int((v - low) / span * 7.999))] for v in values]


def _icon_key() -> list[dict]:
    from markupsafe import Markup

    key = [{"icon": Markup(svg.variation_icon(name)), "text": text} for name, text in svg.VARIATION_TEXT.items()]
    key += [{"icon": Markup(svg.assurance_icon(name)), "text": text} for name, text in svg.ASSURANCE_TEXT.items()]
    return key


def _places(ctx: Ctx, run, rows_of, rule_anchor, programme_of) -> list[dict]:
    register = getattr(ctx.project, "organisations", None) if ctx.project else None
    place_results = defaultdict(list)
    names = {}
    for r in run.results:
        if r.geography.level == "place":
            code = r.geography.code
            names[code] = r.geography.name
        elif r.geography.level == "provider":
            code = (register.place_of(r.geography.code) if register else None) or ""
        else:
            continue
        place_results[code].append(r)
    if register:
        for org in register.places:
            names.setdefault(org.code, org.name)
    out = []
    for code in sorted((c for c in place_results if c), key=lambda c: (names.get(c, c), c)):
        out.append(_place(ctx, names.get(code, code), code, place_results[code], rows_of, rule_anchor,
                          programme_of))
    if place_results.get(""):
        out.append(_place(ctx, "Providers serving more than one Place", "", place_results[""], rows_of,
                          rule_anchor, programme_of))
    return out


def _place(ctx, name, code, results, rows_of, rule_anchor, programme_of) -> dict:
    results = sorted(results, key=lambda r: (programme_of(r.rule), r.rule, LEVEL_ORDER.get(r.geography.level, 9),
                                             r.geography.code))
    rows = []
    for r in results:
        row = dict(rows_of[id(r)])
        row["rule_anchor"] = rule_anchor.get(r.rule, "")
        rows.append(row)
    tally = Counter(r.verdict.value for r in results)
    return {"name": name, "code": code, "anchor": ctx.anchor("place", code or name), "rows": rows,
            "counts": ", ".join(f"{tally[v.value]} {VERDICT_WORDS[v.value]}" for v in VERDICT_ORDER
                                if tally[v.value])}


def _exception(ctx: Ctx, r, siblings, rows_of, exception_anchor, rule_anchor) -> dict:
    rule = ctx.project.rules.get(r.rule) if ctx.project else None
    metric = ctx.project.metrics.get(r.metric) if ctx.project else None
    unit = metric.unit if metric else ""
    others = []
    for s in siblings:
        row = dict(rows_of[id(s)])
        row["is_this"] = s is r
        others.append(row)
    return {
        "anchor": exception_anchor[id(r)], "row": rows_of[id(r)], "result": r, "rule": rule, "metric": metric,
        "rule_anchor": rule_anchor.get(r.rule, ""),
        "commitment": commitment_text(rule, unit),
        "unit_words": UNIT_WORDS.get(unit, unit), "polarity_words": POLARITY_WORDS.get(
            metric.polarity if metric else "", ""),
        "chart": chart(ctx, r), "others": others,
        "reasons": [{"code": code, "sentence": sentence} for code, sentence in r.escalation.reasons],
        "caveats": list(r.caveats),
        "variation_text": svg.VARIATION_TEXT.get(r.spc.variation, ""),
        "assurance_text": svg.ASSURANCE_TEXT.get(r.spc.assurance, ""),
        "narrative": _narrative(ctx, r),
    }


def _submissions(run) -> list[dict]:
    out = []
    for s in run.submissions:
        out.append({"submission": s, "valid": s.valid, "status": "valid" if s.valid else "invalid",
                    "warnings": sum(f.severity != "error" for f in s.failures),
                    "first": list(s.failures[:FIRST_FAILURES]),
                    "more": max(0, s.failure_count - FIRST_FAILURES)})
    return out


def _submitters(run, project) -> list[dict]:
    """For each organisation expected to submit this period: which returns arrived (in
    the period folder when the check ran, which is what "on time" means here), which are
    missing, and which carried errors in its rows."""
    if project is None or project.organisations is None:
        return []

    period = Period.parse(run.provenance.period)
    register = project.organisations
    received = {s.dataset for s in run.submissions}
    missing, invalid = defaultdict(set), defaultdict(set)
    for f in [f for s in run.submissions for f in s.failures] + list(run.unmatched):
        if f.code == "DQ12":
            dataset = next((d for d in project.contracts if f"`{d}`" in f.message), "")
            for code in (c.strip() for c in f.value.split(",")):
                missing[code].add(dataset)
        elif f.severity == "error" and f.org:
            dataset = next((s.dataset for s in run.submissions if s.file == f.file), "")
            invalid[f.org].add(dataset)
    rows = []
    for org in sorted(register.organisations.values(), key=lambda o: (o.type != "icb", o.type, o.name)):
        expected = sorted(d for d in org.roles if d in project.contracts and org.open_in(period)
                          and reports_in(project.contracts[d].frequency, period))
        if not expected:
            continue
        gone = sorted(missing[org.code] | {d for d in expected if d not in received})
        bad = sorted(invalid[org.code] - set(gone))
        status = "missing returns" if gone else ("errors in returns" if bad else "complete and valid")
        rows.append({"code": org.code, "name": org.name, "expected": len(expected),
                     "received": len(expected) - len(gone), "missing": gone, "invalid": bad, "status": status,
                     "ok": not gone and not bad})
    return rows


def _css() -> str:
    lines = []
    for verdict, (fg, bg) in VERDICT_COLOURS.items():
        lines.append(f".v-{verdict.replace('_', '-')} {{ color: {fg}; background: {bg}; }}")
    for level, (fg, bg) in ESCALATION_COLOURS.items():
        lines.append(f".e-{level} {{ color: {fg}; background: {bg}; }}")
    return "\n".join(lines)


def _environment(markdown: bool):
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    if markdown:
        def finalize(value):
            if isinstance(value, Markup):
                return str(value)
            return markdown_out.md(value) if value is not None else ""
        env = Environment(loader=PackageLoader("assure", "templates"), autoescape=False, finalize=finalize,
                          undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                          lstrip_blocks=True)
        env.filters["raw"] = Markup
    else:
        env = Environment(loader=PackageLoader("assure", "templates"), autoescape=True, undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)
    env.filters["verdict_class"] = lambda v: "v-" + str(v).replace("_", "-")
    return env


def render_html(run, *, project, narratives: Optional[dict] = None, include_watch: bool = False,
                generated_at: Optional[str] = None) -> str:
    context = build(run, project=project, narratives=narratives, include_watch=include_watch,
                    generated_at=generated_at)
    return _environment(False).get_template("report.html.j2").render(**context)


def render_markdown(run, *, project, narratives: Optional[dict] = None, include_watch: bool = False,
                    generated_at: Optional[str] = None) -> str:
    context = build(run, project=project, narratives=narratives, include_watch=include_watch,
                    generated_at=generated_at)
    return _environment(True).get_template("report.md.j2").render(**context)


def load_narratives(path) -> dict:
    """Owners' narratives for a period from a TOML or JSON file: a table per rule id (or
    per "rule_id/GEOGRAPHY_CODE" for one geography), each with any of `commentary`,
    `actions` (text or a list), `recovery_date` and `owner`."""
    import json
    import tomllib

    from .errors import UsageError

    source = Path(path)
    try:
        text = source.read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read narratives file {source}: {exc.strerror}") from None
    try:
        data = json.loads(text) if source.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{source} is not valid {'JSON' if source.suffix.lower() == '.json' else 'TOML'}: {exc}",
                         hint="one table per rule id, e.g. [ae_4hr_76] actions = [\"...\"] "
                              "recovery_date = \"2024-09\"") from None
    if not isinstance(data, dict) or not all(isinstance(v, (dict, str)) for v in data.values()):
        raise UsageError(f"{source}: each entry must be a table keyed by rule id (or rule_id/CODE)")
    known = {key for key, _ in NARRATIVE_FIELDS}
    for key, entry in data.items():
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - known)
            if unknown:
                raise UsageError(f"{source}: narrative `{key}` has unknown field(s) {', '.join(unknown)}",
                                 hint=f"fields: {', '.join(sorted(known))}")
    return data


def write_report(run, out_dir, *, project, narratives: Optional[dict] = None, include_watch: bool = False,
                 generated_at: Optional[str] = None) -> list[Path]:
    """Write report.html and report.md into out_dir (created if need be); returns their paths.
    Each file is written whole then renamed, so a reader never sees half a report."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    context = build(run, project=project, narratives=narratives, include_watch=include_watch,
                    generated_at=generated_at)
    texts = (("report.html", _environment(False).get_template("report.html.j2").render(**context)),
             ("report.md", _environment(True).get_template("report.md.j2").render(**context)))
    written = []
    for name, text in texts:
        target = out / name
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
        written.append(target)
    return written
