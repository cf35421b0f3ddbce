"""MIDI files: reading, writing, track selection, and round trips through real files."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.models.errors import EmptyClipError, InputError, MeterError
from segue.models.midifile import read_midi, select_tracks, write_midi
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import (
    DrumsRepresentation,
    MelodyRepresentation,
    Representation,
    TrioRepresentation,
)

REPRESENTATIONS: list[Representation] = [
    MelodyRepresentation(),
    DrumsRepresentation(),
    DrumsRepresentation("legacy"),
    TrioRepresentation(),
]
TICK = 1 / 96  # grid for generated times: exact in 480-tick files


def sample_sequence() -> NoteSequence:
    return NoteSequence(
        tracks=[
            Track([Note(60, 0.0, 1.0, 90), Note(64, 1.5, 0.25, 30)], program=0, name="lead"),
            Track([Note(36, 0.0, 2.0, 100)], program=33, name="bass"),
            Track([Note(36, 0.0, 0.25, 127), Note(42, 0.5, 0.25, 1)], is_drum=True, name="kit"),
        ],
        qpm=97.0,
    )


# ---------------------------------------------------------------------------------------------
# write_midi / read_midi


def test_write_then_read_keeps_everything(tmp_path: Path) -> None:
    seq = sample_sequence()
    write_midi(seq, tmp_path / "clip.mid")
    back = read_midi(tmp_path / "clip.mid")
    assert (back.qpm, back.numerator, back.denominator) == (97.0, 4, 4)
    by_name = {t.name: t for t in back.tracks}
    for track in seq.tracks:
        got = by_name[track.name]
        assert (got.program, got.is_drum) == (track.program, track.is_drum)
        assert got.notes == track.notes


def test_read_follows_the_tempo_map(tmp_path: Path) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    meta = mido.MidiTrack(
        [
            mido.MetaMessage("set_tempo", tempo=500000, time=0),
            mido.MetaMessage("set_tempo", tempo=250000, time=960),  # doubles speed at beat 2
        ]
    )
    notes = mido.MidiTrack(
        [
            mido.Message("note_on", note=60, velocity=70, time=1920),
            mido.Message("note_off", note=60, velocity=0, time=480),
        ]
    )
    mid.tracks += [meta, notes]
    mid.save(tmp_path / "tempo.mid")
    seq = read_midi(tmp_path / "tempo.mid")
    assert seq.qpm == 120.0
    assert seq.tracks[0].notes == [Note(60, 4.0, 1.0, 70)]


def test_read_keeps_a_single_other_meter_for_to_indices_to_refuse(tmp_path: Path) -> None:
    pm = pretty_midi.PrettyMIDI()
    pm.time_signature_changes.append(pretty_midi.TimeSignature(3, 4, 0.0))
    inst = pretty_midi.Instrument(0)
    inst.notes.append(pretty_midi.Note(80, 60, 0.0, 0.5))
    pm.instruments.append(inst)
    pm.write(str(tmp_path / "waltz.mid"))
    seq = read_midi(tmp_path / "waltz.mid")
    assert (seq.numerator, seq.denominator) == (3, 4)
    with pytest.raises(MeterError, match="3/4"):
        MelodyRepresentation().to_indices(seq)


def test_meter_change_inside_file_raises(tmp_path: Path) -> None:
    pm = pretty_midi.PrettyMIDI()
    pm.time_signature_changes += [
        pretty_midi.TimeSignature(4, 4, 0.0),
        pretty_midi.TimeSignature(7, 8, 2.0),
    ]
    pm.write(str(tmp_path / "change.mid"))
    with pytest.raises(MeterError, match=r"changes meter \(4/4 at beat 0, 7/8 at beat 4\)"):
        read_midi(tmp_path / "change.mid")


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_midi(tmp_path / "nope.mid")


@pytest.mark.parametrize(
    "payload",
    [b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff", b"not a midi file at all", b""],
)
def test_corrupt_file_raises_input_error_naming_it(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "broken.mid"
    path.write_bytes(payload)
    with pytest.raises(InputError, match="cannot read MIDI file .*broken.mid"):
        read_midi(path)


def test_write_refuses_bad_notes(tmp_path: Path) -> None:
    seq = NoteSequence([Track([Note(200, 0.0, 1.0)])])
    with pytest.raises(InputError, match="pitch"):
        write_midi(seq, tmp_path / "bad.mid")
    assert not (tmp_path / "bad.mid").exists()


# ---------------------------------------------------------------------------------------------
# select_tracks


def test_select_by_program_and_index() -> None:
    seq = sample_sequence()
    bass = select_tracks(seq, program=33)
    assert [t.name for t in bass.tracks] == ["bass"] and bass.qpm == 97.0
    assert [t.name for t in select_tracks(seq, track=2).tracks] == ["kit"]
    assert len(select_tracks(seq).tracks) == 3


def test_select_without_match_lists_tracks() -> None:
    seq = sample_sequence()
    with pytest.raises(InputError, match=r"no instrument with program 40.*1 'bass' \(program 33"):
        select_tracks(seq, program=40)
    with pytest.raises(InputError, match=r"no track 5.*2 'kit' \(drums"):
        select_tracks(seq, track=5)
    with pytest.raises(InputError, match="program 0"):  # a drum kit is not program 0
        select_tracks(seq, program=0, track=2)


# ---------------------------------------------------------------------------------------------
# Property: NoteSequence -> MIDI file -> NoteSequence gives the same indices


@st.composite
def tracks(draw: st.DrawFn) -> Track:
    is_drum = draw(st.booleans())
    program = 0 if is_drum else draw(st.sampled_from([0, 5, 25, 33, 38, 40]))
    notes: list[Note] = []
    for _ in range(draw(st.integers(0, 12))):
        pitch = draw(st.integers(30, 90) if is_drum else st.integers(15, 115))
        start = draw(st.integers(0, 8 * 96)) * TICK
        duration = draw(st.integers(1, 4 * 96)) * TICK
        velocity = draw(st.integers(1, 127))
        # MIDI holds one note per pitch and channel at a time
        if all(n.pitch != pitch or n.end <= start or start + duration <= n.start for n in notes):
            notes.append(Note(pitch, start, duration, velocity))
    return Track(notes, program=program, is_drum=is_drum)


sequences = st.builds(
    NoteSequence,
    tracks=st.lists(tracks(), min_size=1, max_size=4),
    qpm=st.sampled_from([60.0, 97.0, 120.0, 133.3, 180.0]),
)


def _indices_or_empty(rep: Representation, seq: NoteSequence) -> tuple[np.ndarray, int, int] | str:
    try:
        result = rep.to_indices(seq)
    except EmptyClipError:
        return "empty"
    return result.indices, result.dropped_out_of_range, result.dropped_polyphonic


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=sequences)
def test_midi_round_trip_gives_same_indices(tmp_path: Path, seq: NoteSequence) -> None:
    path = tmp_path / "round.mid"
    write_midi(seq, path)
    back = read_midi(path)
    assert abs(back.qpm - seq.qpm) < 0.01
    for rep in REPRESENTATIONS:
        direct, via_file = _indices_or_empty(rep, seq), _indices_or_empty(rep, back)
        if isinstance(direct, str) or isinstance(via_file, str):
            assert direct == via_file
            continue
        np.testing.assert_array_equal(via_file[0], direct[0])
        assert via_file[1:] == direct[1:]


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_bars=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_decoded_trio_survives_a_midi_file(tmp_path: Path, n_bars: int, seed: int) -> None:
    rep = TrioRepresentation()
    rng = np.random.default_rng(seed)
    steps = n_bars * 16
    arr = np.stack(
        [
            np.where(rng.random(steps) < 0.3, rng.integers(2, 90, steps), 0),
            np.where(rng.random(steps) < 0.3, rng.integers(2, 90, steps), 0),
            np.where(rng.random(steps) < 0.5, rng.integers(1, 512, steps), 0),
        ],
        axis=1,
    )
    arr[0, 2] = 1
    write_midi(rep.from_indices(arr, qpm=100.0), tmp_path / "trio.mid")
    result = rep.to_indices(read_midi(tmp_path / "trio.mid"), num_bars=n_bars)
    np.testing.assert_array_equal(result.indices, arr)
