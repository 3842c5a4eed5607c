"""The one error of ``city init``, raised from every step of reading the file."""

from __future__ import annotations


class OnboardingError(ValueError):
    """What stops ``city init``: one line per problem, each with its fix."""
