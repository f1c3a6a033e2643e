"""Lambda SnapStart for the API function (docs/ARCHITECTURE.md, "Mainland deployment").

Where the region offers it, Lambda initialises a published version once, snapshots its memory
and starts every new instance of that version from the snapshot. During that one init claimbot
imports what the first request would (building a container, then dropping it); after each
restore the instance builds its own container on first use, as it would on a cold start but
with the modules already imported (measured locally: about 50 ms instead of about 400 ms).
Built after the restore, never shared between instances, therefore:
  - the access tokens' lease owners (SharedToken.owner, a uuid4 made when the container is
    built): in a snapshot every instance would be the same owner, and one could release or
    overwrite a lease another holds;
  - the tokens' in-memory copies (refreshed by others since the snapshot);
  - the AWS and HTTP clients and their pooled connections (dead after a restore);
  - the settings with the SSM secrets (a secret rotated since the snapshot is read, as a new
    instance without SnapStart would).
Nothing else needs it: uuid4, secrets.token_hex and os.urandom read the kernel at each call, and
claimbot seeds no random.Random at import.

`snapshot_restore_py` (register_after_restore) is part of Lambda's Python runtimes; it is only
imported under SnapStart, so it is not a requirement of the package.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

INIT_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"  # set by Lambda: on-demand | provisioned-concurrency
SNAP_START = "snap-start"  # ... | snap-start (the init before a snapshot)


class CachedServices(Protocol):
    """app.services: the container, built once (functools.lru_cache)."""

    def __call__(self) -> Any: ...

    def cache_clear(self) -> None: ...


def prepare(
    services: CachedServices,
    environ: Mapping[str, str] = os.environ,
    register: Callable[[Callable[[], None]], Any] | None = None,
) -> bool:
    """Under a SnapStart init: import what the first request needs and register the restore
    hook. Elsewhere (other inits, other functions, the devstack) nothing; False then."""
    if environ.get(INIT_TYPE) != SNAP_START:
        return False
    _import_the_message_path()
    (register or _runtime_register())(lambda: after_restore(services))
    return True


def _runtime_register() -> Callable[[Callable[[], None]], Any]:
    from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]

    return register_after_restore


def after_restore(services: CachedServices) -> None:
    """What the snapshot holds of one instance is dropped; the first request builds anew."""
    from chalicelib.settings import current_settings

    services.cache_clear()
    current_settings.cache_clear()


def _import_the_message_path() -> None:
    """A container with the webhook and the WeCom inbox, built and dropped: their modules (boto3,
    PynamoDB, wechatpy, the dialog) stay imported in the snapshot."""
    from chalicelib.service.container import Container
    from chalicelib.settings import current_settings

    container = Container(current_settings())
    _ = (container.webhook, container.staff_inbox)
