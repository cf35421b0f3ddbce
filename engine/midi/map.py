"""The MIDI control map: what control changes and program changes do (docs/midi.md).

A JSON file may replace or extend the defaults; every entry is checked when the map is read, with
the same ranges as the OSC address table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segue.bridge.addresses import KNOBS, SCALES
from segue.engine.session import Knobs
from segue.models.errors import InputError

ACTIONS = {"arm", "disarm", "capture_bars", "sample", "morph_slots", "preset"}

DEFAULT_CC: dict[int, dict[str, Any]] = {
    1: {"knob": "morph"},
    16: {"knob": "xy_x"},  # general purpose controllers 1 and 2: the XY pad's puck (docs/panel.md)
    17: {"knob": "xy_y"},
    20: {"knob": "temperature", "lo": 0.0, "hi": 2.0},
    21: {"knob": "note_density"},
    22: {"knob": "c_diatonic"},
    23: {"knob": "average_interval"},
    24: {"knob": "syncopation_16th"},
    25: {"knob": "syncopation_8th"},
    26: {"knob": "velocity"},
    27: {"knob": "groove"},
    28: {"knob": "octave"},
    29: {"knob": "range_low"},
    30: {"knob": "range_high"},
    31: {"knob": "scale_root"},
    85: {"knob": "scale", "values": list(SCALES)},
    86: {"knob": "seed", "lo": 0, "hi": 127},
    102: {"action": "arm", "slot": "A"},
    103: {"action": "arm", "slot": "B"},
    104: {"action": "capture_bars"},
}
# Program change 8: every knob back to its default, but the seed and the scale.
RESET_KNOBS = {name: arg.default for name, arg in KNOBS.items() if name not in ("seed", "scale")}
DEFAULT_PROGRAM: dict[int, dict[str, Any]] = {
    0: {"action": "arm", "slot": "A"},
    1: {"action": "arm", "slot": "B"},
    2: {"action": "sample", "slot": "A", "bars": 2},
    3: {"action": "sample", "slot": "B", "bars": 2},
    4: {"action": "morph_slots", "a": "A", "b": "B"},
    5: {"action": "disarm"},
    8: {"action": "preset", "knobs": RESET_KNOBS},
}


def _channel(value: Any, what: str, allow_omni: bool) -> int | None:
    if value is None and allow_omni:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
        raise InputError(f"{what} must be a MIDI channel 1..16{' or null (any)' if allow_omni else ''}, got {value!r}")
    return value


def _check_entry(where: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: an entry is an object like {{\"knob\": \"morph\"}}, got {entry!r}")
    if "knob" in entry:
        name = entry["knob"]
        if name not in KNOBS:
            raise InputError(f"{where}: no knob {name!r} (knobs: {', '.join(KNOBS)})")
        values = entry.get("values")
        if values is not None:
            if not isinstance(values, list) or not values:
                raise InputError(f"{where}: values must be a non-empty list")
            for v in values:
                _check_knob(where, name, v)
        elif KNOBS[name].type == "s":
            raise InputError(f"{where}: knob {name!r} takes names: give \"values\": [...]")
        for key in ("lo", "hi"):
            if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int | float)):
                raise InputError(f"{where}: {key} must be a number, got {entry[key]!r}")
        return dict(entry)
    action = entry.get("action")
    if action not in ACTIONS:
        raise InputError(f"{where}: give \"knob\" or an \"action\" among {', '.join(sorted(ACTIONS))}; got {entry!r}")
    if action in ("arm", "sample") and not isinstance(entry.get("slot"), str):
        raise InputError(f"{where}: {action} needs \"slot\" (e.g. \"A\")")
    if "bars" in entry and (isinstance(entry["bars"], bool) or not isinstance(entry["bars"], int)
                            or not 1 <= entry["bars"] <= 64):
        raise InputError(f"{where}: bars must be an int 1..64, got {entry['bars']!r}")
    if action == "morph_slots" and not (isinstance(entry.get("a"), str) and isinstance(entry.get("b"), str)):
        raise InputError(f"{where}: morph_slots needs \"a\" and \"b\" slot names")
    if action == "preset":
        knobs = entry.get("knobs")
        if not isinstance(knobs, dict):
            raise InputError(f"{where}: preset needs \"knobs\": {{name: value}}")
        for name, value in knobs.items():
            _check_knob(where, name, value)
    return dict(entry)


def _check_knob(where: str, name: str, value: Any) -> None:
    """As the engine checks a knob value (the OSC range, then the knob's own rules)."""
    if name not in KNOBS:
        raise InputError(f"{where}: no knob {name!r} (knobs: {', '.join(KNOBS)})")
    problem = KNOBS[name].check(value, name)
    if problem:
        raise InputError(f"{where}: {problem}")
    try:
        Knobs().set(name, value)
    except ValueError as e:
        raise InputError(f"{where}: {e}") from None


@dataclass
class MidiMap:
    """What control changes and program changes do. Channels are 1..16 (``in_channel`` None: any)."""

    cc: dict[int, dict[str, Any]] = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_CC.items()})
    program: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_PROGRAM.items()})
    in_channel: int | None = None  # listen for controls and captured notes on this channel (None: all)
    out_channel: int = 1  # Segue Out plays on this channel
    capture_bars: int = 2  # bars a capture lasts unless the arming entry says otherwise

    @classmethod
    def from_json(cls, d: Any, where: str = "MIDI map") -> MidiMap:
        """Entries of the file replace the default ones with the same number; ``"replace": true``
        drops the defaults first. An entry of null removes a default."""
        if not isinstance(d, dict):
            raise InputError(f"{where}: a JSON object is expected")
        unknown = set(d) - {"cc", "program", "in_channel", "out_channel", "capture_bars", "replace", "comment"}
        if unknown:
            raise InputError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        m = cls() if not d.get("replace") else cls(cc={}, program={})
        for table, target in (("cc", m.cc), ("program", m.program)):
            entries = d.get(table, {})
            if not isinstance(entries, dict):
                raise InputError(f"{where}: {table} must be an object of number -> entry")
            for key, entry in entries.items():
                try:
                    number = int(key)
                except ValueError:
                    raise InputError(f"{where}: {table} keys are numbers 0..127, got {key!r}") from None
                if not 0 <= number <= 127:
                    raise InputError(f"{where}: {table} {number} is not in 0..127")
                if entry is None:
                    target.pop(number, None)
                else:
                    target[number] = _check_entry(f"{where}: {table} {number}", entry)
        if "in_channel" in d:
            m.in_channel = _channel(d["in_channel"], f"{where}: in_channel", True)
        if "out_channel" in d:
            m.out_channel = _channel(d["out_channel"], f"{where}: out_channel", False)
        if "capture_bars" in d:
            bars = d["capture_bars"]
            if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= 64:
                raise InputError(f"{where}: capture_bars must be an int 1..64, got {bars!r}")
            m.capture_bars = bars
        return m

    @classmethod
    def load(cls, path: Path | str) -> MidiMap:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except OSError as e:
            raise InputError(f"cannot read the MIDI map {path}: {e.strerror or e}") from None
        except json.JSONDecodeError as e:
            raise InputError(f"the MIDI map {path} is not JSON: {e}") from None
        return cls.from_json(data, str(path))

    def to_json(self) -> dict[str, Any]:
        return {"replace": True, "in_channel": self.in_channel, "out_channel": self.out_channel,
                "capture_bars": self.capture_bars,
                "cc": {str(k): v for k, v in sorted(self.cc.items())},
                "program": {str(k): v for k, v in sorted(self.program.items())}}


def cc_value(entry: dict[str, Any], value: int) -> Any:
    """The knob value a controller value 0..127 stands for: a pick among ``values``; else the
    range lo..hi (the knob's own by default), centred (64 = 0) when the range is symmetric."""
    arg = KNOBS[entry["knob"]]
    if "values" in entry:
        values = entry["values"]
        return values[min(value * len(values) // 128, len(values) - 1)]
    lo = float(entry.get("lo", arg.lo))
    hi = float(entry.get("hi", arg.hi))
    if lo < 0 < hi and lo == -hi:
        x = lo * (64 - value) / 64 if value < 64 else hi * (value - 64) / 63
    else:
        x = lo + (hi - lo) * value / 127
    if arg.type == "i":
        return int(round(x))
    return float(min(max(x, min(lo, hi)), max(lo, hi)))
