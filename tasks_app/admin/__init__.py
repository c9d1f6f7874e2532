"""The Chinese admin for plans, tasks and the workflow, one module per concept."""

from . import calendar, plans  # noqa: F401

# isort: split
from . import reminder_settings, reminders  # noqa: F401  log, emails, preview; rules, sweeps

# isort: split
# The workflow admin: "我的任务", the coordinator's start page, tasks, targets, records.
from . import records, responsibilities, tasks  # noqa: F401

# isort: split
# API and calendar tokens (revocation by administrators).
from tasks_app.api import admin as api_admin  # noqa: F401
