"""The Chinese admin for plans, tasks and the workflow, one module per concept."""

from . import calendar, plans  # noqa: F401
