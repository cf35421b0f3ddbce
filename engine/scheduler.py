"""When bars are due: pure functions of the transport and a clock (no I/O, easy to test).

Bars are 4/4 bars of the song, indexed from beat 0 (bar k covers beats 4k .. 4k+4). The engine
keeps ``lookahead`` bars generated ahead of the playhead; when the knobs change, the bars that have
not started yet are generated again with a newer version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segue.engine.session import Transport
from segue.models.notes import BEATS_PER_BAR


def bar_of(beat: float) -> int:
    return math.floor(beat / BEATS_PER_BAR + 1e-9)


def seconds_per_bar(tempo: float) -> float:
    return BEATS_PER_BAR * 60.0 / tempo


@dataclass(frozen=True)
class Due:
    bar: int
    starts_in: float  # seconds from now; <= 0 for the bar that is playing
    started: bool


def upcoming(transport: Transport, now: float, lookahead: int) -> list[Due]:
    """The bar under the playhead and the next ``lookahead`` bars, in playing order. Inside a
    loop, the bars after the loop's end are the loop's first bars again."""
    beat = transport.beat_now(now)
    spb = 60.0 / transport.tempo
    out: list[Due] = []
    current = bar_of(beat)
    looping = transport.loop_end > transport.loop_start
    first_loop_bar, last_loop_bar = bar_of(transport.loop_start), bar_of(transport.loop_end - 1e-6)
    bar, offset = current, 0.0
    for k in range(lookahead + 1):
        start = bar * BEATS_PER_BAR
        starts_in = (start - beat) * spb + offset
        out.append(Due(bar, starts_in, k == 0 and start <= beat))
        if looping and bar >= last_loop_bar:
            offset += (bar + 1) * BEATS_PER_BAR * spb - first_loop_bar * BEATS_PER_BAR * spb
            bar = first_loop_bar
        else:
            bar += 1
    return out


def needs_generation(due: list[Due], sent: dict[int, int], version: int) -> list[Due]:
    """Bars to (re)generate: never sent, or sent at an older version with an occurrence that has
    not started yet (in a loop a bar comes round again: the newer version plays next time round).
    A bar that is playing and never comes round again is only sent if it was never sent at all."""
    todo: dict[int, Due] = {}
    for d in due:
        have = sent.get(d.bar)
        if have is None:
            todo.setdefault(d.bar, d)
        elif have < version and not d.started and (d.bar not in todo or todo[d.bar].started):
            todo[d.bar] = d
    return list(todo.values())
