"""Solutions to chapter 2's exercises (test_ch02.py pins them)."""


def kinds() -> list[str]:
    """2.1: a fact that happened is an event; a request for work is a command."""
    return ["event", "command", "event", "command", "event"]


def guarantee() -> str:
    """2.2: acked before the work, a message lost in a crash never comes back."""
    return "at most once"


def handled() -> int:
    """2.3: three subscriptions, three copies; each copy goes to one consumer."""
    return 3


def key_attributes() -> tuple[str, str]:
    """2.4: CloudEvents makes source + id unique for each distinct event."""
    return ("ce-source", "ce-id")
