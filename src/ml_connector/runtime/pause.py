"""An instance whose login keeps being refused is paused before it locks the ERP account.

The engine counts consecutive refused logins per stored connection (``sequences`` rows
``login-refused:<connection>``, engine/logins.py) and each run records the connections it logs in with
(``connections`` in the run summary). Once a connection's count reaches its ``lockout_warn_after``
(default 3; QAD locks at 10), every instance whose latest run used that connection is *paused*: the
scheduler (embedded and ``--celery``), a Celery worker and a webhook trigger start none of its scheduled,
retry or webhook runs. A manual ``ml-connector run`` still runs (a person chose to) and counts.

Nothing is stored for the pause itself: it lasts exactly as long as the count, so it ends when a login on
that connection is accepted again, by ``ml-connector check <instance>`` (the documented fix) or a manual
run, in whichever process that happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ml_connector.bootstrap import App
from ml_connector.engine.logins import COUNTER, WARN_AFTER
from ml_connector.store.schema import connections, sequences

PREFIX = COUNTER.format("")
LOOK_BACK = 10  # runs searched for the latest one that recorded its connections (a crash records none)


@dataclass(frozen=True)
class Pause:
    instance: str
    connection: str
    refusals: int
    warn_after: int

    @property
    def reason(self) -> str:
        return f"login refused {self.refusals} times for connection {self.connection}"

    def fix(self, secret: str = "password") -> str:  # noqa: S107 - the secret field's name, not a value
        return (
            f"fix the password with `ml-connector connections edit {self.connection} --secret {secret}`, then "
            f"`ml-connector check {self.instance}` (scheduled runs resume once its login is accepted)"
        )


def warn_after(settings: dict[str, Any]) -> int:
    """A connection's ``lockout_warn_after`` (at least 1); ValueError/TypeError when it is not a number."""
    raw = settings.get("lockout_warn_after")
    return max(1, int(raw)) if raw not in (None, "") else WARN_AFTER


def refused_counts(app: App) -> dict[str, int]:
    """Connection -> its consecutive refused logins, for every connection that has any (one query)."""
    with app.store.engine.connect() as db:
        rows = db.execute(select(sequences.c.name, sequences.c.value).where(sequences.c.name.startswith(PREFIX)))
        return {r.name[len(PREFIX) :]: int(r.value) for r in rows}


def login_pause(app: App, instance: str, counts: dict[str, int] | None = None) -> Pause | None:
    """Why ``instance`` is paused, or None. ``counts``: :func:`refused_counts`, when already read this tick."""
    counts = refused_counts(app) if counts is None else counts
    if not counts:
        return None  # the usual case: no refused login anywhere, no further query
    used: list[str] = []
    for run in app.store.runs.recent(instance, LOOK_BACK):
        if (found := (run.get("summary") or {}).get("connections")) is not None:
            used = list(found)
            break
    over = [name for name in used if name in counts]
    if not over:
        return None
    with app.store.engine.connect() as db:
        found = db.execute(select(connections.c.name, connections.c.settings).where(connections.c.name.in_(over)))
        stored = {r.name: dict(r.settings or {}) for r in found}
    for name in over:
        try:
            limit = warn_after(stored.get(name, {}))
        except (TypeError, ValueError):
            limit = WARN_AFTER  # the run itself says what to write (runtime/service.py)
        if counts[name] >= limit:
            return Pause(instance, name, counts[name], limit)
    return None
