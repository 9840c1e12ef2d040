"""The QPC report (assure/report.py): report.html and report.md for the demo period.

Escalation is built by another module, so these tests escalate results themselves
(dataclasses.replace) and check that every exception gets its page, every icon its
text, every number the value the JSON output gives, that nothing is fetched or run,
and that hostile text from a return stays text in every output format.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assure import project as project_mod
from assure import report
from assure.render import json_out, render, svg
from assure.results import Escalation, Failure

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = '=HYPERLINK("x")<script>alert(1)</script>'
REASONS = (("ES01", "missed for 3 consecutive periods"), ("ES02", "special-cause concerning variation"))
NARRATIVES = {"ga_bed_occupancy_92": {"actions": ["Open 20 escalation beds", "Discharge to assess"],
                                      "recovery_date": "2024-09", "owner": "UEC programme lead",
                                      "commentary": "Winter pressures persisted into March."}}


@pytest.fixture(scope="module")
def project():
    return project_mod.load(str(REPO))


@pytest.fixture(scope="module")
def run(run_2024_03):
    """The demo period with some results escalated (every bed occupancy Place that missed,
    one hypertension Place) and one on watch; whatever the escalation policy decided is
    cleared first, so the tests know exactly which results are exceptions."""
    results = [dataclasses.replace(r, escalation=Escalation()) for r in run_2024_03.results]
    watch_done = False
    for i, r in enumerate(results):
        if r.rule == "ga_bed_occupancy_92" and r.geography.level == "place" and r.verdict.value == "missed":
            results[i] = dataclasses.replace(r, escalation=Escalation("escalate", REASONS))
        elif r.rule == "hypertension_77" and r.geography.code == "E06000006":
            results[i] = dataclasses.replace(r, escalation=Escalation("escalate", REASONS[:1]))
        elif r.rule == "cancer_fds_75" and r.verdict.value == "missed" and not watch_done:
            results[i] = dataclasses.replace(r, escalation=Escalation("watch", (("ES03", "missed this month"),)))
            watch_done = True
    return dataclasses.replace(run_2024_03, results=tuple(results))


@pytest.fixture(scope="module")
def written(run, project, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = report.write_report(run, out, project=project, narratives=NARRATIVES)
    return {p.name: p.read_text("utf-8") for p in paths}, out


@pytest.fixture(scope="module")
def html(written):
    return written[0]["report.html"]


@pytest.fixture(scope="module")
def markdown(written):
    return written[0]["report.md"]


class Page(HTMLParser):
    """Elements (tag, attrs, path to them) and the text inside each element that carries data-rule."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []   # (tag, attrs dict)
        self.stack = []
        self.data_rows = []  # [attrs, text parts]
        self.open_rows = []
        self.headings = []
        self.badges = []
        self._heading = None
        self._badge = None
        self.svg_titles = []
        self._after_svg = None

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr", "area", "base", "embed"})

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if self._after_svg is not None:
            self.svg_titles.append((self._after_svg, tag))
            self._after_svg = None
        if tag == "svg":
            self._after_svg = attrs
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if "data-rule" in attrs:
            row = [attrs, [], len(self.stack)]
            self.data_rows.append(row)
            self.open_rows.append(row)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), []]
        if tag == "span" and "badge" in attrs.get("class", "").split():
            self._badge = []

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        depth = len(self.stack)
        while self.open_rows and self.open_rows[-1][2] >= depth:
            self.open_rows.pop()
        if self.stack:
            self.stack.pop()
        if self._heading and re.fullmatch(r"h[1-6]", tag):
            self.headings.append((self._heading[0], "".join(self._heading[1]).strip()))
            self._heading = None
        if tag == "span" and self._badge is not None:
            self.badges.append("".join(self._badge).strip())
            self._badge = None

    def handle_data(self, data):
        for row in self.open_rows:
            row[1].append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._badge is not None:
            self._badge.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def escalated(run, include_watch=False):
    levels = {"escalate", "watch"} if include_watch else {"escalate"}
    return [r for r in run.results if r.escalation.level in levels]


# --- structure and content ----------------------------------------------------


def test_write_report_writes_html_and_markdown(written):
    texts, out = written
    assert sorted(texts) == ["report.html", "report.md"]
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.md"]  # no temporary left


