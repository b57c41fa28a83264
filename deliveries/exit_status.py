"""
The exit statuses of the commands (``checkstore``, ``copystore``, ``seedfactory``, ``manage.py``
itself), as Django's own commands use them; ``StoreCheckRun.exit_code`` records the same numbers.
"""

import enum

__all__ = ["ExitStatus"]


class ExitStatus(enum.IntEnum):
    OK = 0  # ran, and all is well
    PROBLEMS = 1  # ran, and found problems (or was told no at its question)
    COULD_NOT_RUN = 2  # could not run as asked: bad arguments or settings, a store it cannot reach
