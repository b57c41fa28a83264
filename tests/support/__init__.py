"""
What the tests share and nothing else: fixtures (``admin_fixtures``), fault injectors
(``store_faults``, ``store_mixins``), hostile inputs (``hostile_names``), the starters of real
components (``seaweedfs``; the PostgreSQL cluster is ``tests/run.py``'s), the crash harness
(``crash``), the load site (``loadsite``) and a small course of hand-ins (``handins``). No tests
live here.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder of manage.py
