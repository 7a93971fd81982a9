"""A small error vocabulary; the CLI and the page translate these into one-line messages."""


class ResqaError(Exception):
    """Base class: a user-facing problem with a message that names the fix."""

    exit_code = 1


class InputError(ResqaError):
    """A question or argument resqa cannot accept (empty, too long, malformed)."""

    exit_code = 2


class LoadError(ResqaError):
    """A source file could not be read or parsed."""


class IndexMissingError(ResqaError):
    """No index where one was expected."""

    exit_code = 3


class IndexMismatchError(ResqaError):
    """The index was built with other settings (embedder, parser version)."""

    exit_code = 3


class IndexBusyError(ResqaError):
    """Another ingest holds the index lock."""

    exit_code = 4


class BackendError(ResqaError):
    """An external service (Chroma server, LLM endpoint) failed or went away."""

    exit_code = 5


class IndexDamagedError(ResqaError):
    """The index exists but is inconsistent or unreadable (truncated files, lost records)."""

    exit_code = 3


class IndexAccessError(ResqaError):
    """The index folder cannot be used by this user: no permission, or it is not a folder."""

    exit_code = 3


class ConfigError(InputError):
    """A setting resqa cannot use (unknown embedder, missing URL or model, a bad number)."""
