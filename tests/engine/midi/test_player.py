"""The pure player on a plain list of beats: no clock, no thread, no port."""

from __future__ import annotations

from segue.engine.midi.player import FREEZE_AHEAD, MAX_BARS_KEPT, BarQueue, Player
from segue.models.notes import Note


def events(messages) -> list[tuple[str, int, int]]:
    return [(m.type if m.velocity else "note_off", m.note, m.velocity) for m in messages]


def play_through(player: Player, beats: list[float]) -> list[tuple[float, str, int]]:
    out = []
    for beat in beats:
        out += [(beat, kind, pitch) for kind, pitch, _ in events(player.play(beat))]
    return out


def test_notes_come_out_at_their_beats_with_their_note_offs():
    queue = BarQueue()
    queue.offer(0, 1, [Note(60, 0.0, 0.5, 100), Note(64, 1.0, 1.5, 90)])
    queue.offer(1, 1, [Note(67, 0.5, 0.25, 80)])
    player = Player(queue, channel=2)
    out = play_through(player, [0.0, 0.25, 0.5, 1.0, 2.0, 2.5, 4.5, 4.75, 5.0])
    assert out == [(0.0, "note_on", 60), (0.5, "note_off", 60), (1.0, "note_on", 64), (2.5, "note_off", 64),
                   (4.5, "note_on", 67), (4.75, "note_off", 67)]
    assert all(m.channel == 2 for m in player.play(8.0) + player.all_off())


def test_a_bar_takes_the_newest_version_until_it_begins_then_keeps_it():
    queue = BarQueue()
    queue.offer(1, 1, [Note(60, 0.0, 0.5)])
    assert queue.offer(1, 3, [Note(62, 0.0, 0.5)]) and not queue.offer(1, 2, [Note(61, 0.0, 0.5)])
    player = Player(queue)
    player.play(4.0 - FREEZE_AHEAD)  # the bar locks just before its bar line
    queue.offer(1, 4, [Note(64, 0.0, 0.5)])  # too late for this pass
    assert [p for _, k, p in play_through(player, [4.0]) if k == "note_on"] == [62]
    player.restart(4.0)  # a jump back: the bar may take its newest version
    assert [p for _, k, p in play_through(player, [4.0]) if k == "note_on"] == [64]


def test_a_repeated_pitch_ends_the_sounding_note_first_and_a_stale_off_is_ignored():
    queue = BarQueue()
    queue.offer(0, 1, [Note(60, 0.0, 2.0), Note(60, 1.0, 0.5)])
    player = Player(queue)
    assert play_through(player, [0.0, 1.0, 1.5, 2.0]) == [
        (0.0, "note_on", 60), (1.0, "note_off", 60), (1.0, "note_on", 60), (1.5, "note_off", 60)]


def test_all_off_ends_every_sounding_note_once():
    queue = BarQueue()
    queue.offer(0, 1, [Note(60, 0.0, 4.0), Note(64, 0.0, 4.0)])
    player = Player(queue)
    player.play(1.0)
    assert sorted(p for _, p, _ in events(player.all_off())) == [60, 64]
    assert player.all_off() == [] and player.play(4.5) == []


def test_next_beat_says_when_to_wake():
    queue = BarQueue()
    queue.offer(0, 1, [Note(60, 1.0, 0.5)])
    queue.offer(2, 1, [Note(62, 0.0, 0.5)])
    player = Player(queue)
    assert player.next_beat() == 1.0
    player.play(1.0)
    assert player.next_beat() == 1.5  # the note-off
    player.play(1.5)
    assert player.next_beat() == 8.0  # bar 2's first note (bar 1 is empty)


def test_the_queue_keeps_the_bars_nearest_the_playhead():
    queue = BarQueue()
    for bar in range(MAX_BARS_KEPT + 10):
        queue.offer(bar, 1, [], playhead_bar=MAX_BARS_KEPT)
    assert len(queue.bars) <= MAX_BARS_KEPT and MAX_BARS_KEPT in queue.bars and 0 not in queue.bars
