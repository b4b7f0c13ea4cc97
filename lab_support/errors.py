"""The one exception type the command line turns into a clear message."""


class CourseError(Exception):
    """Something a learner can fix; the message says what happened and what to do."""
