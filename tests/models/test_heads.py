"""Decoder heads beyond categorical: sampling is keyed like the rest, bar by bar equals whole.
(Their argmax maths against Magenta.js: tests/models/formats/test_magenta_spec.py.)"""

from __future__ import annotations

import pytest
import torch

from segue.models.configs import MusicVAEConfig
from segue.models.errors import ModelError
from segue.models.inference import LatentModel

DRUMS = {"kind": "drums", "pitch_table": "legacy"}
GROOVE = {"kind": "groove", "mode": "humanize", "pitch_table": "legacy"}


def _model(rep: dict, output: str, hier: bool = False, **kw) -> LatentModel:
    shape = dict(encoder="hierarchical", decoder="hierarchical", num_segments=4) if hier else {}
    cfg = MusicVAEConfig(name="h", representation=rep, z_size=8, enc_rnn_size=(8,), dec_rnn_size=(8,),
                         max_seq_len=64 if hier else 32, output=output, **shape, **kw)
    model = LatentModel.fresh(cfg, seed=1, device="cpu")
    with torch.no_grad():
        for p in model.model.parameters():
            p.mul_(20)
    return model


@pytest.mark.parametrize("rep,output,kw", [(DRUMS, "bits", {}), (DRUMS, "nade", {"nade_hidden": 5}),
                                           (GROOVE, "groove", {})])
def test_sampling_is_keyed_and_bar_by_bar_equals_whole(rep, output, kw):
    model = _model(rep, output, hier=True, **kw)
    z = model.prior(2, seed=3)
    whole = model.decode(z, temperature=1.0, seed=7)
    assert torch.equal(whole, model.decode(z, temperature=1.0, seed=7))
    assert not torch.equal(whole, model.decode(z, temperature=1.0, seed=8))
    assert not torch.equal(whole, model.decode(z))
    emb = model.conduct(z)
    start, bars = model.start_tokens(2), []
    for s in range(4):
        bars.append(model.decode_segment(emb, s, start, 1.0, seed=7))
        start = bars[-1][:, -1]
    assert torch.equal(torch.cat(bars, 1), whole)
    if output == "groove":
        assert whole.dtype == torch.float32 and whole.shape == (2, 64, 27)
        hits = whole[..., :9]
        assert set(hits.unique().tolist()) <= {0.0, 1.0} and (whole[..., 18:].abs() <= 1).all()
    else:
        assert whole.dtype == torch.long and int(whole.max()) < 512


def test_training_other_decoders_is_refused():
    model = _model(DRUMS, "bits")
    with pytest.raises(ModelError, match="training a bits decoder"):
        model.model(torch.zeros(1, 32, 1, dtype=torch.long))


@pytest.mark.parametrize("name", ["groovae_2bar_humanize", "groovae_2bar_tap"])
def test_the_groovae_configs_save_and_load(tmp_path, name):
    from segue.models.configs import CONFIGS

    model = LatentModel.fresh(CONFIGS[name].scaled(8), seed=2, device="cpu")
    back = LatentModel.load(model.save(tmp_path / "g.safetensors"), device="cpu")
    z = model.prior(2, seed=1)
    assert torch.equal(back.decode(z, 0.5, seed=3), model.decode(z, 0.5, seed=3))
    assert back.capabilities == (("drumify" if "tap" in name else "groove"), "velocity", "timing")
