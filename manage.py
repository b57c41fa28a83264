#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as e:
        # A misconfiguration is the operator's to fix: say what, without a traceback.
        from deliveries.exit_status import ExitStatus

        sys.stderr.write(f"Configuration error: {e}\n")
        sys.exit(ExitStatus.COULD_NOT_RUN)


if __name__ == "__main__":
    main()
