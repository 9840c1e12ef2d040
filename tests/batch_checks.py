"""Checks every batch of encoded commitments must pass: its generator reproduces the
shipped fixtures byte for byte, its files lint clean, and every citation holds."""

from __future__ import annotations

import importlib.util
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
