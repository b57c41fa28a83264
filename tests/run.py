#!/usr/bin/env python
"""
`make test`: run every test. Arguments are passed to pytest.

Exits with pytest's status; "no tests collected" (5) counts as a failure, since a suite that
runs nothing proves nothing.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_pytest(args, env=None):
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def main(argv):
    status = run_pytest(argv)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
