"""Fixtures of the engine's tests:

- ``osc_result(client, kind, rid)``: a result the engine sends in chunks over OSC
  (``/segue/clip/result/...``, ``/segue/tool/result/...``), read and checked chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


def _osc_result(client, kind: str, rid: int, timeout: float = 20.0) -> tuple[list, list]:
    from segue.bridge import osc

    address, begin = client.wait_for(rid, timeout)
    assert address == f"/segue/{kind}/result/begin", (address, begin)
    notes, chunks = [], 0
    while True:
        address, values = client.wait_for(rid, timeout)
        if address == f"/segue/{kind}/result/end":
            assert values[1] == chunks
            return begin, notes
        assert address == f"/segue/{kind}/result/notes" and values[1] == chunks
        notes += osc.unflat_notes(values[2:])
        chunks += 1


@pytest.fixture(scope="session")
def osc_result() -> Callable[..., tuple[list, list]]:
    """``osc_result(client, kind, rid, timeout=20.0)``: the ``/segue/KIND/result`` answering request
    ``rid`` of an ``EngineClient``: (begin's arguments, the notes), its chunks checked to come in
    order and to number what its end says."""
    return _osc_result
