"""GrooVAE's representation: hits, velocities and offsets; the modes; notes back; blending.
(Parity with Magenta.js's GrooveConverter: tests/models/formats/test_magenta_spec.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from segue.models.errors import EmptyClipError
from segue.models.groove import TAP_CLASS, GrooveRepresentation, blend
from segue.models.midifile import read_midi, write_midi
from segue.models.notes import Note, NoteSequence, Track

KICK, SNARE = 36, 38


def _drums(*notes: Note) -> NoteSequence:
    return NoteSequence([Track(list(notes), is_drum=True)])


def test_features_hits_velocities_offsets():
    rep = GrooveRepresentation("full")
    seq = _drums(Note(KICK, 0.0, 0.25, 127), Note(SNARE, 1.0 - 0.05, 0.25, 64), Note(SNARE, 1.5 + 0.1, 0.25, 30))
    x = rep.to_indices(seq, num_bars=1).indices
    assert x.shape == (16, 27) and x.dtype == np.float32
    assert x[0, 0] == 1 and x[0, 9] == pytest.approx(1.0) and x[0, 18] == 0
    assert x[4, 1] == 1 and x[4, 10] == pytest.approx(64 / 127)
    assert x[4, 19] == pytest.approx(2 * 0.05 * 4)  # early: positive, in steps times 2
    assert x[6, 19] == pytest.approx(-2 * 0.1 * 4)  # late: negative
    assert x[[1, 2, 3, 5], :].sum() == 0


def test_the_loudest_hit_of_a_class_on_a_step_counts():
    rep = GrooveRepresentation("full")
    x = rep.to_indices(_drums(Note(KICK, 0, 0.25, 50), Note(35, 0.01, 0.25, 90), Note(KICK, 0, 0.25, 90)),
                       num_bars=1).indices
    assert x[0, 9] == pytest.approx(90 / 127) and x[0, 18] == pytest.approx(-0.08)  # 35, the first of the two 90s


def test_modes_flatten_what_the_model_should_not_see():
    seq = NoteSequence([Track([Note(KICK, 0.05, 0.25, 100)], is_drum=True), Track([Note(72, 1.0, 1.0, 70)])])
    humanize = GrooveRepresentation("humanize").to_indices(seq, 1).indices
    assert humanize[0, 0] == 1 and humanize[:, 9:].sum() == 0
    tap = GrooveRepresentation("tap").to_indices(seq, 1).indices
    assert tap[0, TAP_CLASS] == 1 and tap[4, TAP_CLASS] == 1 and tap[:, :9].sum() == 2  # any note is a tap
    assert tap[:, 9:18].sum() == 0 and tap[0, 18 + TAP_CLASS] == pytest.approx(-0.4)  # timing kept
    with pytest.raises(EmptyClipError, match="nothing to groove"):
        GrooveRepresentation("humanize").to_indices(NoteSequence([Track([Note(100, 0, 1, 80)], is_drum=True)]), 1)


def test_decoded_features_become_played_notes(tmp_path):
    rep = GrooveRepresentation("full")
    x = np.zeros((16, 27), np.float32)
    x[0, 0], x[0, 9], x[0, 18] = 1, 0.5, 0.6  # early at step 0: no earlier than the window's start
    x[4, 1], x[4, 10], x[4, 19] = 0.9, 0.0001, -0.5  # late, velocity rounds to 0: written as 1
    x[8, 2] = 0.4  # no hit
    notes = rep.from_indices(x).tracks[0].notes
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in notes] == [(KICK, 0.0, 0.25, 64),
                                                                           (SNARE, 1.0625, 0.25, 1)]
    # offsets are fractions of a step: the same beats at any tempo, so the time in seconds scales
    for qpm in (90.0, 180.0):
        path = tmp_path / f"g{qpm:g}.mid"
        write_midi(rep.from_indices(x, qpm=qpm), path)
        back = read_midi(path)
        assert back.qpm == pytest.approx(qpm)
        assert round(back.tracks[0].notes[1].start, 3) == 1.062


def test_blend_goes_from_the_grid_to_the_groove():
    rep = GrooveRepresentation("humanize")
    source = np.zeros((16, 27), np.float32)
    source[0, 0], source[0, 9] = 1, 0.8
    grooved = source.copy()
    grooved[0, 9], grooved[0, 18] = 0.4, 0.5
    grooved[4, 1], grooved[4, 10], grooved[4, 19] = 1, 0.2, -0.3  # a hit the model added
    assert np.allclose(blend(rep, grooved, source, 1.0), grooved)
    none = blend(rep, grooved, source, 0.0)
    assert none[0, 9] == pytest.approx(0.8) and none[:, 18:].sum() == 0 and none[4, 10] == pytest.approx(0.8)
    half = blend(rep, grooved, source, 0.5)
    assert half[0, 9] == pytest.approx(0.6) and half[0, 18] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="amount"):
        blend(rep, grooved, source, 1.5)


def test_tables_and_round_trip_through_a_dict():
    from segue.models.representation import representation_from_dict

    custom = GrooveRepresentation("tap", [[36], [38], [42], [46], [49]])
    assert representation_from_dict(custom.to_dict()) == custom
    assert custom.input_depth == 15
    with pytest.raises(ValueError, match="mode"):
        GrooveRepresentation("swing")
