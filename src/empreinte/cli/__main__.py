"""``python -m empreinte.cli``."""

from empreinte.cli import run

run()
