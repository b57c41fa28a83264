"""
What operators run besides checks: ``copying`` (``copystore``), ``accounts`` (the first
superuser, ``ensuresuperuser``), and what the commands share: ``arguments`` (parsing durations,
dates and ``key=value`` options), ``prompts`` (the y/N question) and ``progress`` (bars).

May import the domain (``deliveries.models``, ``integrity``, ``exit_status``) and ``stores``;
never the admin or the serving views.
"""
