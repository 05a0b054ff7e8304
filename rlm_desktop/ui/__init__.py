"""The desktop window (PySide6): a thin layer that turns engine events into widgets.

PySide6 6.12.0 corrupts the reference counts of None/True/False on Python 3.11 (it assumes
they are immortal, as from Python 3.12 on) and aborts after a few thousand signals; the
project pins PySide6 below 6.12 on Python < 3.12 (pyproject.toml).
"""
