"""TR01-TR04: every rule is traceable to the plan (its quote is where it says), to a
person (its owner) and to the commitments register."""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata

from .context import Context, diagnostic
from .units import unit_suspect

NEAR = 3  # lines either side of the cited line
_PLAIN = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...",
}
# Regular expressions that match only what must change: str.translate with a dict, or a
# substitution at every space, would cost more than every other check together.
_TYPOGRAPHIC = re.compile("[" + "".join(_PLAIN) + "]")
_RUNS = re.compile("  +")
_SPACE = re.compile(r"\s+")
_GAP = re.compile(r"\s*\.\.\.\s*")


def _plain(text: str) -> str:
    return _TYPOGRAPHIC.sub(lambda m: _PLAIN[m.group(0)], unicodedata.normalize("NFKC", text))


def normalise(text: str) -> str:
    """Whitespace collapsed, typographic quotes and dashes made plain, as PDF text needs."""
    return _SPACE.sub(" ", _plain(text)).strip()


def check(ctx: Context):
    for rule in ctx.rules():
        yield from _cited(ctx, rule, rule.source, ("source",))
        for i, source in enumerate(rule.not_followed):
            yield from _cited(ctx, rule, source, ("not_followed", i))
        yield from _owner(ctx, rule)
        yield from _register(ctx, rule)
        yield from _numbers(ctx, rule)


class _Document:
    """One plan document, normalised once: its text as one string and where each line starts."""

    def __init__(self, lines: list[str]):
        # One pass over the whole text (not one per line): a 4,000-line plan in milliseconds.
        text = _plain("\n".join(lines))  # NFKC has made no-break and other spaces plain
        for blank in "\t\r\f\v":
            text = text.replace(blank, " ")
        text = _RUNS.sub(" ", text)
        parts = [part.strip() for part in text.split("\n")]
        self.starts, offset = [], 0
        for part in parts:
            self.starts.append(offset)
            offset += len(part) + 1
        self.text = " ".join(parts)  # a quote may run across line breaks
        self.count = len(lines)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def find(self, quote: str):
        """Line numbers where the quote starts (parts separated by `...` may have words between)."""
        pieces = [p for p in _GAP.split(normalise(quote)) if p]
        if not pieces:
            return
        start = self.text.find(pieces[0])
        while start >= 0:
            at = start + len(pieces[0])
            for piece in pieces[1:]:
                at = self.text.find(piece, at)
                if at < 0 or self.line_of(at) - self.line_of(start) > 2 * NEAR + 20:
                    break
                at += len(piece)
            else:
                yield self.line_of(start)
            start = self.text.find(pieces[0], start + 1)


def _document(ctx: Context, name: str):
    key = ("document", name)
    if key not in ctx.cache:
        lines = ctx.source_lines(name)
        ctx.cache[key] = _Document(lines) if lines is not None else None
    return ctx.cache[key]


def _cited(ctx: Context, rule, source, keys):
    document = _document(ctx, source.file)
    if document is None:
        known = _known_sources(ctx)
        close = difflib.get_close_matches(source.file, known, n=1)
        yield diagnostic("TR02", f"the cited document `{source.file}` is not in {ctx.project.sources_dir}/",
                         ctx.rule_at(rule, *keys, "file", value=True),
                         f"did you mean `{close[0]}`?" if close else f"put the document in {ctx.project.sources_dir}/")
        return
    if source.line > document.count:
        yield diagnostic("TR02", f"line {source.line} is past the end of `{source.file}` ({document.count} lines)",
                         ctx.rule_at(rule, *keys, "line", value=True), "cite the line the quote is on")
        return
    lines = list(document.find(source.quote))
    if any(abs(line - source.line) <= NEAR for line in lines):
        return
    if lines:  # the words are there, the citation is wrong: point at the line number
        nearest = min(lines, key=lambda line: abs(line - source.line))
        yield diagnostic("TR01", f"quote not found within {NEAR} lines of {source.file}:{source.line}; it is at "
                         f"line {nearest}", ctx.rule_at(rule, *keys, "line", value=True), f"line = {nearest}")
        return
    yield diagnostic("TR01", f"quote not found in {source.file}, near line {source.line} or anywhere else",
                     ctx.rule_at(rule, *keys, "quote", value=True),
                     f"copy the words exactly from {source.file}:{source.line} (`...` may stand for words left out)")


