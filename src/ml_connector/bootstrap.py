"""The composition root: settings -> store, keys, clock. Everything else receives what it needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from ml_connector.core.clock import Clock, SystemClock
from ml_connector.core.private_files import make_private_dir, private_umask
from ml_connector.engine.context import Progress
from ml_connector.secrets.keys import KeyRing
from ml_connector.settings import Settings
from ml_connector.store import Store


@dataclass
class App:
    settings: Settings
    store: Store
    keys: KeyRing
    clock: Clock = field(default_factory=SystemClock)
    progress: Progress | None = None
    # The instance this app is built for (``plant-a`` of ``syspro-looker@plant-a``; None: the default
    # instance). Set by ``runtime.instances.instance_app``; integrations read it through ``instance_key``.
    instance: str | None = None

    def instance_key(self, integration: str) -> str:
        """The name ``integration`` keys its store rows by in this app: ``name`` or ``name@instance``
        (deliveries, ledger, mappings, echo guards, parked records; the engine's cursors and runs too)."""
        return integration if self.instance is None else f"{integration}@{self.instance}"

    @property
    def connections(self):  # type: ignore[no-untyped-def]
        assert self.store.connections is not None
        return self.store.connections


def bootstrap(settings: Settings, *, clock: Clock | None = None, create_keys: bool = False) -> App:
    # Arrow buffers through the system allocator: pyarrow's bundled one keeps freed pages, which measured
    # ~35 MB more peak memory on a 1M-row load (`make bench`) for no speed gain.
    pa.set_memory_pool(pa.system_memory_pool())
    private_umask()  # store, WAL, shm, warehouse, pipelines, X12 archive: 0600 (see core/private_files.py)
    make_private_dir(settings.data_dir)
    keys = KeyRing.load(settings.key_file, settings.keys_env, create=create_keys)
    store = Store.open(settings.store_url, keys)
    if store.connections is not None:
        # Before this process renders or logs any stored text: the redactor must know every stored secret,
        # not only those this process happens to decrypt (a fresh `serve` showing an old error text).
        store.connections.register_secrets()
    return App(settings=settings, store=store, keys=keys, clock=clock or SystemClock())
