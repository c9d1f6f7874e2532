"""Celery tasks of the tasks app (found by app.autodiscover_tasks())."""

from tasks_app.reminders.tasks import (  # noqa: F401
    reminders_deliver,
    reminders_deliver_due,
    reminders_sweep,
    reminders_sweep_if_missed,
)
