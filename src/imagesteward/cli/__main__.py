"""``python -m imagesteward.cli`` runs the ``steward`` command line."""

from imagesteward.cli import main

# Guarded: worker processes started with "spawn" (a search rebuild's) import this module
# again as __mp_main__ and must not run the command line a second time.
if __name__ == "__main__":
    main()
