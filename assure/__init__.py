"""assure: an assurance engine and metrics linter for a Joint Forward Plan."""

__version__ = "0.1.0"