def test_every_escalated_result_has_an_exception_page(run, html, project):
    page = parse(html)
    articles = [a for t, a in page.elements if t == "article"]
    assert len(articles) == len(escalated(run)) >= 6
    by_key = {(a["data-rule"], a["data-geo"]): a for a in articles}
    for r in escalated(run):
        article = by_key[(r.rule, r.geography.code)]
        assert article["id"].startswith("exception-")
        assert f'href="#{article["id"]}"' in html  # linked from the summary
        heading = f"{project.rules[r.rule].title}: {r.geography.name}"
        assert (3, heading) in page.headings
    # the watch result has no page unless asked for
    assert not any(a["data-rule"] == "cancer_fds_75" for a in articles)


def test_include_watch_adds_pages_for_watch(run, project):
    page = parse(report.render_html(run, project=project, include_watch=True))
    articles = [a for t, a in page.elements if t == "article"]
    assert len(articles) == len(escalated(run, include_watch=True)) == len(escalated(run)) + 1


def test_an_exception_page_says_everything_the_committee_needs(run, html, project):
    r = next(x for x in escalated(run) if x.rule == "ga_bed_occupancy_92")
    rule = project.rules[r.rule]
    metric = project.metrics[r.metric]
    page = parse(html)
    article = next(row for row in page.data_rows if row[0].get("id", "").startswith("exception-")
                   and row[0]["data-geo"] == r.geography.code and row[0]["data-rule"] == r.rule)
    text = re.sub(r"\s+", " ", "".join(article[1]))
    for expected in (rule.source.quote, rule.source.file, rule.source.section, f"line {rule.source.line}",
                     metric.title, metric.description, "Lower is better", "per cent",
                     "missed for 3 consecutive periods", "special-cause concerning variation", rule.owner,
                     rule.committee, "Open 20 escalation beds", "2024-09", "UEC programme lead",
                     "Winter pressures persisted into March.", "Data quality caveats", "Every Place and provider"):
        assert expected in text, expected
    assert "No narrative supplied" not in text
    # every other result of the rule is listed with its value
    for other in (x for x in run.results if x.rule == r.rule):
        assert other.geography.name in text
    # the SPC chart is there, with the target line
    assert 'class="spc-chart"' in html and 'class="target"' in html
    hypertension = next(row for row in page.data_rows if row[0].get("id", "").startswith("exception-hypertension"))
    assert "No narrative supplied" in "".join(hypertension[1])


def test_trajectory_is_drawn_where_a_rule_has_one(run_2024_03, project):
    r = next(x for x in run_2024_03.results if x.rule == "ld_health_checks_75" and x.geography.level == "icb")
    results = tuple(dataclasses.replace(x, escalation=Escalation("escalate" if x is r else "none", REASONS))
                    for x in run_2024_03.results)
    html = report.render_html(dataclasses.replace(run_2024_03, results=results), project=project)
    assert 'class="trajectory"' in html
    assert "<th scope=\"col\" class=\"num\">Trajectory</th>" in html


def test_numbers_in_the_html_equal_the_json_results(run, html, project):
    document = json_out.document(run)
    expected = {(r["rule"], r["geography"]["code"]): r for r in document["results"]}
    page = parse(html)
    seen = set()
    by_key = {(r.rule, r.geography.code): r for r in run.results}
    for attrs, text, _ in page.data_rows:
        key = (attrs["data-rule"], attrs["data-geo"])
        want = expected[key]
        value = attrs["data-value"]
        assert (value == "") == (want["value"] is None), key
        if value:
            assert float(value) == want["value"], key
        target = attrs["data-target"]
        assert (target == "") == (want["target"] is None)
        if target:
            assert float(target) == want["target"]
        assert attrs["data-verdict"] == want["verdict"]
        result = by_key[key]
        unit = project.metrics[result.metric].unit if result.metric else ""
        shown = report.value_text(result, unit)
        assert shown in "".join(text), (key, shown)
        seen.add(key)
    assert seen == set(expected), "every result appears in the report"


def test_counts_at_the_top_match_the_run(run, html):
    document = json_out.document(run)
    page = parse(html)
    text = re.sub(r"\s+", " ", "".join(d for d in re.split(r"<[^>]+>", html)))
    for verdict, count in document["summary"]["verdicts"].items():
        word = report.VERDICT_WORDS[verdict]
        assert re.search(rf"{re.escape(word)}\s*</span></th><td class=\"num\">{count}</td>", html), verdict
    assert re.search(rf">Escalate</span></th><td class=\"num\">{len(escalated(run))}</td>", html)
    assert page.headings[0] == (1, f"{run.provenance.project}: assurance report, March 2024")
    invalid = sum(not s.valid for s in run.submissions)
    assert f"{len(run.submissions)} returns ({invalid} invalid)" in text


