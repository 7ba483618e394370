"""The one exception type for user errors: bad config key or value, missing path, unknown task."""


class UserError(Exception):
    """A problem with the user's input; CLIs print its message on one line and exit non-zero."""


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, or its type name when the message is empty."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
