"""Turning plain-text policy documents into plans, tasks, responsibilities and targets."""
