"""The one exception type users see: a one-line message naming the field or file and the fix."""


class UserError(Exception):
    """Bad input (config value, missing or corrupt file). The CLI prints it as one line and exits 2."""
