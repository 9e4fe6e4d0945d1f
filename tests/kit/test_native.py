"""Native thread pools: a server process runs numpy's BLAS on one thread."""

from __future__ import annotations

from fastapi import FastAPI
from threadpoolctl import threadpool_info

from frontdesk.kit import native


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_app_runs_blas_on_one_thread(base_app: FastAPI) -> None:
    assert base_app is not None
    assert _blas_threads() == {native.BLAS_THREADS}


def test_limiting_twice_changes_nothing() -> None:
    native.limit_blas_threads()
    native.limit_blas_threads()
    assert _blas_threads() == {native.BLAS_THREADS}
