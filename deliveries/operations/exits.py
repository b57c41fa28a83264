"""
How a command ends: one line, then an exit status (``ExitStatus``), never ``CommandError: ...``.

Django prints a ``CommandError`` as ``CommandError: <message>``, which reads like a crash after a
report that ended as it should ("3 problems"). A command that mixes in ``EndsWithOneLine`` raises
``Exit`` instead: on the command line the message (unless the command has printed its own verdict
already) goes to stderr as it is, and the process exits with the status; through
``call_command`` it is a ``CommandError`` with its ``returncode``, as before.
"""

import sys

from django.core.management.base import CommandError

from ..exit_status import ExitStatus

__all__ = ["EndsWithOneLine", "Exit", "usage_error"]


class Exit(CommandError):
    """End the command with ``returncode``; ``shown`` when the command printed ``message`` already."""

    def __init__(self, message, returncode, *, shown=False):
        super().__init__(message, returncode=returncode)
        self.shown = shown


def usage_error(message):
    """What was typed cannot run (a bad flag value, a store that does not exist): exit 2."""
    return Exit(message, ExitStatus.COULD_NOT_RUN)


class EndsWithOneLine:
    """A BaseCommand mixin: ``Exit`` ends the process with its status and at most one line."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except Exit as e:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            if not e.shown:
                self.stderr.write(str(e))
            sys.exit(e.returncode)
