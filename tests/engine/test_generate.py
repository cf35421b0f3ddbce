"""What a bar holds: slot codes, morph, attributes, and lazy bar-by-bar decoding."""

import torch

from segue.engine import generate
from segue.engine.shaping import Shape
from segue.models.configs import CONFIGS
from segue.models.fidelity import DEFAULT_CANDIDATES, KnobScale, guided_decode
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


def test_a_knob_on_a_calibrated_model_is_decoded_guided_and_otherwise_from_the_vector_alone():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    model.fit_attributes_from_prior(n=64, temperature=1.0)
    z = model.prior(2, 0)
    snap = snapshot(z, temperature=0.0, attributes=(("note_density", 1.5),))
    plain = generate.window_notes(model, snap, 0, 1, {})
    moved = generate.window_code(model, snap, 0)
    assert [(n.pitch, n.start) for n in plain] == \
        [(n.pitch, n.start) for n in generate._notes(model, model.decode(moved[None])[0])]
    model.meta.training = {"knobs": {"note_density": {"std": 0.1, "lo": 0.9, "hi": 0.9}}}  # aim: dense
    guided = generate.window_notes(model, snap, 0, 1, {})
    scales = KnobScale.of(model)
    expected = guided_decode(model, moved[None], generate.window_code(model, snap, 0, shifted=False)[None],
                             {"note_density": 1.5}, scales, DEFAULT_CANDIDATES, 0.0, snap.seed)
    assert [(n.pitch, n.start) for n in guided] == [(n.pitch, n.start) for n in generate._notes(model, expected[0])]
    assert abs(len(guided) / 32 - 0.9) <= abs(len(plain) / 32 - 0.9)  # nearer the knob's aim (2 bars: 32 steps)


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


def test_the_four_corner_blend_is_exact_at_the_corners_and_slerps_between():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    a, b, c, d = model.prior(4, 3)
    for (x, y), corner in (((0, 0), a), ((1, 0), b), ((0, 1), c), ((1, 1), d)):
        assert torch.equal(generate.xy_blend(a, b, c, d, float(x), float(y)), corner)
        assert generate.xy_corner(float(x), float(y)) == [0, 1, 2, 3][[(0, 0), (1, 0), (0, 1), (1, 1)].index((x, y))]
    assert generate.xy_corner(0.5, 0.0) is None
    torch.testing.assert_close(generate.xy_blend(a, b, c, d, 0.3, 0.6), slerp(slerp(a, b, 0.3), slerp(c, d, 0.3), 0.6))
    # the top edge is the A->B morph, the left edge A->C
    torch.testing.assert_close(generate.xy_blend(a, b, c, d, 0.4, 0.0), slerp(a, b, 0.4))
    torch.testing.assert_close(generate.xy_blend(a, b, c, d, 0.0, 0.7), slerp(a, c, 0.7))


def test_with_two_slots_the_pad_is_exactly_the_a_to_b_morph():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    z = model.prior(2, 4)
    morph = snapshot(z, morph=0.3)
    for y in (0.0, 0.5, 1.0):
        pad = generate.Snapshot(0, None, None, 0.0, 1.0, 5, (), Shape(), None, corners=(z[:1], z[1:2], None, None),
                                xy=(0.3, y))
        assert torch.equal(generate.window_code(model, pad, 0), generate.window_code(model, morph, 0))
    # a corner without a code takes its neighbour's: along y first, then across
    a, b, c = z[:1], z[1:2], model.prior(1, 9)
    assert generate.fill_corners((a, b, c, None))[3] is b
    assert generate.fill_corners((None, b, None, None)) == (b, b, b, b)
    assert generate.fill_corners((None, None, None, None)) is None
    # the pad on with no corner filled plays the prior draw, as no slots do
    empty = generate.Snapshot(0, z[:1], None, 0.0, 0.0, 7, (), Shape(), None, corners=(None,) * 4)
    torch.testing.assert_close(generate.window_code(model, empty, 0), model.prior(1, 7)[0])


