"""Reminders (催办): what is due today, to whom, in one email per person per day, exactly once.

- `policy`: the rule settings, with per-plan overrides (ReminderPolicy).
- `windows`: working-day arithmetic that turns "every N working days" into date ranges.
- `rules`: one function per rule, each a set-based selection of responsibilities.
- `recipients`: who receives a reminder of an item (contacts, staff, leaders, coordinators).
- `sql`: INSERT … SELECT … ON CONFLICT DO NOTHING around an ORM queryset.
- `sweep`: records what is due in the ledger, groups it into digests, marks escalations;
  `manual`: 催办 now, from the admin.
- `rendering`, `mime` and `delivery`: the email, its bytes, and sending it after a
  compare-and-set claim, every attempt recorded.
- `tasks`: the thin Celery tasks; `selectors`: what the admin shows, scoped by tasks_app.access.
"""
