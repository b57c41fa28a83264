#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as e:
        # A misconfiguration is the operator's to fix: say what, in one line, without a traceback.
        _could_not_run(f"Configuration error: {e}")
    except DatabaseError as e:
        # An unreachable server, a missing database file or tables: the same, naming the setting.
        _could_not_run(
            f"The database could not be used ({e}). Check DATABASE_URL, and run `manage.py migrate` "
            "if its tables are missing."
        )


def _could_not_run(message):
    from deliveries.exit_status import ExitStatus

    sys.stderr.write(" ".join(message.split()) + "\n")
    sys.exit(ExitStatus.COULD_NOT_RUN)


if __name__ == "__main__":
    main()
