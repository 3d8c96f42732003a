"""``ae --import MODULE``: modules of the user's own, imported before the command runs, so that the backbones,
objectives and presets they register can be trained (``ae --import mymodels train --backbone mine``) and the runs
made with them used (``ae --import mymodels evaluate RUN``)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from . import _cache


def import_modules(ctx: click.Context, param: click.Parameter, names: tuple[str, ...]) -> tuple[str, ...]:
    """Import each of ``names`` (a click callback), looked for in the current folder first, as ``python -m``
    does; an error of the library's there (a part that breaks the contract) is one ``Error:`` line."""
    from ..errors import AutoencodersError

    if not names:
        return names
    if os.getcwd() not in sys.path and "" not in sys.path:  # `ae` is a script: its own folder is on the path
        sys.path.insert(0, os.getcwd())
    _cache.skip_for_own_modules()
    for name in names:
        try:
            importlib.import_module(_module_name(name, param, ctx))
        except ModuleNotFoundError as error:
            if error.name is None or not (name == error.name or name.startswith(f"{error.name}.")):
                raise  # a module that the user's imports is missing: its own traceback says where
            raise click.BadParameter(f"no module named {name!r} in the current folder or on PYTHONPATH",
                                     ctx, param) from None
        except AutoencodersError as error:
            raise click.BadParameter(f"{name}: {error}", ctx, param) from None
    return names


def misplaced_import(command: str | None) -> click.UsageError:
    """The error for ``--import`` given after the command (``ae train --import M``), where click knows no such
    option."""
    return click.UsageError(f"--import is an option of ae itself: give it before the command, `ae --import MODULE "
                            f"{command or 'COMMAND'} ...`")


def _module_name(name: str, param: click.Parameter, ctx: click.Context) -> str:
    if name.endswith(".py") or os.sep in name or "/" in name:
        stem = os.path.splitext(os.path.basename(name))[0]
        raise click.BadParameter(f"{name!r} is a file: give its module name ({stem!r}), run from its folder or with "
                                 "that folder on PYTHONPATH", ctx, param)
    return name
