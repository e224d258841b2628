"""Watch the knowledge folder and ask for a reload when a YAML file in it changes.

``watchfiles`` (inotify on Linux, polling where that is unavailable, e.g. some network
mounts: set ``WATCHFILES_FORCE_POLLING=1``) waits in a worker thread. Its debounce groups the
burst of events one save makes (editors write a temporary file, then rename it): a batch is
handed over once no further change came for ``step_ms``, at the latest after
``debounce_ms``. Each batch makes one call to ``reload``; the reloader itself builds and
validates the whole knowledge before swapping, so a half-written file never reaches a
question, it only produces a failed reload that the next save repairs.

Once the watch is in place (its first round completed) one reload is asked for: it catches an
edit made between loading the knowledge and starting the watch (the reloader does nothing
when the folder still holds the version it serves). ``ready`` is set after that check, so a
caller knows that every later edit is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

log = logging.getLogger(__name__)

DEBOUNCE_MS = 1_600
STEP_MS = 300
ROUND_MS = 1_000  # how often the watch thread comes up for air (stop checks, readiness)

_ignored = DefaultFilter()  # editor swap and backup files, .git, __pycache__, ...


def is_knowledge_file(change: Change, path: str) -> bool:
    """Only YAML files count: README edits and editors' temporary files do not reload, nor
    dot-files (an Emacs lock '.#politie.yaml'), which the loader skips as well."""
    hidden = Path(path).name.startswith(".")
    return path.endswith((".yaml", ".yml")) and not hidden and _ignored(change, path)


async def watch_knowledge(
    folder: Path,
    reload: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
) -> None:
    """Call ``reload`` after every batch of changes under ``folder`` until ``stop`` is set.

    Never raises for a watch that cannot be set up (folder gone, inotify limits): it logs
    and returns; SIGHUP and the ``reload`` command keep working.
    """
    # awatch sets its stop event when cancelled: give it its own, not the app's.
    halt = asyncio.Event()
    relay = asyncio.create_task(_relay(stop, halt))
    first = True
    try:
        async for changes in awatch(
            folder,
            watch_filter=is_knowledge_file,
            debounce=debounce_ms,
            step=step_ms,
            stop_event=halt,
            rust_timeout=ROUND_MS,
            yield_on_timeout=True,
        ):
            if first:
                log.info("watching %s for knowledge changes", folder)
            elif not changes:
                continue  # a quiet round
            else:
                log.info("knowledge folder changed (%d file(s)); reloading", len(changes))
            try:
                await reload()
            except Exception:  # a failing reload must not end the watch
                log.exception("knowledge reload after a change failed")
            if first:
                first = False
                if ready is not None:
                    ready.set()
    except (OSError, RuntimeError) as error:
        log.error("cannot watch %s (%s); reload with SIGHUP or the reload command", folder, error)
    finally:
        halt.set()
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
