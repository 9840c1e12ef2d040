"""Renderers: each turns a finished Run into one output format, computing nothing."""

from __future__ import annotations

from importlib import import_module

CHECK_FORMATS = ("text", "json", "junit", "github", "markdown", "csv")
EXTENSIONS = {".json": "json", ".xml": "junit", ".md": "markdown", ".txt": "text", ".csv": "csv"}


def render(run, fmt: str, **options) -> str:
    module = import_module(f"assure.render.{fmt}_out")
    return module.render(run, **options)


def format_for(path: str) -> str:
    from pathlib import Path

    return EXTENSIONS.get(Path(path).suffix.lower(), "json")
