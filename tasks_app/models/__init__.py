"""Models of the tasks app, one module per concept."""

from .calendar import WorkingDayException
from .plans import Plan, PlanIssuer, Responsibility, Section, Target, Task
from .workflow import Action, Event, ExtensionRequest

__all__ = [
    "Action",
    "Event",
    "ExtensionRequest",
    "Plan",
    "PlanIssuer",
    "Responsibility",
    "Section",
    "Target",
    "Task",
    "WorkingDayException",
]

# Reminders (催办): tasks_app.reminders
from .reminders import (
    DeliveryAttempt,
    Grade,
    RecipientRole,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderPolicy,
    ReminderSweep,
)

__all__ += [
    "DeliveryAttempt",
    "Grade",
    "RecipientRole",
    "ReminderDigest",
    "ReminderEntry",
    "ReminderKind",
    "ReminderPolicy",
    "ReminderSweep",
]

# Progress reports (进展反馈): tasks_app.services.reports
from .reports import ProgressReport, ReportAttachment, ReportTargetValue  # noqa: E402

__all__ += ["ProgressReport", "ReportAttachment", "ReportTargetValue"]

# API and calendar-feed tokens: tasks_app.api
from .api import AccessToken  # noqa: E402

__all__ += ["AccessToken"]
