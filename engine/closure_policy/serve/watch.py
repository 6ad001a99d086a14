"""``serve --watch``: a reload whenever a file of the rule folder, or of the facts schema's folder, changes."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from .service import Service


async def watch(service: Service) -> None:
    from watchfiles import awatch

    policy = service.holder.policy
    # the rule folder, and the facts schema's folder when it lies outside it (the bundled ../schemas)
    folders = sorted({str(policy.directory), os.path.dirname(policy.facts_schema.file) or "."})
    async for _ in awatch(*folders):
        await anyio.to_thread.run_sync(service.holder.reload)
