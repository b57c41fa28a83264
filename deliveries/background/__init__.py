"""
Long work in the background, on Django's own Tasks framework (``django.tasks``): verifying many
files and a full check of the store, started from the admin and run by a task worker
(``manage.py db_worker``). A BackgroundJob row records each piece of work and its progress.

May import: health, operations, the domain, stores (docs/layout.md).
"""

from .jobs import JobProgress, start_check, start_verification
from .tasks import check_store_task, verify_files_task

__all__ = ["JobProgress", "check_store_task", "start_check", "start_verification", "verify_files_task"]
