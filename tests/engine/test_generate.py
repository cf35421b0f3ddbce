"""What a bar holds: slot codes, morph, attributes, and lazy bar-by-bar decoding."""

import torch

from segue.engine import generate
from segue.engine.shaping import Shape
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel
from segue.models.latent import slerp


def snapshot(z, morph=0.3, temperature=1.0, seed=5, attributes=(), version=0):
    return generate.Snapshot(version, z[:1], z[1:2], morph, temperature, seed, attributes, Shape(), None)


def test_hierarchical_models_decode_only_the_bars_that_are_due():
    model = LatentModel.fresh(CONFIGS["hier-mel_4bar_small"].scaled(16), seed=0, device="cpu")
    snap = snapshot(model.prior(2, 0))
    cache: dict = {}
    first = generate.bar_notes(model, snap, 0, cache)
    (entry,) = cache.values()
    assert len(entry["segments"]) == 1  # bar 0 only: the conductor ran, one segment decoded
    bars = [first] + [generate.bar_notes(model, snap, b, cache) for b in range(1, 4)]
    assert len(entry["segments"]) == 4
    # the same music as decoding the whole window (noise keyed by bar)
    whole = model.decode(generate.window_code(model, snap, 0)[None], 1.0, seed=5)[0]
    notes = generate._notes(model, whole)
    for b in range(4):
        assert [(n.pitch, n.start) for n in bars[b]] == \
            [(n.pitch, n.start - 4 * b) for n in notes if 4 * b <= n.start < 4 * b + 4]


def test_window_code_is_the_slerp_plus_attribute_shifts():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    model.attributes["note_density"] = torch.ones(8)
    z = model.prior(2, 0)
    snap = snapshot(z, morph=0.25, attributes=(("note_density", 0.5),))
    torch.testing.assert_close(generate.window_code(model, snap, 0), slerp(z[0], z[1], 0.25) + 0.5)


def test_no_slots_plays_a_prior_draw_keyed_by_seed():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    empty = generate.Snapshot(0, None, None, 0.0, 0.0, 7, (), Shape(), None)
    torch.testing.assert_close(generate.window_code(model, empty, 0), model.prior(1, 7)[0])


def test_bars_loop_over_the_longer_slot():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    a, b = model.prior(1, 1), model.prior(3, 2)  # 1 window against 3 windows
    snap = generate.Snapshot(0, a, b, 0.0, 0.0, 0, (), Shape(), None)
    assert snap.windows == 3
    cache: dict = {}
    assert generate.bar_notes(model, snap, 7, cache) == generate.bar_notes(model, snap, 1, cache)  # 7 % 6
