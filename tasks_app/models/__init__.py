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