def test_a_corner_plays_exactly_what_the_end_of_a_morph_plays():
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    z = model.prior(4, 6)
    for k in range(4):
        pad = generate.Snapshot(0, None, None, 0.0, 0.0, 0, (), Shape(), None,
                                corners=tuple(z[i:i + 1] for i in range(4)), xy=(float(k % 2), float(k // 2)))
        end = generate.Snapshot(0, z[k:k + 1], z[(k + 1) % 4:(k + 1) % 4 + 1], 0.0, 0.0, 0, (), Shape(), None)
        assert generate.bar_notes(model, pad, 1, {}) == generate.bar_notes(model, end, 1, {})


# --- your own clip at the ends of the blend ------------------------------------------------------------
def _session_with_clips():
    """A session whose slots A and B were encoded from clips of distinct pitches and velocities."""
    from segue.engine.session import Clip, FromClip, Session, Slot
    from segue.models.notes import Note

    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), seed=0, device="cpu")
    s = Session(instance="ends")
    s.clips["a"] = Clip([Note(60 + k % 5, k * 0.5, 0.5, 20 + 10 * (k % 8)) for k in range(16)], 8.0)
    s.clips["b"] = Clip([Note(80 + k % 3, k * 1.0 + 0.25, 0.75, 100) for k in range(8)], 8.0)
    for name, clip in (("A", "a"), ("B", "b")):
        s.slots[name] = Slot(source=FromClip(clip), bars=2, groove_clip=clip, mu=model.prior(1, ord(name)))
    s.knobs.temperature = 1.0  # an untrained model: random notes, so that they can be told apart
    return model, s


def _rows(notes):
    return sorted((n.pitch, round(n.start, 6), round(n.duration, 6), n.velocity) for n in notes)


def test_the_ends_of_the_morph_play_the_clips_themselves():
    model, s = _session_with_clips()
    for morph, clip in ((0.0, "a"), (1.0, "b")):
        s.knobs.morph = morph
        snap = generate.snapshot_of(s)
        for bar in (0, 1, 2, 3):  # the clip loops with the song
            got = generate.bar_notes(model, snap, bar, {})
            lo = (bar % 2) * 4.0
            want = [n for n in s.clips[clip].notes if lo <= n.start < lo + 4]
            assert _rows(got) == _rows([type(n)(n.pitch, n.start - lo, n.duration, n.velocity) for n in want])


def test_near_an_end_the_clip_gives_way_note_by_note_and_in_between_only_decoded_notes_play():
    model, s = _session_with_clips()
    source = set(_rows([n for n in s.clips["a"].notes if n.start < 4]))

    def shared(morph: float) -> int:
        s.knobs.morph = morph
        return len(set(_rows(generate.bar_notes(model, generate.snapshot_of(s), 0, {}))) & source)

    counts = [shared(m) for m in (0.0, 0.02, 0.05, 0.08, 0.1, 0.5)]
    assert counts[0] == len(source) and counts[-2] == counts[-1] == 0, counts
    assert counts[0] > counts[1] >= counts[2] >= counts[3] > 0 and counts[2] < len(source), counts


def test_decoded_notes_take_the_clips_velocities_by_position():
    model, s = _session_with_clips()
    s.knobs.morph = 0.3  # the nearer end is A: its velocities
    notes = generate.bar_notes(model, generate.snapshot_of(s), 1, {})
    assert notes and len({n.velocity for n in notes}) > 1
    dyn = s.clips["a"].dynamics
    for n in notes:
        assert n.velocity == dyn.velocity_at(4.0 + n.start)
    s.knobs.shape = s.knobs.shape.with_knob("velocity", 90)  # the velocity knob overrides them
    assert {n.velocity for n in generate.bar_notes(model, generate.snapshot_of(s), 1, {})} == {90}


def test_an_attribute_shift_plays_decoded_notes_even_at_an_end():
    model, s = _session_with_clips()
    model.attributes["note_density"] = torch.ones(8)
    s.knobs.attributes["note_density"] = 1.0
    got = generate.bar_notes(model, generate.snapshot_of(s), 0, {})
    assert _rows(got) != _rows([n for n in s.clips["a"].notes if n.start < 4])


def test_the_corners_of_the_pad_play_their_clips():
    model, s = _session_with_clips()
    s.xy_slots = ("A", "B", "", "")  # c and d stand in for a and b
    for (x, y), clip in (((0.0, 0.0), "a"), ((1.0, 0.0), "b"), ((0.0, 1.0), "a"), ((1.0, 1.0), "b")):
        s.knobs.xy_x, s.knobs.xy_y = x, y
        got = generate.bar_notes(model, generate.snapshot_of(s), 0, {})
        assert _rows(got) == _rows([n for n in s.clips[clip].notes if n.start < 4]), (x, y)


def _loud(model: LatentModel, seed: int = 3) -> LatentModel:
    with torch.no_grad():  # random weights large enough that controls change what is decoded
        gen = torch.Generator().manual_seed(seed)
        for p in model.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model


def test_chord_models_read_the_progression_bar_by_bar():
    from dataclasses import replace

    cfg = replace(CONFIGS["hier-mel_4bar_small"].scaled(16), controls={"chords": "TriadChordEncoder"})
    model = _loud(LatentModel.fresh(cfg, seed=0, device="cpu"))
    z = model.prior(2, 0)

    def bars(chords):
        snap = replace(snapshot(z, temperature=0.0), chords=chords)
        return [[(n.pitch, n.start) for n in generate.bar_notes(model, snap, b, {})] for b in range(4)]

    c_g = bars((("C",), ("G",)))
    assert c_g != bars((("Am",), ("Dm",)))
    # the progression loops: bars 0-3 read C G C G, as a window decoded whole with those chords
    whole = model.decode(generate.window_code(model, replace(snapshot(z), temperature=0.0), 0)[None],
                         controls=model.controls(1, "C G C G"))[0]
    notes = generate._notes(model, whole)
    assert c_g == [[(n.pitch, n.start - 4 * b) for n in notes if 4 * b <= n.start < 4 * b + 4] for b in range(4)]
    assert bars(()) == bars((("N.C.",),))  # no progression: no chord


def test_the_key_is_the_scale_knobs_key_signature():
    assert generate.key_of(Shape()) is None
    assert generate.key_of(Shape(scale_root=2, scale="major")) == 2
    assert generate.key_of(Shape(scale_root=9, scale="minor")) == 0  # A minor: C major's signature
    assert generate.key_of(Shape(scale_root=2, scale="dorian")) == 0


def test_grooves_play_the_models_own_velocities_and_timing():
    from dataclasses import replace

    from segue.engine.session import Clip

    model = _loud(LatentModel.fresh(CONFIGS["groovae_2bar_humanize"].scaled(16), seed=0, device="cpu"))
    with torch.no_grad():
        model.model.decoder.heads[0].output_projection.bias[:9] += 2.0
    clip = Clip([generate.Note(36, float(b), 0.25, 127) for b in range(8)], 8.0, "drums")
    snap = replace(snapshot(model.prior(2, 0), temperature=0.0), dynamics=clip.dynamics)
    notes = [n for b in range(2) for n in generate.bar_notes(model, snap, b, {})]
    assert notes and len({n.velocity for n in notes}) > 2  # not the clip's 127 everywhere
    assert any(abs(n.start * 4 - round(n.start * 4)) > 0.01 for n in notes)  # off the grid
    assert not generate._by_bar(model)
    assert "timing" in model.capabilities
