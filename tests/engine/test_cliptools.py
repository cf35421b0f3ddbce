"""The MIDI Tools' operations (engine/cliptools.py): ranges, shaping, each operation on a tiny model,
and the /segue/tool/* requests over real UDP (sources from this session and from another's slots)."""

from __future__ import annotations

import pytest
import torch

from segue.bridge.addresses import ATTRIBUTE_KNOBS
from segue.bridge.client import EngineClient
from segue.engine import cliptools as ct
from segue.engine.shaping import in_scale
from segue.models.errors import InputError, MeterError, ModelError
from segue.models.inference import LatentModel
from segue.models.notes import Note

MELODY = tuple(Note(60 + (k * 5) % 12, k * 0.5, 0.5, 40 + 5 * k) for k in range(16))  # 2 bars of eighths
OTHER = tuple(Note(72 - k, k * 1.0, 0.75, 70) for k in range(4))  # 1 bar
E_MAJOR = ct.Look(root=4, scale="major")


@pytest.fixture(scope="module")
def model(tiny_model) -> LatentModel:
    return tiny_model()


def inside(notes, length):
    return all(0 <= n.start < length and n.end <= length + 1e-9 for n in notes)


def one_line(notes):
    """No two notes of a pitch inside each other (what Live keeps)."""
    by_pitch = {}
    for n in sorted(notes, key=lambda n: n.start):
        if n.pitch in by_pitch and by_pitch[n.pitch] > n.start + 1e-9:
            return False
        by_pitch[n.pitch] = n.end
    return True


# --- ranges and shaping (pure) ------------------------------------------------------------------------
def test_a_range_is_read_as_whole_bars_from_its_first_beat():
    assert [ct.bars_of(x) for x in (0.25, 4.0, 4.0000001, 5.5, 8.0, 64.0)] == [1, 1, 1, 2, 2, 16]
    assert ct.range_message(8.0) == ""
    assert ct.range_message(5.5) == ("the range is 5.5 beats: read as 2 bars from its first beat, the result cut "
                                     "back to it")


def test_looped_repeats_a_clip_over_a_range_and_cuts_it():
    notes = [Note(60, 0.0, 1.0), Note(62, 3.5, 1.0)]
    out = ct.looped(notes, 4.0, 10.0)
    assert [(n.pitch, n.start) for n in out] == [(60, 0), (62, 3.5), (60, 4), (62, 7.5), (60, 8)]
    assert ct.looped(notes, 0.0, 8.0) == []


def test_on_grid_moves_starts_and_ends_onto_the_clips_grid():
    notes = [Note(60, 0.25, 0.25), Note(62, 0.75, 0.1)]
    assert ct.on_grid(notes, 0.0) == notes
    assert ct.on_grid(notes, 0.5) == [Note(60, 0.0, 0.5), Note(62, 1.0, 0.5)]  # halves to even: 0.5 -> 0
    triplets = ct.on_grid([Note(60, 0.25, 0.5)], 1 / 3)
    assert triplets[0].start == pytest.approx(1 / 3) and triplets[0].duration == pytest.approx(1 / 3)


def test_finish_snaps_to_the_scale_keeps_to_the_range_and_never_snaps_drums():
    notes = [Note(61, 0.0, 1.0), Note(63, 3.0, 3.0), Note(66, 9.0, 1.0)]
    out = ct.finish(notes, 6.0, E_MAJOR)
    assert all(in_scale(n.pitch, 4, "major") for n in out)
    assert inside(out, 6.0) and len(out) == 2 and out[1].end == 6.0
    assert [n.pitch for n in ct.finish(notes, 6.0, E_MAJOR, drums=True)] == [61, 63]
    assert [n.pitch for n in ct.finish(notes, 6.0, ct.Look())] == [61, 63]  # Scale Mode off: as decoded


def test_look_refuses_odd_meters_and_unknown_scales_with_the_engines_words():
    with pytest.raises(MeterError, match="the clip is in 3/4; Segue needs 4/4"):
        ct.Look(numerator=3).check()
    with pytest.raises(InputError, match="scale must be one of"):
        ct.Look(scale="Whole Tone").check()
    assert ct.Look(scale="Minor Pentatonic").check().scale == "pentatonic_minor"  # Live's names are ours too


