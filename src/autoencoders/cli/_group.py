"""The ``ae`` group's handling of every command: library errors as one ``Error:`` line, its warnings as one
``Warning:`` line, the command line kept for commands that relaunch themselves."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import click

from ..errors import AutoencodersError
from ._imports import misplaced_import

# Errors a user can cause and fix: the library's own (bad data, settings, checkpoints) and the operating
# system's (missing file, full disk). Shown as one "Error: ..." line with exit code 1; anything else is a bug and
# keeps its traceback.
USER_ERRORS = (AutoencodersError,)


class Group(click.Group):
    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        argv = list(args)  # kept as given, for commands that relaunch themselves (ae train --nproc)
        context = super().make_context(info_name, args, parent, **extra)
        context.meta["argv"] = argv
        return context

    def invoke(self, ctx: click.Context) -> Any:
        from ..training.ranks import warnings_shown_once

        shown, warnings.formatwarning = warnings.formatwarning, _plain_warning
        try:
            with warnings_shown_once():  # one of the processes of `ae train --nproc N`: rank 0 speaks for all
                return super().invoke(ctx)
        except click.NoSuchOption as error:
            if error.option_name != "--import":
                raise
            raise misplaced_import(ctx.invoked_subcommand) from None
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:  # e.g. disk full, unwritable output directory
            raise click.ClickException(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from error
        finally:
            warnings.formatwarning = shown


PACKAGE = Path(__file__).resolve().parents[1]
_format_warning = warnings.formatwarning


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    """The library's own warnings (an unseen category ...) as one "Warning: ..." line, like its errors; others as
    Python shows them (file, line and source)."""
    if Path(filename).resolve().is_relative_to(PACKAGE):
        return f"Warning: {message}\n"
    return _format_warning(message, category, filename, lineno, line)
