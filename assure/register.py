"""The commitments register: every commitment statement in the plan, each encoded by
rules or marked not testable with a reason. Read from register/*.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

KINDS = ("target", "target_undated", "direction", "milestone", "external", "qualitative")
STATUSES = ("encoded", "to_encode", "not_testable")


@dataclass(frozen=True)
class Commitment:
    id: str
    section: str
    programme: str
    statement: str
    locations: tuple[tuple[str, int], ...]
    kind: str
    status: str            # as written in the register: to_encode, not_testable (or encoded)
    reason: str
    conflicts: tuple[tuple[str, int, str], ...]
    rules: tuple[str, ...]  # rules the register itself names, if any
    path: str


def load(root: str, folder: str = "register") -> list[Commitment]:
    entries = []
    for path in sorted(Path(root, folder).glob("*.toml")):
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        for raw in data.get("commitment", ()):
            entries.append(Commitment(
                id=raw["id"], section=raw.get("section", ""), programme=raw.get("programme", ""),
                statement=raw.get("statement", ""),
                locations=tuple((loc["file"], int(loc["line"])) for loc in raw.get("locations", ())),
                kind=raw.get("kind", "qualitative"), status=raw.get("status", "to_encode"),
                reason=raw.get("reason", ""),
                conflicts=tuple((c["file"], int(c["line"]), c.get("says", "")) for c in raw.get("conflicts", ())),
                rules=tuple(raw.get("rules", ())), path=path.relative_to(root).as_posix(),
            ))
    return entries