# --- the operations -------------------------------------------------------------------------------
def test_an_amount_of_zero_gives_the_notes_back_as_they_were(model):
    src = ct.Source(MELODY, 8.0)
    for result in (ct.shift(model, src, 0.0, {"note_density": 2.0}, E_MAJOR),
                   ct.shift(model, src, 1.0, {}, E_MAJOR),
                   ct.vary(model, src, 0.0, 3, E_MAJOR),
                   ct.morph(model, src, ct.Source(OTHER, 4.0), 0.0, E_MAJOR)):
        assert result.notes == list(MELODY) and result.length == 8.0 and "as they were" in result.message


def test_shift_moves_the_codes_by_the_attribute_vectors(model, monkeypatch):
    src = ct.Source(MELODY, 8.0)
    seen = []
    original = model.shift

    def spy(z, name, amount):
        seen.append((name, amount))
        return original(z, name, amount)

    monkeypatch.setattr(model, "shift", spy)
    result = ct.shift(model, src, 0.5, {"note_density": 2.0, "c_diatonic": 0.0, "syncopation_16th": -1.0}, E_MAJOR)
    assert seen == [("note_density", 1.0), ("syncopation_16th", -0.5)]
    assert result.notes and inside(result.notes, 8.0) and one_line(result.notes)
    assert all(in_scale(n.pitch, 4, "major") for n in result.notes)
    assert {n.velocity for n in result.notes} <= {n.velocity for n in MELODY}, "the clip's dynamics by position"
    monkeypatch.delitem(model.attributes, "average_interval")
    with pytest.raises(ModelError, match="no attribute vector for average_interval"):
        ct.shift(model, src, 1.0, {"average_interval": 1.0}, E_MAJOR)


def test_shift_on_a_calibrated_model_decodes_guided_from_the_sources_codes(tiny_model, monkeypatch):
    model = tiny_model(seed=4)
    model.meta.training = {"knobs": {"note_density": {"std": 0.1, "lo": 0.05, "hi": 0.95}}}
    calls = []
    original = ct.guided_decode

    def spy(model_, z, reference, moves, scales, *rest):
        calls.append((moves, set(scales)))
        torch.testing.assert_close(reference, ct.encode(model_, ct.Source(MELODY, 8.0), 2)[0])
        return original(model_, z, reference, moves, scales, *rest)

    monkeypatch.setattr(ct, "guided_decode", spy)
    ct.shift(model, ct.Source(MELODY, 8.0), 0.5, {"note_density": 2.0}, E_MAJOR)
    assert calls == [({"note_density": 1.0}, {"note_density"})]
    ct.shift(model, ct.Source(MELODY, 8.0), 0.5, {"c_diatonic": 2.0}, E_MAJOR)  # not calibrated: the vector alone
    assert len(calls) == 1


def test_a_range_longer_than_the_window_goes_window_by_window(model, monkeypatch):
    src = ct.Source(tuple(Note(60 + k % 7, k * 0.5, 0.5, 90) for k in range(44)), 22.0)  # 5.5 bars
    codes = []
    original = ct.decode

    def spy(m, z, bars, *args, **kwargs):
        codes.append((tuple(z.shape), bars))
        return original(m, z, bars, *args, **kwargs)

    monkeypatch.setattr(ct, "decode", spy)
    result = ct.shift(model, src, 1.0, {"note_density": 1.5}, ct.Look())
    assert codes == [((3, model.config.z_size), 6)]  # 6 bars in three 2-bar windows
    assert inside(result.notes, 22.0) and max(n.start for n in result.notes) >= 16.0
    assert "the range is 22 beats: read as 6 bars" in result.message


def test_vary_is_keyed_by_its_seed(model):
    src = ct.Source(MELODY, 8.0)
    one, again, other = (ct.vary(model, src, 1.5, seed, ct.Look()) for seed in (3, 3, 4))
    assert one.notes == again.notes and one.notes != other.notes
    assert inside(one.notes, 8.0)


def test_morph_ends_on_the_target_clip_itself_and_loops_a_shorter_one(model):
    src, target = ct.Source(MELODY, 8.0), ct.Source(OTHER, 4.0)
    end = ct.morph(model, src, target, 1.0, ct.Look())
    assert [(n.pitch, n.start) for n in end.notes] == [(n.pitch, n.start + k * 4) for k in (0, 1) for n in OTHER]
    snapped = ct.morph(model, src, target, 1.0, E_MAJOR)
    assert all(in_scale(n.pitch, 4, "major") for n in snapped.notes)
    half = ct.morph(model, src, target, 0.5, E_MAJOR)
    assert half.notes and inside(half.notes, 8.0) and all(in_scale(n.pitch, 4, "major") for n in half.notes)
    codes = ct.Source(None, 8.0, mu=model.prior(1, 9))  # a sampled slot: codes, no clip
    assert inside(ct.morph(model, src, codes, 1.0, ct.Look()).notes, 8.0)


