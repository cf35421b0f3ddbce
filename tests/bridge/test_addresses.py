"""The address table as the one vocabulary of the wire: the generated docs/osc.md and the device's
protocol.js, knob defaults, the attribute names."""

from __future__ import annotations

from pathlib import Path

from segue.bridge import addresses
from segue.bridge.addresses import KNOBS, TABLE

DOCS = Path(__file__).resolve().parents[2] / "docs" / "osc.md"


# --- docs -----------------------------------------------------------------------------------------
def test_docs_match_the_table():
    assert DOCS.read_text() == addresses.markdown(), \
        "docs/osc.md is stale: run python -m segue.bridge.addresses > docs/osc.md"


def test_docs_name_every_address():
    text = addresses.markdown()
    for e in TABLE:
        assert f"`{e.path}`" in text


ROOT = Path(__file__).resolve().parents[2]



def test_device_protocol_is_generated_from_the_table():
    committed = (ROOT / "maxpatch" / "js" / "protocol.js").read_text()
    assert committed == addresses.javascript(), \
        "maxpatch/js/protocol.js is stale: run python -m segue.bridge.addresses --js > maxpatch/js/protocol.js"
    assert '"Minor Blues": "blues"' in committed  # Live's scale names come from the one table


def test_attribute_knobs_are_the_models_attributes():
    from segue.models.attributes import ATTRIBUTES

    assert addresses.ATTRIBUTE_KNOBS == tuple(ATTRIBUTES)
    assert all(name in KNOBS for name in addresses.ATTRIBUTE_KNOBS)
    assert addresses.BAR_BEGIN[-len(addresses.ATTRIBUTE_KNOBS):] == addresses.ATTRIBUTE_KNOBS


def test_knob_defaults_are_in_range_and_a_new_session_starts_at_them():
    from segue.engine.session import Knobs
    from segue.engine.shaping import Shape

    for name, arg in KNOBS.items():
        assert arg.default is not None and arg.check(arg.default, name) is None, name
    knobs, shape = Knobs(), Shape()
    assert (knobs.morph, knobs.temperature, knobs.seed) == tuple(KNOBS[k].default for k in ("morph", "temperature",
                                                                                             "seed"))
    for name in ("velocity", "groove", "octave", "range_low", "range_high", "scale_root", "scale"):
        assert getattr(shape, name) == KNOBS[name].default, name
    assert KNOBS["scale"].choices == tuple(addresses.SCALES)
