"""
Imported by the sandbox's forkserver, once: the workers' libraries loaded and warmed up, so that
every child starts with them ready. Importing it anywhere else only costs that warm-up.
"""

from . import workers

try:
    workers.warm()
except Exception:  # noqa: BLE001 - a failed warm-up only costs each child the time; never the forkserver
    pass