def test_sample_loops_its_bars_over_the_range(model):
    result = ct.sample(model, 16.0, 2, 0.8, 5, E_MAJOR)
    assert result.notes and inside(result.notes, 16.0)
    first = [(n.pitch, n.start) for n in result.notes if n.start < 8]
    assert [(n.pitch, n.start - 8) for n in result.notes if n.start >= 8] == first
    assert all(in_scale(n.pitch, 4, "major") for n in result.notes)
    assert ct.sample(model, 16.0, 2, 0.8, 5, E_MAJOR).notes == result.notes  # keyed by the seed


def test_between_runs_from_a_to_b(model):
    a, b = ct.Source(MELODY, 8.0), ct.Source(OTHER, 4.0)
    first = ct.between(model, a, b, 1, 4, 8.0, ct.Look())
    last = ct.between(model, a, b, 4, 4, 8.0, ct.Look())
    assert [(n.pitch, n.start) for n in first.notes] == [(n.pitch, n.start) for n in MELODY]
    assert [n.pitch for n in last.notes] == [n.pitch for n in OTHER] * 2
    middle = ct.between(model, a, b, 2, 4, 6.0, E_MAJOR)
    assert inside(middle.notes, 6.0) and "the range is 6 beats" in middle.message
    with pytest.raises(InputError, match="step must be in 1..4"):
        ct.between(model, a, b, 5, 4, 8.0, ct.Look())


def test_drum_clips_are_never_snapped(tiny_model):
    drums = tiny_model(config="cat-drums_2bar_small")
    src = ct.Source(tuple(Note(36 + (k % 3) * 2, k * 0.5, 0.25, 100) for k in range(16)), 8.0, "drums")
    result = ct.vary(drums, src, 2.0, 1, ct.Look(root=0, scale="pentatonic_major"))
    assert result.notes and any(not in_scale(n.pitch, 0, "pentatonic_major") for n in result.notes)


def test_a_drum_racks_clip_for_a_melody_model_says_which(model):
    drums = ct.Source(tuple(Note(36, k * 0.5, 0.25, 100) for k in range(8)), 4.0, "drums")
    with pytest.raises(ModelError, match="the range is a drum clip"):
        ct.vary(model, drums, 1.0, 0, ct.Look())
    with pytest.raises(ModelError, match="clip B is a drum clip"):
        ct.between(model, ct.Source(MELODY, 8.0), drums, 2, 3, 8.0, ct.Look())


def test_an_empty_range_says_so(model):
    with pytest.raises(InputError, match="no notes in the range"):
        ct.vary(model, ct.Source((), 8.0), 1.0, 0, ct.Look())


# --- over OSC -----------------------------------------------------------------------------------------
LOOK = (4, "Major", 0.25, 4, 4)  # E, Live's scale name, 16ths, 4/4


def error_of(c: EngineClient, address: str, *args) -> str:
    reply, values = c.request(address, *args, timeout=10.0)
    assert reply == "/segue/error", (reply, values)
    return values[2]


@pytest.fixture(scope="module")
def engine(model, running_engine):
    r = running_engine(model)
    yield r
    r.close()


@pytest.fixture
def connect(engine):
    clients = []

    def make(hello=True) -> EngineClient:
        c = EngineClient(port=engine.port)
        if hello:
            c.hello()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def test_every_operation_over_osc(connect, osc_result):
    c = connect()
    c.upload("tool-in", list(MELODY), 8.0)
    c.upload("tool-target", list(OTHER), 4.0)
    zero = [0.0] * len(ATTRIBUTE_KNOBS)
    begin, notes = osc_result(c, "tool", c.send("/segue/tool/shift", "tool-in", 0.0, 2.0, *zero[1:], *LOOK))
    assert begin[1:] == [len(MELODY), 8.0, "amount 0: the notes as they were"] and notes == list(MELODY)
    begin, notes = osc_result(c, "tool", c.send("/segue/tool/shift", "tool-in", 1.0, 2.0, *zero[1:], *LOOK))
    assert begin[1] == len(notes) and notes and inside(notes, 8.0)
    assert all(in_scale(n.pitch, 4, "major") for n in notes)
    _, notes = osc_result(c, "tool", c.send("/segue/tool/morph", "tool-in", "", "tool-target", 1.0, -1, "major",
                                            0.0, 4, 4))
    assert [n.pitch for n in notes] == [n.pitch for n in OTHER] * 2
    _, notes = osc_result(c, "tool", c.send("/segue/tool/vary", "tool-in", 1.0, 7, *LOOK))
    assert inside(notes, 8.0)
    begin, notes = osc_result(c, "tool", c.send("/segue/tool/sample", 6.0, 1, 0.5, 2, *LOOK))
    assert begin[2] == 6.0 and "the range is 6 beats" in begin[3] and inside(notes, 6.0)
    _, notes = osc_result(c, "tool", c.send("/segue/tool/between", 8.0, "", "tool-in", "", "tool-target", 1, 3, *LOOK))
    assert [n.start for n in notes] == [n.start for n in MELODY]


