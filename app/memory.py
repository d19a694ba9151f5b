"""Memory of a worker process: fewer malloc arenas for the thread pool's threads, and the heap
that start-up freed handed back.

glibc gives threads that allocate at the same time arenas of their own, up to eight per core,
and keeps what each arena held at its peak: a worker serving sync routes from a pool of forty
threads grows by tens of megabytes that the process never uses again. Two arenas (the main one
and one for all threads) cost nothing measurable here, since the threads take turns on the GIL.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger("app.memory")

M_ARENA_MAX = -8  # mallopt parameter (malloc.h)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Ask glibc's malloc for at most `arenas` arenas; False where that is not glibc."""
    libc = _libc()
    try:
        return libc is not None and bool(libc.mallopt(M_ARENA_MAX, arenas))
    except AttributeError:
        logger.debug("mallopt is not available", exc_info=True)
        return False


def release_free_heap() -> bool:
    """Give the operating system back the heap pages that are free (what loading the catalog
    parsed and dropped, some megabytes); False where that is not glibc."""
    libc = _libc()
    try:
        return libc is not None and bool(libc.malloc_trim(0))
    except AttributeError:
        logger.debug("malloc_trim is not available", exc_info=True)
        return False
