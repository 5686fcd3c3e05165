"""``python -m imagesteward.cli`` runs the ``steward`` command line."""

from imagesteward.cli import main

main()