def test_morph_and_between_take_another_sessions_slots(connect, osc_result):
    device, tool = connect(), connect()
    device.upload("clip-A", list(OTHER), 4.0)
    assert device.request("/segue/slot/encode", "A", "clip-A")[0] == "/segue/slot/encode"
    assert device.request("/segue/slot/sample", "B", 2)[0] == "/segue/slot/encode"
    address, listed = tool.request("/segue/tool/targets")
    rows = [tuple(listed[k:k + 3]) for k in range(1, len(listed), 3)]
    assert address == "/segue/tool/targets" and {(device.instance, "A", 1), (device.instance, "B", 2)} <= set(rows)
    assert all(row[0] != tool.instance for row in rows), "a tool's own session is no target"
    tool.upload("tool-in", list(MELODY), 8.0)
    _, notes = osc_result(tool, "tool", tool.send("/segue/tool/morph", "tool-in", device.instance, "A", 1.0, -1,
                                                  "major", 0.0, 4, 4))
    assert [n.pitch for n in notes] == [n.pitch for n in OTHER] * 2, "the slot's own clip"
    _, notes = osc_result(tool, "tool", tool.send("/segue/tool/between", 8.0, device.instance, "A", device.instance,
                                                  "B", 2, 3, *LOOK))
    assert inside(notes, 8.0)
    assert "is empty" in error_of(tool, "/segue/tool/morph", "tool-in", device.instance, "C", 0.5, *LOOK)
    assert "no open session 'gone'" in error_of(tool, "/segue/tool/morph", "tool-in", "gone", "A", 0.5, *LOOK)


def test_bad_tool_requests_say_why_and_the_engine_goes_on(connect, monkeypatch):
    c = connect()
    zero = [0.0] * len(ATTRIBUTE_KNOBS)
    assert "no clip 'nope'" in error_of(c, "/segue/tool/shift", "nope", 1.0, *zero, *LOOK)
    c.upload("tool-in", list(MELODY), 8.0)
    assert "3/4" in error_of(c, "/segue/tool/vary", "tool-in", 1.0, 0, 4, "major", 0.25, 3, 4)
    assert "scale must be one of" in error_of(c, "/segue/tool/vary", "tool-in", 1.0, 0, 4, "Whole Tone", 0.25, 4, 4)
    assert "root must be in -1..11" in error_of(c, "/segue/tool/vary", "tool-in", 1.0, 0, 12, "major", 0.25, 4, 4)
    assert "step must be in 1..2" in error_of(c, "/segue/tool/between", 8.0, "", "tool-in", "", "tool-in", 3, 2,
                                              *LOOK)
    monkeypatch.setattr(ct, "MAX_TOOL_JOBS", 0)
    assert "0 tool operations are still being made" in error_of(c, "/segue/tool/vary", "tool-in", 1.0, 0, *LOOK)
    monkeypatch.undo()
    unconfirmed = connect(hello=False)
    unconfirmed.request("/segue/hello", unconfirmed.instance, unconfirmed.reply_port)
    unconfirmed.upload("tool-in", list(MELODY), 8.0)
    assert "confirm the hello first" in error_of(unconfirmed, "/segue/tool/vary", "tool-in", 1.0, 0, *LOOK)
    assert c.request("/segue/ping")[0] == "/segue/pong"


def test_a_slot_of_another_model_without_a_clip_says_so(model, tiny_model):
    other = tiny_model(seed=3, config="cat-mel_2bar_big")

    class OneSession:
        def __init__(self, s):
            self.s = s

        def session(self, instance):
            return self.s if instance == "there" else None

    from segue.engine.session import FromSample, Session, Slot

    s = Session(instance="there")
    s.slots["A"] = Slot(source=FromSample(2), bars=2, mu=torch.zeros(1, 8), model=other.config.name)
    with pytest.raises(ModelError, match="holds codes of cat-mel_2bar_big"):
        ct.slot_source(OneSession(s), "there", "A", model)
