"""Helpers shared by the importer tests (tests/test_import_*.py)."""