def test_every_icon_has_a_text_equivalent(html):
    page = parse(html)
    svgs = [a for t, a in page.elements if t == "svg"]
    assert len(svgs) > 20
    for attrs in svgs:
        assert attrs.get("role") == "img"
        assert attrs.get("aria-label", "").strip()
    assert all(tag == "title" for _, tag in page.svg_titles)
    labels = {a["aria-label"] for a in svgs}
    # the icon key lists every MDC icon with its words
    assert set(svg.VARIATION_TEXT.values()) <= labels
    assert set(svg.ASSURANCE_TEXT.values()) <= labels
    icons = [a for a in svgs if "icon" in a.get("class", "").split()]
    assert all(a["aria-label"] in set(svg.VARIATION_TEXT.values()) | set(svg.ASSURANCE_TEXT.values())
               for a in icons)


def test_verdicts_are_always_written_in_words(html):
    page = parse(html)
    assert page.badges and all(page.badges)
    words = (set(report.VERDICT_WORDS.values()) | set(report.ESCALATION_WORDS.values()) | {"valid", "invalid"}
             | {"complete and valid", "missing returns", "errors in returns"})
    assert set(page.badges) <= words


def test_headings_are_in_order_and_tables_have_scoped_headers(html):
    page = parse(html)
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, (before, after)
    headers = [a for t, a in page.elements if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row", "rowgroup", "colgroup") for a in headers)
    assert all(a.get("alt") is not None for t, a in page.elements if t == "img")
    assert '<html lang="en-GB">' in html


def test_nothing_is_fetched_or_run(html):
    lower = html.lower()
    assert "<script" not in lower
    assert not re.search(r"""(src|href|xlink:href|action|poster|srcset)\s*=\s*["']?\s*(https?:)?//""", lower)
    assert "http://" not in lower and "https://" not in lower
    for tag in ("<link", "<img", "<iframe", "<object", "<embed", "<video", "<audio", "@import", "url(", "@font-face"):
        assert tag not in lower, tag
    assert all(v.startswith("#") for v in re.findall(r'href="([^"]*)"', html))
    assert "default-src 'none'" in html  # the browser is told too


def test_filters_by_programme_and_place_work_without_scripting(run, html, project):
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links <= ids, links - ids
    for programme in {rule.programme for rule in project.rules.values()}:
        assert re.search(rf'<a href="#programme-[^"]+">{re.escape(programme)}</a>', unescape(html)), programme
    for place in project.organisations.places:
        anchor = f"place-{place.code.lower()}"
        assert anchor in ids and f'href="#{anchor}"' in html
        section = html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
        for r in run.results:
            if r.geography.level == "place" and r.geography.code == place.code:
                assert f'data-rule="{r.rule}" data-geo="{r.geography.code}"' in section
            if r.geography.level == "provider" and project.organisations.place_of(r.geography.code) == place.code:
                assert f'data-rule="{r.rule}" data-geo="{r.geography.code}"' in section


def test_print_stylesheet_puts_each_exception_on_its_own_page(html):
    css = html.split("@media print", 1)[1]
    assert re.search(r"\.exception\s*\{[^}]*page-break-before:\s*always", css)
    assert "break-inside: avoid" in css and "page-break-inside: avoid" in css


def test_data_quality_section(run, html):
    section = html.split('id="data-quality"', 1)[1].split("</section>", 1)[0]
    for s in run.submissions:
        assert s.file in section
        for f in s.failures[:5]:
            assert f.code in section
    assert section.count(">invalid</span>") == sum(not s.valid for s in run.submissions)
    assert "2024-03/notes_for_analyst.txt matches no dataset contract" in section


def test_provenance_and_reproducibility(run, project, html):
    p = run.provenance
    footer = html.split('<footer id="provenance"', 1)[1]
    for text in (p.engine_version, p.rules_version, p.run_id, p.period):
        assert text in footer
    for file, sha in p.inputs:
        assert file in footer and sha in footer
    assert "Generated" not in footer
    options = {"project": project, "narratives": NARRATIVES}
    assert report.render_html(run, **options) == html
    stamped = report.render_html(run, generated_at="2024-04-10 09:00", **options)
    assert "2024-04-10 09:00" in stamped.split('<footer id="provenance"', 1)[1]


def test_colours_meet_wcag_aa():
    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a, b):
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for fg, bg in list(report.VERDICT_COLOURS.values()) + list(report.ESCALATION_COLOURS.values()):
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    for name, colour in svg.COLOURS.items():
        if name != "grid":  # gridlines carry no information
            assert contrast(colour, "#FFFFFF") >= 3.0, name
    for name in ("text", "secondary", "link"):
        assert contrast(report.PAGE_COLOURS[name], "#FFFFFF") >= 4.5
    css = (REPO / "assure" / "templates" / "report.css").read_text()
    for colour in set(re.findall(r"(?<![-\w])color:\s*(#[0-9A-Fa-f]{6})", css)):  # text colours
        assert contrast(colour, "#FFFFFF") >= 4.5 or colour.upper() == "#FFFFFF", colour


