"""The inference worker and the model cache: models loaded once and shared.

Models load on their own thread, so loading one never stalls the bars other sessions are waiting
for. Inference runs on a single worker thread with a priority queue: bars that are due soonest go
first, renders and encodes after them, so one client's heavy request cannot make another's bars late.

Each job runs with the intra-op thread count its model wants on the CPU (``cpu_threads``): small
models at batch 1 are bound by per-op dispatch, and a second thread only spins against the network
thread and other processes (docs/performance.md has the numbers).
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import torch

from segue.models.errors import ModelError
from segue.models.inference import LatentModel

log = logging.getLogger(__name__)
DEFAULT = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Decoders up to this many parameters run on one CPU thread (the small models: 1.4-2.5 M; the
# next size up, the 16-bar decoders, has 36 M and gains 1.7-2x from a second core).
ONE_THREAD_DECODER = 8_000_000


def cpu_threads(model: LatentModel, fixed: int | None = None) -> int:
    """Intra-op CPU threads for ``model``'s inference: ``fixed`` when given, else 1 for small
    decoders and every core for large ones."""
    if fixed:
        return fixed
    return 1 if model.decoder_parameters <= ONE_THREAD_DECODER else max(1, len(os.sched_getaffinity(0)))


class Worker:
    """One thread running submitted calls in priority order (lower first, then FIFO)."""

    def __init__(self, name: str = "segue-inference"):
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._count = itertools.count()
        self.busy_seconds = 0.0  # time spent running jobs (for benchmarks and diagnostics)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, priority: float, fn, *args, threads: int | None = None) -> Future:
        """Run ``fn(*args)`` on the worker, with ``threads`` intra-op threads when given."""
        future: Future = Future()
        self._queue.put((priority, next(self._count), future, fn, args, threads))
        return future

    def backlog(self) -> int:
        """Jobs waiting (roughly: read without a lock)."""
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            _, _, future, fn, args, threads = self._queue.get()
            if fn is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            if threads and threads != torch.get_num_threads():
                torch.set_num_threads(threads)  # all inference runs here, so this is the worker's setting
            started = time.perf_counter()
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # delivered to whoever waits on it
                future.set_exception(e)
            finally:
                self.busy_seconds += time.perf_counter() - started

    def close(self) -> None:
        self._queue.put((float("-inf"), -1, Future(), None, (), None))
        self._thread.join(timeout=5)


class ModelCache:
    """Named models: ``default`` (the --model or shipped one) plus every ``NAME.safetensors`` in
    the user's models folder and among the models shipped with Segue. A name never becomes a path
    outside those folders."""

    def __init__(self, default: LatentModel, models_dir: Path | None, device: str | None,
                 shipped_dir: Path | None = None):
        self.device = device
        self.dirs = [d for d in (models_dir, shipped_dir) if d is not None]
        self._cache: dict[str, LatentModel] = {DEFAULT: default}
        self._loading: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._loader = ThreadPoolExecutor(1, thread_name_prefix="segue-loader")

    def names(self) -> list[str]:
        found = {p.stem for d in self.dirs if d.is_dir() for p in d.glob("*.safetensors")}
        return [DEFAULT] + sorted(n for n in found if n != DEFAULT and _NAME.match(n))

    def _path(self, name: str) -> Path:
        if _NAME.match(name):
            for folder in self.dirs:
                path = (folder / f"{name}.safetensors").resolve()
                if path.parent == folder.resolve() and path.is_file():
                    return path
        raise ModelError(f"unknown model {name!r}; available: {', '.join(self.names())}")

    def cached(self, name: str) -> LatentModel | None:
        return self._cache.get(name or DEFAULT)

    def load(self, name: str) -> Future:
        """A future for the model, loading it on the loader thread when it is not cached."""
        name = name or DEFAULT
        with self._lock:
            if name in self._cache:
                done: Future = Future()
                done.set_result(self._cache[name])
                return done
            if name not in self._loading:
                path = self._path(name)  # raises for unknown names, before anything is queued
                self._loading[name] = self._loader.submit(self._load, name, path)
            return self._loading[name]

    def _load(self, name: str, path: Path) -> LatentModel:
        try:
            model = LatentModel.load(path, self.device)
            log.info("loaded model %s: %s", name, model.describe())
            with self._lock:
                self._cache[name] = model
            return model
        finally:
            with self._lock:
                self._loading.pop(name, None)

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
