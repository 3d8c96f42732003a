"""``python -m autoencoders``: the ``ae`` command."""

from .cli import main

main()
