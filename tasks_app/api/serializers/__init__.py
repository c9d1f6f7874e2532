"""Serializers: read shapes (output) and input shapes (one per action), one module per concept."""
