"""
The project's settings for a child process (a task worker) that must use the very database a test
uses: WORKER_DATABASE holds that connection's settings as JSON (any vendor, a socket directory
included, which a URL would have to encode).
"""

import json
import os

from project.settings import *  # noqa: F403

DATABASES = {"default": {**DATABASES["default"], **json.loads(os.environ["WORKER_DATABASE"])}}  # noqa: F405