def _known_sources(ctx: Context) -> list[str]:
    folder = ctx.root / ctx.project.sources_dir
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _owner(ctx: Context, rule):
    if rule.owner.strip():
        return
    has = ctx.has_key(rule.path, ("rules", rule.id, "owner"))
    yield diagnostic("TR03", f"rule `{rule.id}` has no owner",
                     ctx.rule_at(rule, "owner", value=True) if has else ctx.rule_at(rule),
                     'name who answers for it: owner = "<programme or person>"')


def _register(ctx: Context, rule):
    if not ctx.register.present:
        return
    if not rule.register:
        has = ctx.has_key(rule.path, ("rules", rule.id, "register"))
        yield diagnostic("TR04", f"rule `{rule.id}` cites no commitment in the register",
                         ctx.rule_at(rule, "register", value=True) if has else ctx.rule_at(rule),
                         'register = ["<id of the [[commitment]] it encodes>"] (see `assure coverage`)')
        return
    for ident in rule.register:
        if ident in ctx.register.entries:
            continue
        close = difflib.get_close_matches(ident, list(ctx.register.entries), n=1)
        yield diagnostic("TR04", f"register entry `{ident}` does not exist",
                         ctx.rule_at(rule, "register", value=True),
                         f"did you mean `{close[0]}`?" if close else "register ids are in register/*.toml")


# -- TR07: the rule's numbers are in the words it quotes ---------------------------------------

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "fifty": 50, "hundred": 100,
          "half": 50, "halve": 50, "double": 100, "zero": 0, "eliminate": 0, "elimination": 0, "eradicate": 0,
          "quarterly": 4, "annual": 1, "annually": 1, "yearly": 1}
_ALL = re.compile(r"\b(all|every|everyone|everybody|each|full|fully|universal)\b", re.I)


def _stated(texts: list[str]) -> set[float]:
    found = set()
    for text in texts:
        for match in _NUMBER.findall(text):
            try:
                found.add(float(match.replace(",", "")))
            except ValueError:
                continue
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in _WORDS:
                found.add(float(_WORDS[word]))
        if _ALL.search(text):
            found.add(100.0)
    return found


def _numbers(ctx: Context, rule):
    if rule.kind == "milestone":
        return
    wanted = []
    # A target in the wrong unit (0.92 for 92%, 1800 seconds for 30 minutes) is reported by
    # UN01, UN03 or UN04; saying its number is missing too would only repeat that finding.
    if rule.kind == "threshold" and rule.comparator != "eliminate" and \
            not unit_suspect(rule, ctx.project.metrics.get(rule.metric)):
        wanted += [("target", value) for value in rule.target]
    if rule.kind in ("direction", "gap") and rule.by:
        wanted.append(("by", rule.by))
    if rule.kind == "threshold":  # a direction rule's own values are baselines, not plan figures
        wanted += [(f"targets.{code}", value) for code, values in rule.targets for value in values]
    if not wanted:
        return
    stated = _stated([rule.source.quote] + [s.quote for s in rule.not_followed])
    for key, value in wanted:
        if any(abs(value - number) < 1e-9 for number in stated):
            continue
        path = ("targets", key.split(".", 1)[1]) if key.startswith("targets.") else (key,)
        yield diagnostic("TR07", f"{value:g} ({key}) is not in the words the rule quotes",
                         ctx.rule_at(rule, *path, value=True),
                         "quote the words that state it; if it is worked out or comes from elsewhere, say how "
                         "in `rationale` and add `# assure: ignore[TR07] <why>`")
