"""
What operators run besides checks: ``copying`` (``copystore``), ``accounts`` (the first
superuser, ``ensuresuperuser``), and what the commands share: ``arguments`` (parsing durations,
dates, counts, ``key=value`` options and a typed store), ``exits`` (how a
command ends: one line and its exit status), ``prompts`` (the y/N question) and ``progress`` (bars).

May import the domain (``deliveries.models``, ``integrity``, ``exit_status``) and ``stores``;
never the admin or the serving views.
"""
