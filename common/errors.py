"""The one exception type for user errors: bad config key or value, missing path, unknown task."""


class UserError(Exception):
    """A problem with the user's input; CLIs print its message on one line and exit non-zero."""
