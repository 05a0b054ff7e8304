"""`python -m rlm_desktop` is the same as the `rlm-desktop` command."""

import multiprocessing
import sys

from rlm_desktop.cli import main

if __name__ == "__main__":  # reader processes re-import this module: start nothing there
    multiprocessing.freeze_support()
    sys.exit(main())
