"""reprostore: a record store for computational provenance (Sumatra records and outpack packets)."""

__version__ = "0.1.0"
