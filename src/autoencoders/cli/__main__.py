"""``python -m autoencoders.cli``: the ``ae`` command, for launchers that start modules (torchrun -m)."""

from . import main

main()
