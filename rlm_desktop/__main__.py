"""`python -m rlm_desktop` is the same as the `rlm-desktop` command (and the packaged app's
entry point, which also runs the sandbox worker's `-I -c` command line: rlm_desktop.frozen)."""

import multiprocessing
import sys

if __name__ == "__main__":  # reader processes re-import this module: start nothing there
    multiprocessing.freeze_support()
    from rlm_desktop.frozen import run_python_command

    if run_python_command(sys.argv):
        sys.exit(0)
    from rlm_desktop.cli import main

    sys.exit(main())
