"""Control tensors: chords bar by bar, key, extra controls; a model that takes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segue.models.configs import MusicVAEConfig
from segue.models.controls import ControlSpec, bars_of
from segue.models.errors import ModelError
from segue.models.inference import LatentModel
from segue.models.notes import Note, NoteSequence, Track


def test_spec_and_depths():
    spec = ControlSpec.of({"chords": "PitchChordEncoder", "key": True, "extra": [["rhythm", 1]], "preprocess": 4})
    assert (spec.depth, spec.decoder_depth) == (37 + 12 + 1, 8)
    assert ControlSpec.of(spec.to_dict()) == spec and not ControlSpec.of({})
    with pytest.raises(ValueError, match="unknown controls"):
        ControlSpec.of({"tempo": 1})
    with pytest.raises(Exception, match="unknown chord encoder"):
        ControlSpec.of({"chords": "X"})


def test_a_window_of_chords_key_and_extra():
    spec = ControlSpec.of({"chords": "MajorMinorChordEncoder", "key": True, "extra": [["r", 2]]})
    w = spec.window(32, chords=[["C", "G"], ["Am"]], key=5, extra={"r": np.ones((32, 2))})
    assert w.shape == (32, 25 + 12 + 2)
    assert w[:8, :25].argmax(-1).tolist() == [1] * 8 and w[8:16, :25].argmax(-1).tolist() == [8] * 8
    assert w[16:, :25].argmax(-1).tolist() == [1 + 12 + 9] * 16 and (w[:, 25 + 5] == 1).all()
    assert spec.window(32, key=0, extra={"r": np.ones((32, 2))})[:, 0].all()  # no chords: N.C.
    with pytest.raises(ModelError, match="key"):
        spec.window(32, extra={"r": np.ones((32, 2))})
    with pytest.raises(ModelError, match="extra control 'r'"):
        spec.window(32, key=1)
    with pytest.raises(ModelError, match="needs chords for 2 bars"):
        spec.window(32, chords=[["C"]], key=1, extra={"r": np.ones((32, 2))})


def test_multitrack_chords_by_track():
    spec = ControlSpec.of({"chords": "MajorMinorChordEncoder"})
    w = spec.window(8, chords=[["D"]], segments_by_track=2)
    assert w.argmax(-1).tolist() == [0, 3, 3, 3, 0, 3, 3, 3]
    with pytest.raises(ModelError, match="one chord per window"):
        spec.window(8, chords=[["D", "E"]], segments_by_track=2)


def test_a_chord_model_loops_the_progression_over_its_windows():
    cfg = MusicVAEConfig(name="c", representation={"kind": "melody"}, z_size=4, enc_rnn_size=(4,), dec_rnn_size=(4,),
                         max_seq_len=32, controls={"chords": "TriadChordEncoder"})
    model = LatentModel.fresh(cfg, device="cpu")
    c = model.controls(3, "C F G")
    first_steps = c[:, ::16].argmax(-1).tolist()
    assert first_steps == [[1, 6], [8, 1], [6, 8]]  # C F | G C | F G
    assert bars_of([["C"], ["F"]], 3, 2) == [["F"], ["C"]] and bars_of(None, 0, 2) is None
    seq = NoteSequence([Track([Note(60, 0, 1, 80), Note(67, 5, 1, 80)])])
    enc = model.encode_clip(seq, chords="C G")
    assert not torch.equal(enc.mu, model.encode_clip(seq, chords="Am Dm").mu)
    out = model.decode_clip(enc.mu, chords="C G", bars=2)
    assert out.tracks[0].notes is not None
    with pytest.raises(ModelError, match="give its controls"):
        model.encode(np.zeros((1, 32, 1), np.int64))
