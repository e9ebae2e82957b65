"""improve: continuous improvement as code (retros, RCAs, runbooks, decision records)."""

__version__ = "0.1.0"
