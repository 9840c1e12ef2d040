"""Which commitments of the plan are encoded as rules, which are not testable and why,
and which are still to do: the register joined to the rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .register import Commitment


@dataclass(frozen=True)
class Entry:
    commitment: Commitment
    status: str               # encoded | to_encode | not_testable
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    entries: tuple[Entry, ...]
    problems: tuple[str, ...]  # register -> missing rule, rule -> no or unknown register entry

    def counts(self, key) -> dict:
        table: dict = defaultdict(Counter)
        for e in self.entries:
            table[key(e)][e.status] += 1
        return {k: dict(table[k]) for k in sorted(table, key=_order)}


def section_number(section: str) -> str:
    """'4.15 Urgent and Emergency Care' -> '4.15'; sections without a number keep their name."""
    head = section.split(" ")[0].rstrip(".")
    return head if head[:1].isdigit() else section


def _order(key: str):
    parts = key.split(".")
    return (0, [int(p) for p in parts]) if all(p.isdigit() for p in parts) else (1, key)


def build(commitments: list[Commitment], rules: dict) -> Coverage:
    by_id = {c.id: c for c in commitments}
    cited: dict[str, list[str]] = defaultdict(list)
    problems = []
    for rule in sorted(rules.values(), key=lambda r: r.id):
        if not rule.register:
            problems.append(f"{rule.path}:{rule.line}: rule `{rule.id}` cites no register entry")
        for ident in rule.register:
            if ident not in by_id:
                problems.append(f"{rule.path}:{rule.line}: rule `{rule.id}` cites register entry {ident}, which does not exist")
            else:
                cited[ident].append(rule.id)
    entries = []
    for c in commitments:
        for name in c.rules:
            if name not in rules:
                problems.append(f"{c.path}: {c.id} names rule `{name}`, which does not exist")
        named = tuple(sorted(set(cited.get(c.id, [])) | {r for r in c.rules if r in rules}))
        status = "encoded" if named else ("not_testable" if c.status == "not_testable" else "to_encode")
        if status == "not_testable" and not c.reason.strip():
            problems.append(f"{c.path}: {c.id} is not testable but gives no reason")
        entries.append(Entry(c, status, named))
    return Coverage(tuple(entries), tuple(problems))
