"""The ``ae`` command line. Every module in this package lists its commands in ``COMMANDS``; they are
collected here, so adding a command means adding (or editing) one module. ``main`` is the entry point."""

from __future__ import annotations

import importlib
import pkgutil

import click

from ._group import Group
from ._imports import import_modules


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="autoencoders")
@click.option("--import", "imports", multiple=True, metavar="MODULE", expose_value=False, callback=import_modules,
              help="Import this module of yours first (MODULE.py in the current folder or on PYTHONPATH), so that "
                   "the backbones, objectives and presets it registers (autoencoders.register_backbone ...) can be "
                   "trained and its runs used: ae --import mymodels train --backbone mine. Repeatable; given "
                   "before the command.")
def cli():
    """Train, evaluate and use autoencoders.

    Start with `ae train` (a deep autoencoder on the bundled digits), then `ae evaluate RUN_DIR`,
    `ae encode RUN_DIR --out codes.npy` or `ae reconstruct RUN_DIR --out recon.npy`.
    `ae models` lists the model families; `ae --import MODULE ...` adds those your own module registers.
    """


for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        for command in getattr(importlib.import_module(f"{__name__}.{_module.name}"), "COMMANDS", []):
            cli.add_command(command)


def main() -> None:
    cli(prog_name="ae")
