"""The working-day calendar in the admin."""
