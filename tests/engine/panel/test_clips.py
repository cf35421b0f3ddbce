"""MIDI uploads read with the CLI's code, track choice, bad files, the reconstruction's F1, downloads."""

import io

import pretty_midi
import pytest

from segue.engine.panel import clips
from segue.models.errors import InputError
from segue.models.loading import example_clips
from segue.models.notes import Note


def midi_file(*tracks, numerator=4, changes_meter=False) -> bytes:
    """A .mid file: each track a list of (pitch, start beat, beats), at 120 BPM."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(numerator, 4, 0.0))
    if changes_meter:
        pm.time_signature_changes.append(pretty_midi.TimeSignature(3, 4, 4.0))
    for k, notes in enumerate(tracks):
        inst = pretty_midi.Instrument(program=k, name=f"track {k}")
        inst.notes = [pretty_midi.Note(100, p, s / 2, (s + d) / 2) for p, s, d in notes]
        pm.instruments.append(inst)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def test_an_upload_becomes_a_clip_of_whole_bars_from_its_first_bar_line():
    up = clips.read_upload(midi_file([(60, 4.0, 1.0), (64, 5.0, 0.5), (67, 9.5, 1.0)]), "riff.mid")
    assert [(n.pitch, n.start, n.duration) for n in up.clip.notes] == [(60, 0.0, 1.0), (64, 1.0, 0.5), (67, 5.5, 1.0)]
    assert up.clip.length == 8.0 and up.clip.kind == "notes" and up.track == 0 and up.name == "riff.mid"


def test_the_shipped_examples_read_as_they_do_in_the_cli():
    for path in example_clips():
        up = clips.read_upload(path.read_bytes(), path.name)
        assert up.clip.notes and up.clip.length % 4 == 0


def test_several_tracks_ask_which_one():
    data = midi_file([(60, 0.0, 1.0)], [(72, 0.0, 0.5), (74, 0.5, 0.5)])
    with pytest.raises(clips.NeedsTrack) as asked:
        clips.read_upload(data, "two.mid")
    assert [t["index"] for t in asked.value.tracks] == [0, 1] and asked.value.tracks[1]["notes"] == 2
    chosen = clips.read_upload(data, "two.mid", track=1)
    assert [n.pitch for n in chosen.clip.notes] == [72, 74] and chosen.name == "two.mid / track 1"
    with pytest.raises(InputError, match="no track 7"):
        clips.read_upload(data, "two.mid", track=7)


@pytest.mark.parametrize("data, message", [
    (b"", "not a MIDI file"),
    (b"/etc/passwd", "not a MIDI file"),  # bytes, never a path: nothing is opened
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x05\x01\xe0MTrk\xff\xff\xff\xff", "cannot read MIDI file bad.mid"),
    (b"MThd" + b"\x00" * 100, "cannot read MIDI file bad.mid"),
    (b"MThd" + b"\xff" * (clips.MAX_UPLOAD_BYTES + 1), "at most"),
])
def test_bad_or_huge_files_are_clear_errors(data, message):
    with pytest.raises(InputError, match=message) as e:
        clips.read_upload(data, "bad.mid")
    assert "segue-upload" not in str(e.value)  # the temporary file is never named


def test_files_without_notes_or_changing_meter_are_refused():
    with pytest.raises(InputError, match="no notes"):
        clips.read_upload(midi_file([]), "empty.mid")
    with pytest.raises(InputError, match="changes meter"):
        clips.read_upload(midi_file([(60, 0.0, 1.0)], changes_meter=True), "meter.mid")


def test_note_f1_counts_onsets_to_the_16th_and_pitches():
    ref = [Note(60, 0.0, 1.0), Note(62, 1.0, 1.0), Note(64, 2.0, 1.0), Note(65, 3.0, 1.0)]
    assert clips.note_f1(ref, ref) == 1.0
    assert clips.note_f1(ref, [Note(60, 0.02, 0.5), Note(62, 1.0, 3.0)]) == pytest.approx(2 * 2 / 6)
    assert clips.note_f1(ref, [Note(61, 0.0, 1.0)]) == 0.0
    assert clips.note_f1([], []) == 1.0


def test_downloads_are_midi_files_pretty_midi_reads_back(tmp_path):
    bars = [[Note(60, 0.0, 1.0, 90)], [Note(67, 0.5, 0.5, 80)]]
    data = clips.midi_bytes(clips.joined(bars, 4.0), tempo=100.0)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    notes = pm.instruments[0].notes
    assert [(n.pitch, round(n.start * 100 / 60, 3), n.velocity) for n in notes] == [(60, 0.0, 90), (67, 4.5, 80)]
    assert pm.get_tempo_changes()[1][0] == pytest.approx(100.0)
