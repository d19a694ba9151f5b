"""Memory of a worker process: fewer malloc arenas for the thread pool's threads.

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


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Ask glibc's malloc for at most `arenas` arenas; False where that is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        logger.debug("mallopt is not available", exc_info=True)
        return False
