"""Turning plain-text policy documents into plans, tasks, responsibilities and targets."""

# The largest document the admin and the API accept (the five real plans are 18–25 KB).
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
