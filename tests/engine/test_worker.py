"""The inference worker: priority order and per-job CPU threads."""

from __future__ import annotations

import os
import threading

import torch

from segue.engine import worker
from segue.engine.worker import Worker, cpu_threads
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel


def test_jobs_run_by_priority_then_in_order():
    worker = Worker("test-worker")
    try:
        release, ran = threading.Event(), []
        held = worker.submit(0, release.wait, 5)
        futures = [worker.submit(p, ran.append, name) for p, name in ((3, "c"), (1, "a"), (2, "b1"), (2, "b2"))]
        release.set()
        held.result(timeout=5)
        for f in futures:
            f.result(timeout=5)
        assert ran == ["a", "b1", "b2", "c"]
    finally:
        worker.close()


def test_each_job_runs_with_its_thread_count():
    worker = Worker("test-worker")
    try:
        counts = [worker.submit(0, torch.get_num_threads, threads=n).result(timeout=5) for n in (1, 2, 1)]
        assert counts == [1, 2, 1]
        # without a count a job keeps whatever the worker has
        assert worker.submit(0, torch.get_num_threads).result(timeout=5) == 1
    finally:
        worker.close()


def test_errors_reach_the_caller_and_the_worker_goes_on():
    worker = Worker("test-worker")
    try:
        failed = worker.submit(0, int, "not a number")
        try:
            failed.result(timeout=5)
            raise AssertionError("expected ValueError")
        except ValueError:
            pass
        assert worker.submit(0, int, "7").result(timeout=5) == 7
    finally:
        worker.close()


def test_small_models_get_one_thread_large_ones_every_core(monkeypatch):
    small = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), device="cpu")
    assert cpu_threads(small) == 1
    assert cpu_threads(small, fixed=3) == 3
    monkeypatch.setattr(worker, "ONE_THREAD_DECODER", 0)  # as if it were large
    assert cpu_threads(small) == len(os.sched_getaffinity(0))
