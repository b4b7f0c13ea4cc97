"""Errors the local cloud raises; each message says what happened and what to do."""

from __future__ import annotations

from lab_support.errors import CourseError


class LocalCloudError(CourseError):
    """The local cloud could not do what was asked."""


class MissingPrerequisite(LocalCloudError):
    """A program the local cloud needs is not installed."""


class StartupError(LocalCloudError):
    """A service of the local cloud did not become ready."""
