"""Helpers for the reminder tests: a real SMTP server, Redis, a Celery worker, small worlds."""
