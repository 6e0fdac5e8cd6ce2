"""The package's exception."""


class MliteError(RuntimeError):
    """mlite could not serve a store: no binary, not an mlite store, a
    server that did not start or exited; the message names the file and
    says what went wrong."""
