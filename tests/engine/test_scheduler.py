"""When bars are due: upcoming() and needs_generation() on a fake clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine.scheduler import Due, bar_of, needs_generation, seconds_per_bar, upcoming
from segue.engine.session import Transport

T0 = 1000.0  # the fake clock's time of the transport report


def playing(tempo: float = 120.0, beat: float = 0.0, loop: tuple[float, float] = (0.0, 0.0)) -> Transport:
    return Transport(playing=True, tempo=tempo, beat=beat, at=T0, loop_start=loop[0], loop_end=loop[1])


def bars(due: list[Due]) -> list[int]:
    return [d.bar for d in due]


def test_bar_of_and_seconds_per_bar():
    assert [bar_of(b) for b in (0.0, 3.999, 4.0, 7.5, 8.0, -0.5, -4.0)] == [0, 0, 1, 1, 2, -1, -1]
    assert bar_of(4.0 - 1e-12) == 1  # float noise at a boundary counts as the next bar
    assert seconds_per_bar(120.0) == pytest.approx(2.0)
    assert seconds_per_bar(60.0) == pytest.approx(4.0)
    assert seconds_per_bar(400.0) == pytest.approx(0.6)


def test_upcoming_at_the_start():
    due = upcoming(playing(), T0, lookahead=2)
    assert bars(due) == [0, 1, 2]
    assert [d.starts_in for d in due] == pytest.approx([0.0, 2.0, 4.0])
    assert [d.started for d in due] == [True, False, False]


def test_upcoming_mid_bar_and_across_a_boundary():
    t = playing()
    due = upcoming(t, T0 + 1.0, lookahead=2)  # beat 2
    assert bars(due) == [0, 1, 2]
    assert [d.starts_in for d in due] == pytest.approx([-1.0, 1.0, 3.0])
    due = upcoming(t, T0 + 2.0, lookahead=2)  # beat 4: bar 1 has started
    assert bars(due) == [1, 2, 3]
    assert due[0].started and due[0].starts_in == pytest.approx(0.0)
    due = upcoming(t, T0 + 1.999, lookahead=2)
    assert bars(due) == [0, 1, 2] and due[1].starts_in == pytest.approx(0.001)


@pytest.mark.parametrize("tempo, bar_seconds", [(60.0, 4.0), (120.0, 2.0), (240.0, 1.0), (400.0, 0.6), (20.0, 12.0)])
def test_upcoming_follows_tempo(tempo, bar_seconds):
    t = playing(tempo=tempo)
    due = upcoming(t, T0 + 2.5 * bar_seconds, lookahead=3)
    assert bars(due) == [2, 3, 4, 5]
    assert [d.starts_in for d in due] == pytest.approx([-0.5 * bar_seconds, 0.5 * bar_seconds,
                                                        1.5 * bar_seconds, 2.5 * bar_seconds])


def test_upcoming_from_a_reported_beat():
    t = playing(tempo=120.0, beat=41.0)  # bar 10, beat 1 of it
    due = upcoming(t, T0, lookahead=1)
    assert bars(due) == [10, 11]
    assert due[1].starts_in == pytest.approx(1.5)


def test_stopped_transport_stays_put():
    t = Transport(playing=False, tempo=120.0, beat=9.0, at=T0)
    for now in (T0, T0 + 10, T0 + 1000):
        due = upcoming(t, now, lookahead=2)
        assert bars(due) == [2, 3, 4]
        assert due[1].starts_in == pytest.approx(1.5)


def test_lookahead_zero_is_just_the_playing_bar():
    assert bars(upcoming(playing(beat=17.0), T0, lookahead=0)) == [4]


# --- loops ----------------------------------------------------------------------------------------
def test_loop_wraps_to_its_first_bar():
    t = playing(loop=(0.0, 8.0))  # bars 0 and 1
    due = upcoming(t, T0 + 3.0, lookahead=4)  # beat 6: bar 1
    assert bars(due) == [1, 0, 1, 0, 1]
    assert [d.starts_in for d in due] == pytest.approx([-1.0, 1.0, 3.0, 5.0, 7.0])
    assert [d.started for d in due] == [True, False, False, False, False]


def test_playhead_wraps_inside_the_loop():
    t = playing(loop=(16.0, 24.0), beat=16.0)  # bars 4 and 5
    due = upcoming(t, T0 + 5.0, lookahead=2)  # 10 beats later: 26 -> 18, bar 4
    assert bars(due) == [4, 5, 4]
    assert due[0].started
    assert [d.starts_in for d in due] == pytest.approx([-1.0, 1.0, 3.0])


def test_loop_ahead_of_the_playhead():
    t = playing(loop=(8.0, 16.0))  # playing from bar 0 into a loop of bars 2-3
    assert bars(upcoming(t, T0, lookahead=6)) == [0, 1, 2, 3, 2, 3, 2]


def test_one_bar_loop():
    t = playing(loop=(4.0, 8.0), beat=4.0)
    due = upcoming(t, T0 + 0.5, lookahead=3)
    assert bars(due) == [1, 1, 1, 1]
    assert [d.starts_in for d in due] == pytest.approx([-0.5, 1.5, 3.5, 5.5])
    # never sent: send it now, once
    assert needs_generation(due, {}, 0) == [due[0]]
    # a knob changed while the bar plays: the newer version is for the next time round
    assert needs_generation(due, {1: 0}, 1) == [due[1]]
    assert needs_generation(due, {1: 1}, 1) == []


def test_no_loop_when_end_is_not_after_start():
    for loop in ((8.0, 8.0), (8.0, 4.0)):
        assert bars(upcoming(playing(loop=loop), T0, lookahead=4)) == [0, 1, 2, 3, 4]


# --- what to (re)generate -------------------------------------------------------------------------
def test_needs_generation_first_time_everything():
    due = upcoming(playing(), T0 + 1.0, lookahead=2)
    assert needs_generation(due, {}, 0) == due


def test_needs_generation_nothing_when_current():
    due = upcoming(playing(), T0 + 1.0, lookahead=2)
    assert needs_generation(due, {0: 3, 1: 3, 2: 3}, 3) == []
    assert needs_generation(due, {0: 5, 1: 5, 2: 5}, 3) == []  # newer than asked: keep


def test_newer_version_regenerates_only_bars_not_started():
    due = upcoming(playing(), T0 + 1.0, lookahead=2)  # bar 0 playing
    todo = needs_generation(due, {0: 1, 1: 1, 2: 1}, 2)
    assert bars(todo) == [1, 2]
    assert not any(d.started for d in todo)


def test_started_bar_sent_only_if_never_sent():
    due = upcoming(playing(), T0 + 1.0, lookahead=2)
    assert bars(needs_generation(due, {1: 0, 2: 0}, 0)) == [0]  # late, but better than silence
    assert bars(needs_generation(due, {0: 0, 1: 0, 2: 0}, 9)) == [1, 2]


def test_bars_enter_as_time_passes():
    t = playing(tempo=240.0)  # 1 s per bar
    sent: dict[int, int] = {}
    order = []
    for k in range(41):  # 4 s in steps of 0.1 s
        now = T0 + k * 0.1
        for d in needs_generation(upcoming(t, now, lookahead=2), sent, 0):
            sent[d.bar] = 0
            order.append((round(now - T0, 1), d.bar))
    assert order == [(0.0, 0), (0.0, 1), (0.0, 2), (1.0, 3), (2.0, 4), (3.0, 5), (4.0, 6)]


def test_looped_bars_are_not_sent_twice():
    t = playing(tempo=240.0, loop=(0.0, 8.0))
    sent: dict[int, int] = {}
    count = 0
    for k in range(100):
        for d in needs_generation(upcoming(t, T0 + k * 0.1, lookahead=3), sent, 0):
            sent[d.bar] = 0
            count += 1
    assert sorted(sent) == [0, 1] and count == 2


# --- properties -------------------------------------------------------------------------------------
@given(tempo=st.floats(20.0, 400.0), beat=st.floats(0.0, 10_000.0), dt=st.floats(0.0, 600.0),
       lookahead=st.integers(0, 8))
def test_upcoming_properties_without_loop(tempo, beat, dt, lookahead):
    t = playing(tempo=tempo, beat=beat)
    due = upcoming(t, T0 + dt, lookahead)
    now_beat = beat + dt * tempo / 60.0
    assert len(due) == lookahead + 1
    assert bars(due) == list(range(due[0].bar, due[0].bar + lookahead + 1))
    assert due[0].starts_in <= 1e-6
    for d in due:
        assert d.starts_in == pytest.approx((d.bar * 4.0 - now_beat) * 60.0 / tempo, abs=1e-6)
    assert all(b.starts_in > a.starts_in for a, b in zip(due, due[1:]))
    assert all(not d.started for d in due[1:])


@given(tempo=st.floats(20.0, 400.0), start_bar=st.integers(0, 50), length=st.integers(1, 8),
       into=st.floats(0.0, 0.999), dt=st.floats(0.0, 300.0), lookahead=st.integers(0, 12))
def test_upcoming_properties_in_a_loop(tempo, start_bar, length, into, dt, lookahead):
    start, end = start_bar * 4.0, (start_bar + length) * 4.0
    t = playing(tempo=tempo, beat=start + into * (end - start), loop=(start, end))
    due = upcoming(t, T0 + dt, lookahead)
    assert len(due) == lookahead + 1
    assert all(start_bar <= d.bar < start_bar + length for d in due)
    assert all(b.starts_in > a.starts_in for a, b in zip(due, due[1:]))
    # one bar later in playing order is the next bar, or the loop's first after its last
    for a, b in zip(due, due[1:]):
        assert b.bar == (a.bar + 1 if a.bar + 1 < start_bar + length else start_bar)
        assert b.starts_in - a.starts_in == pytest.approx(240.0 / tempo, rel=1e-6)
    todo = needs_generation(due, {}, 0)
    assert len({d.bar for d in todo}) == len(todo) == min(length, lookahead + 1)


@given(sent=st.dictionaries(st.integers(0, 10), st.integers(0, 5)), version=st.integers(0, 5),
       beat=st.floats(0.0, 40.0))
def test_needs_generation_properties(sent, version, beat):
    due = upcoming(playing(beat=beat), T0, lookahead=3)
    todo = needs_generation(due, sent, version)
    for d in due:
        if d.bar not in sent:
            assert d in todo
        elif sent[d.bar] >= version:
            assert d not in todo
        else:
            assert (d in todo) == (not d.started)
