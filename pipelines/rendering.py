"""The process that renders PDFs beside a run (WeasyPrint), one per Python process.

WeasyPrint lays a document out on one core, and a run has other work meanwhile: the
annex workbooks, another language. So the run's PDFs are rendered in a second process
(``pipelines.resources.DocumentRenderer`` hands them over), and this process never
loads WeasyPrint unless it renders a language itself.

The process is started as soon as its caller knows it will render, so that its imports
(WeasyPrint, its fonts) are paid while other work goes on: `cicopa build` starts it
before it imports Dagster, and a run launched otherwise (the schedule, the UI, the
sensor) when its resources are set up. It then serves this process's later runs too
(a test session builds dozens of years) and is stopped when this process ends, by a
multiprocessing finalizer: a run the code server starts is itself a multiprocessing
child, which at its end joins its own children after those finalizers and before any
other exit hook, so a rendering process stopped any later kept it, and its code
server, alive for ever. It is spawned, not forked: a fork copies the locks other
threads of a run hold (Dagster's, logging's) and hung a build. With one core there
is no second process and everything renders in place.

No Dagster here: `cicopa build` imports this module first.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.util import Finalize
from typing import Any, TypeVar

T = TypeVar("T")

# Run among the first of multiprocessing's finalizers at exit, before children are joined.
STOP_PRIORITY = 100
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


def _forget_in_child() -> None:
    # A forked child has the pool's object but neither its process nor its threads.
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_in_child)


def start_rendering_process() -> ProcessPoolExecutor | None:
    """The rendering process, started now if it is not running; None with one core."""
    global _pool
    with _lock:
        if _pool is None and len(os.sched_getaffinity(0)) >= 2:
            from reports.pdf import prepare_renderer

            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=get_context("spawn"), initializer=prepare_renderer
            )
            _pool.submit(int)  # start it now, not at the first document
            Finalize(None, stop_rendering_process, exitpriority=STOP_PRIORITY)
        return _pool


def stop_rendering_process() -> None:
    """Stop the rendering process, if one runs; the next rendering starts another."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(cancel_futures=True)


@contextmanager
def cancelled_on_failure(jobs: Iterable[Future[Any]]) -> Iterator[None]:
    """Cancel the renderings not started yet when the block fails: a step that failed
    would otherwise leave them all to be rendered before its process could end."""
    try:
        yield
    except BaseException:
        for job in jobs:
            job.cancel()
        raise


def render_elsewhere(render: Callable[..., T], /, *args: Any) -> Future[T]:
    """``render(*args)`` in the rendering process; in place without one.

    A rendering process that died (killed, out of memory) is replaced for what comes
    next; what it was rendering fails with it.
    """
    global _pool
    pool = start_rendering_process()
    if pool is not None:
        try:
            return pool.submit(_after_a_collection, render, *args)
        except BrokenProcessPool:
            with _lock:
                if _pool is pool:
                    _pool = None
            return render_elsewhere(render, *args)
    done: Future[T] = Future()
    try:
        done.set_result(render(*args))
    except Exception as exc:
        done.set_exception(exc)
    return done


def _after_a_collection(render: Callable[..., T], /, *args: Any) -> T:
    """``render(*args)`` once the garbage of the documents before it is collected: the
    rendering process collects rarely (``reports.pdf.prepare_renderer``), and a laid-out
    document is a web of cycles."""
    gc.collect()
    return render(*args)
