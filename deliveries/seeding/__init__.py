"""
Seeding through the generic factory: ``demo`` (the realistic, deterministic demo of
``seedfactory``), ``any_model`` (``seedfactory app.Model --count N field=value``) and
``contents`` (the generated file contents the demo stores).

May import ``factory``, the domain, ``stores`` and ``operations.progress``.
"""
