"""The library's own errors: one family, so callers (and ``ae``) can tell a mistake in the input or settings,
which the user can fix, from a bug, which deserves a traceback.

Every class here subclasses :class:`AutoencodersError`; the ones about bad values also subclass
``ValueError`` (and lookups ``KeyError``) so code written against the built-in types keeps working.
"""

from __future__ import annotations


class AutoencodersError(Exception):
    """Base of every error the library raises on purpose."""


class ConfigError(AutoencodersError, ValueError):
    """A setting that cannot be used: out of range, unknown choice, or a model that breaks the engine's contract."""


class DataError(AutoencodersError, ValueError):
    """Input data the library cannot use (empty, non-finite, wrong shape or dtype)."""


class CheckpointError(AutoencodersError, ValueError):
    """A checkpoint that cannot be used: corrupt, truncated, not ours, or for another model or input."""


class UnknownModelError(ConfigError, KeyError):
    """A model name that is not in the registry; ``hint`` says how one of the user's own is registered."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:  # KeyError would quote the message
        return f"{self.message} ({self.hint})" if self.hint else self.message


class DataUnavailableError(AutoencodersError, RuntimeError):
    """A standard data set is neither on disk nor downloadable (e.g. no network)."""


class TrainingDivergedError(AutoencodersError, RuntimeError):
    """The loss became NaN or infinite."""


class NonFiniteError(AutoencodersError, ValueError):
    """Results that are not finite numbers (NaN or infinity): a damaged or diverged model's outputs."""


class RunFolderError(AutoencodersError, RuntimeError):
    """A run folder that cannot be used now: in use by another process, or holding a run not to be replaced."""


def type_phrase(value: object) -> str:
    """``value``'s type named with its article, for errors: "an AutoencoderTransformer", "a str"."""
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def described(value: object) -> str:
    """What a user's code returned, for errors: a tuple by its items' types ("(Flatten, float)"), anything else
    by its type (:func:`type_phrase`)."""
    if isinstance(value, tuple):
        return f"({', '.join(type(item).__name__ for item in value)})"
    return type_phrase(value)