def test_markdown_report_carries_the_same_content(run, markdown, project):
    from markdown_it import MarkdownIt

    for r in escalated(run):
        title = project.rules[r.rule].title
        assert f"### {report.markdown_out.md(title)}: {report.markdown_out.md(r.geography.name)}" in markdown
    assert markdown.count("**No narrative supplied**") == len(escalated(run)) - sum(
        r.rule in NARRATIVES for r in escalated(run))
    assert "Open 20 escalation beds" in markdown
    for _, sha in run.provenance.inputs:
        assert sha in markdown
    for programme in {rule.programme for rule in project.rules.values()}:
        assert f"### {report.markdown_out.md(programme)}" in markdown
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert html.count("<table>") > 10
    assert "| ---" not in html and "| Period |" not in html  # every table parsed as a table
    assert "<script" not in html


def test_narratives_load_from_toml_or_json_and_may_name_one_geography(run, project, tmp_path):
    toml = tmp_path / "2024-03.toml"
    toml.write_text('[ga_bed_occupancy_92]\nactions = ["Open beds"]\nrecovery_date = 2024-09-30\n\n'
                    '["hypertension_77/E06000006"]\ncommentary = "Halton: case finding in pharmacies"\n')
    notes = report.load_narratives(toml)
    assert notes["hypertension_77/E06000006"]["commentary"].startswith("Halton")
    html = report.render_html(run, project=project, narratives=notes)
    assert "Halton: case finding in pharmacies" in html and "2024-09-30" in html
    as_json = tmp_path / "n.json"
    as_json.write_text('{"ga_bed_occupancy_92": {"owner": "Lead"}}')
    assert report.load_narratives(as_json) == {"ga_bed_occupancy_92": {"owner": "Lead"}}
    from assure.errors import UsageError

    bad = tmp_path / "bad.toml"
    bad.write_text('[ga_bed_occupancy_92]\nrecovery = "soon"\n')
    with pytest.raises(UsageError, match="unknown field"):
        report.load_narratives(bad)
    bad.write_text("not toml = = =")
    with pytest.raises(UsageError, match="not valid TOML"):
        report.load_narratives(bad)
    with pytest.raises(UsageError, match="cannot read"):
        report.load_narratives(tmp_path / "missing.toml")


# --- hostile strings ----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(run, project):
    """HOSTILE (a formula and a script) as an org name, a failure message and value, a
    narrative, a rule title, a metric description and an escalation reason."""
    results = list(run.results)
    i = next(i for i, r in enumerate(results) if r.escalation.level == "escalate")
    r = results[i]
    results[i] = dataclasses.replace(
        r, geography=dataclasses.replace(r.geography, name=HOSTILE), reason=HOSTILE, caveats=(HOSTILE,),
        escalation=Escalation("escalate", (("ES01", HOSTILE),)))
    submissions = list(run.submissions)
    k = next(k for k, s in enumerate(submissions) if not s.valid)
    bad = Failure(submissions[k].file, 3, HOSTILE, HOSTILE, "DQ03", HOSTILE + "\n::error::x", "error", HOSTILE)
    submissions[k] = dataclasses.replace(submissions[k], failures=(bad,) + submissions[k].failures,
                                         failure_count=submissions[k].failure_count + 1)
    hostile_run = dataclasses.replace(run, results=tuple(results), submissions=tuple(submissions))
    rule = project.rules[r.rule]
    metric = project.metrics[r.metric]
    hostile_project = dataclasses.replace(
        project, rules={**project.rules, r.rule: dataclasses.replace(rule, title=HOSTILE)},
        metrics={**project.metrics, r.metric: dataclasses.replace(metric, description=HOSTILE)})
    narratives = {r.rule: {"actions": [HOSTILE], "recovery_date": HOSTILE, "owner": HOSTILE,
                           "commentary": HOSTILE}}
    return hostile_run, hostile_project, narratives


