"""How runs are started: run/check/replay entry points, triggers, the scheduler, Celery tasks, alerts.

The only layer that picks an integration by name; ``cli`` and ``web`` import from here.
"""
