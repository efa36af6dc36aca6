"""The Change Challenge terminal app and the ``change-challenge`` command."""
