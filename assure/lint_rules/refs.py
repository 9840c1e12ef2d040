"""RF01: tags name things that exist. The loader (PJ03) already checks metrics,
datasets and organisations, Places included; tags are free text to it."""

from __future__ import annotations

import difflib
import re
from collections import Counter

from .context import Context, diagnostic

NQB = ("caring", "effective", "equitable", "responsive", "safe", "well-led")  # National Quality Board domains


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check(ctx: Context):
    places = sorted(slug(p.name) for p in ctx.project.organisations.places)
    used = Counter(t for rule in ctx.rules() for t in set(rule.tags))
    vocabulary = set(ctx.settings.tags)
    known = vocabulary | set(ctx.register.tags)
    for rule in ctx.rules():
        for tag in dict.fromkeys(rule.tags):
            problem = _problem(tag, places, known, vocabulary, used)
            if problem:
                message, choices = problem
                close = difflib.get_close_matches(tag, choices, n=1, cutoff=0.6)
                yield diagnostic("RF01", f"tag `{tag}` {message}", _tag_at(ctx, rule, tag),
                                 f"did you mean `{close[0]}`?" if close else _known(choices))


def _problem(tag: str, places, known, vocabulary, used):
    namespace, _, name = tag.partition(":")
    if name and namespace == "nqb":
        return (None if name in NQB else ("is not a National Quality Board domain", [f"nqb:{d}" for d in NQB]))
    if name and namespace == "place":
        return (None if name in places else ("names no Place in the organisation register",
                                             [f"place:{p}" for p in places]))
    if tag in known:
        return None
    if vocabulary:
        return ("is not in the project's tag vocabulary ([tool.assure.lint] tags)", sorted(vocabulary))
    # Without a vocabulary, a tag is suspect only when it is a near-miss of one in use elsewhere.
    others = sorted((known | set(used)) - {tag})
    if used[tag] == 1 and difflib.get_close_matches(tag, others, n=1, cutoff=0.8):
        return ("is used by no other rule or register entry, and looks like a misspelling", others)
    return None


def _known(choices) -> str:
    shown = ", ".join(choices[:12])
    return f"known: {shown}{', ...' if len(choices) > 12 else ''}"


def _tag_at(ctx: Context, rule, tag: str):
    location = ctx.rule_at(rule, "tags", value=True)
    found = ctx.files.get(rule.path)
    if found is None or not location.line:
        return location
    col = found.lines[location.line - 1].find(f'"{tag}"', location.col - 1)
    return type(location)(location.path, location.line, col + 1) if col >= 0 else location
