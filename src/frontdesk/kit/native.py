"""Native thread pools sized for a server process.

numpy's BLAS starts a thread per core and splits every matrix product across all of them, then
waits for the slowest. In a server the other cores are busy (the embedding model, the database
driver, other requests), so a product waits for a thread that is not running: on two cores, the
cosine of a query to a 10,000-passage base took 0.1 ms alone and 4 ms at the 90th percentile
while another query was being embedded. With one BLAS thread it takes 0.3 ms either way; the
process's concurrency comes from its requests, not from splitting small products.
"""

from __future__ import annotations

import threading

BLAS_THREADS = 1

_done = threading.Event()
_lock = threading.Lock()


def limit_blas_threads() -> None:
    """Run numpy's BLAS on `BLAS_THREADS` threads for the rest of the process (idempotent)."""
    if _done.is_set():
        return
    with _lock:
        if _done.is_set():
            return
        import numpy  # noqa: F401 - BLAS is found among the loaded libraries
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=BLAS_THREADS, user_api="blas")
        _done.set()
