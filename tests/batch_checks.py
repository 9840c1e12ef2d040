"""Checks every batch of encoded commitments must pass: its generator reproduces the
shipped fixtures byte for byte, its files lint clean, and every citation holds."""

from __future__ import annotations

import csv
import importlib.util
import re
import tomllib

from conftest import REPO, SUBMISSIONS


def generator_reproduces_fixtures(batch: str, datasets: tuple, tmp_path, files: int) -> None:
    name = f"generate_{batch}"
    spec = importlib.util.spec_from_file_location(name, REPO / "fixtures" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "byte-identical" in module.__doc__ and f"python fixtures/{name}.py" in module.__doc__
    first = module.main(tmp_path / "a")
    second = module.main(tmp_path / "b")
    assert len(first) == files
    for a, b in zip(first, second):
        rel = a.relative_to(tmp_path / "a")
        assert rel == b.relative_to(tmp_path / "b")
        assert rel.name.startswith(datasets), rel
        assert a.read_bytes() == b.read_bytes(), rel
        assert a.read_bytes() == (SUBMISSIONS / rel).read_bytes(), f"{rel} is out of date: rerun the generator"


def lints_clean(batch: str) -> None:
    from assure.lint import lint

    files = [REPO / "rules" / f"plan_{batch}.toml", REPO / "metric_defs" / f"plan_{batch}.toml"]
    report = lint(str(REPO), paths=[str(f) for f in files if f.exists()])  # milestones have no metrics
    assert report.diagnostics == (), [f"{d.location.path}:{d.location.line} {d.code} {d.message}"
                                      for d in report.diagnostics]


def citations_hold(batch: str, rules: list[str]) -> None:
    """Cited register entries exist, quotes start on (or within three lines of) their lines,
    and every rule names an owner and an NQB domain."""
    from assure.lint_rules.trace import normalise

    data = tomllib.loads((REPO / "rules" / f"plan_{batch}.toml").read_text("utf-8"))["rules"]
    assert sorted(data) == sorted(rules)
    register_text = "".join(p.read_text("utf-8") for p in sorted((REPO / "register").glob("*.toml")))
    for rid, rule in data.items():
        for ident in rule["register"]:
            assert f'id = "{ident}"' in register_text, (rid, ident)
        for source in [rule["source"], *rule.get("not_followed", ())]:
            lines = (REPO / "sources" / source["file"]).read_text("utf-8").splitlines()
            # The quote starts within three lines of the cited one; pieces after a `...` may
            # follow further down the same passage (a list under its lead-in), as lint allows.
            first, *rest = [p.strip() for p in normalise(source["quote"]).split("...") if p.strip()]
            near = normalise(" ".join(lines[max(0, source["line"] - 4): source["line"] + 3]))
            assert first in near, (rid, source["line"], first)
            passage = normalise(" ".join(lines[max(0, source["line"] - 4): source["line"] + 30]))
            for piece in rest:
                assert piece in passage, (rid, source["line"], piece)
        assert rule["owner"] and any(t.startswith("nqb:") for t in rule["tags"]), rid


# -- reading the fixture returns by hand, independently of DuckDB -------------------------------

def key(header: str) -> str:
    """A header as the contracts match it: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def rows(name: str, period: str = "2024-03") -> list[dict]:
    """The rows of `<name>_<period>` (Parquet if shipped so, else CSV with `,` or `;`), keyed by key()."""
    parquet = SUBMISSIONS / period / f"{name}_{period}.parquet"
    if parquet.exists():
        import pyarrow.parquet as pq

        return [{key(k): v for k, v in row.items()} for row in pq.read_table(parquet).to_pylist()]
    with open(SUBMISSIONS / period / f"{name}_{period}.csv", newline="", encoding="utf-8", errors="replace") as handle:
        sample = handle.readline()
        handle.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        return [{key(k): v for k, v in row.items()} for row in csv.DictReader(handle, delimiter=delimiter)]


def total(data, column: str, orgs=None, blank=None) -> float:
    """The column summed over the rows (of `orgs` only, if given); an empty cell is an error
    unless `blank` says what it counts as."""
    return sum(float(r[key(column)] if blank is None or r[key(column)] else blank)
               for r in data if orgs is None or r["orgcode"] in orgs)


def share(data, num: str, den: str, orgs=None, scale: float = 100.0) -> float:
    return total(data, num, orgs) / total(data, den, orgs) * scale


def num(value) -> float | None:
    return None if value in ("", None) else float(value)


def host_place(places_host_themselves: bool = False) -> dict:
    """{org code: the Place it counts towards}, from the organisation register."""
    register = tomllib.loads((REPO / "reference" / "organisations.toml").read_text("utf-8"))
    return {o["code"]: o["code"] if places_host_themselves and o["type"] == "place" else o["place"]
            for o in register["organisation"]}