def test_hostile_strings_render_as_text_in_html(hostile):
    run, project, narratives = hostile
    html = report.render_html(run, project=project, narratives=narratives)
    assert "<script" not in html.lower()
    escaped = "=HYPERLINK(&#34;x&#34;)&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html.count(escaped) >= 8
    page = parse(html)
    texts = [t for _, t in page.headings]
    assert any(HOSTILE in t for t in texts)  # the rule title, shown as text
    assert not any(t == "script" for t, _ in page.elements)


def test_hostile_strings_render_as_text_in_markdown(hostile):
    from markdown_it import MarkdownIt

    run, project, narratives = hostile
    text = report.render_markdown(run, project=project, narratives=narratives)
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert "<a " not in html.split("<h2>Exceptions</h2>")[1]  # no link made from returned text


def test_hostile_strings_stay_text_in_ci_formats(hostile):
    run, _, _ = hostile
    junit = render(run, "junit", fail_on="escalation")
    root = ET.fromstring(junit)
    assert not list(root.iter("script"))
    assert any(HOSTILE in (c.get("name") or "") for c in root.iter("testcase"))
    github = render(run, "github", fail_on="escalation")
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in github.splitlines())
    assert "%0A::error::x" in github
    rows = list(csv.reader(io.StringIO(render(run, "csv"))))
    cells = [c for row in rows for c in row]
    assert "'" + HOSTILE in cells and HOSTILE not in cells


# --- in a real browser --------------------------------------------------------


BROWSER_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium; the Makefile installs it in CI)")
def test_report_in_a_headless_browser(written):
    _, out = written
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    shot = ARTIFACTS / "report.png"
    url = (out / "report.html").resolve().as_uri()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_cli(url, shot)
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            console, requests, errors = [], [], []
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            page.screenshot(path=str(shot))  # the summary; a whole report can outgrow a screenshot
            assert page.locator("article.exception").count() > 0
            assert page.evaluate("document.scripts.length") == 0
            # printing lays each exception on its own page
            page.emulate_media(media="print")
            assert page.locator("article.exception").first.evaluate(
                "e => getComputedStyle(e).breakBefore") == "page"
        finally:
            browser.close()
    assert not errors
    assert not [m for m in console if m[0] in ("error", "warning")], console
    assert requests == [url], requests


def _browser_cli(url: str, shot: Path) -> None:
    """Without Playwright: Chromium's own screenshot, and its console log (a blocked fetch
    or a script error is logged there; the page's CSP forbids every fetch)."""
    outcome = subprocess.run(
        [str(CHROMIUM), *BROWSER_ARGS, "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
         "--window-size=1280,4000", f"--screenshot={shot}", url],
        capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000, outcome.stderr[-2000:]
    console = [line for line in outcome.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    dom = subprocess.run([str(CHROMIUM), *BROWSER_ARGS, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=False).stdout
    assert "exception" in dom and "<script" not in dom.lower()


def test_chromium_is_where_the_browser_test_expects_it_or_the_skip_says_why():
    # Documents the one skip: the browser test runs whenever Debian's chromium is installed.
    assert CHROMIUM.exists() or shutil.which("chromium") is None


def test_data_quality_lists_every_submitter_with_its_missing_and_invalid_returns(run):
    from assure import project as project_mod

    project = project_mod.load(str(REPO))
    rows = {o["code"]: o for o in report._submitters(run, project)}
    assert rows["RJN"]["missing"] == ["ae_monthly"] and rows["RJN"]["status"] == "missing returns"
    assert "bed_occupancy_monthly" in rows["RBL"]["invalid"]
    assert rows["QYG"]["ok"] and rows["QYG"]["status"] == "complete and valid"
    html = report.render_html(run, project=project)
    assert "Returns by submitter for 2024-03" in html and "East Cheshire" in html
