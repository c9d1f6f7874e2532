"""The REST API under /api/v1/: thin views over tasks_app.access, selectors and services."""
