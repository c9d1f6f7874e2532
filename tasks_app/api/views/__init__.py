"""API views: thin, one module per concept. Each reads through tasks_app.access (via
tasks_app.api.selectors) and writes through tasks_app.services."""
