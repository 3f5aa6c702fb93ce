"""Render many certificates in parallel processes, one PDF per learner in a directory."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from pathlib import Path

from certificates.codes import normalize_code
from certificates.render import CertificateData, render_certificate

BATCH_SIZE = 25  # per task: few enough round trips, fine enough for a progress bar


def render_to_directory(
    items: Iterable[CertificateData],
    directory: Path,
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``<code>.pdf`` for every certificate into ``directory``, rendering in parallel.

    Args:
        items: certificates to render; consumed lazily, so a database cursor is fine.
        directory: created if missing; existing files with the same name are replaced.
        workers: processes to use; defaults to the CPUs this process may run on.
        on_progress: called in this process with the number of files written so far.

    Returns:
        The number of files written.

    Raises:
        ValueError: if a code is not canonical (it becomes a file name) or appears twice;
            files written before that stay.

    Workers start with ``forkserver`` (``spawn`` where that is missing), never ``fork``,
    so a script calling this needs the usual ``if __name__ == "__main__":`` guard.
    """
    directory.mkdir(parents=True, exist_ok=True)
    workers = workers or _available_cpus()
    context = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )  # not fork: the caller may be a multi-threaded server process
    done = 0
    pending: set[Future[int]] = set()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            for batch in _batches(items):
                if len(pending) >= 2 * workers:  # bound memory: don't read far ahead of the workers
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    done = _collect(finished, done, on_progress)
                pending.add(pool.submit(_render_batch, batch, directory))
            done = _collect(wait(pending).done, done, on_progress)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    return done


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: honours taskset and container CPU sets
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _batches(items: Iterable[CertificateData]) -> Iterator[list[CertificateData]]:
    seen: set[str] = set()
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH_SIZE)):
        for item in batch:
            code = normalize_code(item.code)
            if code != item.code:
                raise ValueError(f"not a canonical certificate code: {item.code!r}")
            if code in seen:
                raise ValueError(f"certificate code {code} appears twice")
            seen.add(code)
        yield batch


def _collect(
    finished: Iterable[Future[int]], done: int, on_progress: Callable[[int], None] | None
) -> int:
    for future in finished:
        done += future.result()
        if on_progress is not None:
            on_progress(done)
    return done


def _render_batch(batch: list[CertificateData], directory: Path) -> int:
    for item in batch:
        target = directory / f"{item.code}.pdf"
        partial = target.with_suffix(".pdf.part")
        partial.write_bytes(render_certificate(item))
        partial.replace(target)  # a reader never sees half a file
    return len(batch)
