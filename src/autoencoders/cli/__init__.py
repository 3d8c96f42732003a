"""The ``ae`` command line. Each module here contributes commands; ``main`` is the console entry point."""

from __future__ import annotations

import click

from ._common import Group
from .train import train
from .use import encode, evaluate, models, reconstruct


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="autoencoders")
def cli():
    """Train, evaluate and use autoencoders.

    Start with `ae train` (a deep autoencoder on the bundled digits), then `ae evaluate RUN_DIR`,
    `ae encode RUN_DIR --out codes.npy` or `ae reconstruct RUN_DIR --out recon.npy`.
    `ae models` lists the model families.
    """


for command in (train, evaluate, encode, reconstruct, models):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="ae")
