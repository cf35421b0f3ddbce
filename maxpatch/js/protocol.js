// GENERATED from bridge/addresses.py by `python -m segue.bridge.addresses --js > maxpatch/js/protocol.js`:
// do not edit; a test keeps the two equal. The one vocabulary of the wire, for the device.
"use strict";

var PREFIX = "/segue";
var DEFAULT_PORT = 9797;
var CHUNK_BYTES = 1400;
var MAX_CHUNK_BYTES = 8192;
var NOTE_FIELDS = ["pitch", "start", "duration", "velocity"];
// knob name -> {type: i|f|s, default, lo, hi} (numbers) or {type: s, default, choices}
var KNOBS = {
  morph: {"type": "f", "default": 0, "lo": 0, "hi": 1},
  xy_x: {"type": "f", "default": 0, "lo": 0, "hi": 1},
  xy_y: {"type": "f", "default": 0, "lo": 0, "hi": 1},
  temperature: {"type": "f", "default": 0, "lo": 0, "hi": 4},
  seed: {"type": "i", "default": 0, "lo": 0, "hi": 2147483647},
  note_density: {"type": "f", "default": 0, "lo": -3, "hi": 3},
  c_diatonic: {"type": "f", "default": 0, "lo": -3, "hi": 3},
  average_interval: {"type": "f", "default": 0, "lo": -3, "hi": 3},
  syncopation_16th: {"type": "f", "default": 0, "lo": -3, "hi": 3},
  syncopation_8th: {"type": "f", "default": 0, "lo": -3, "hi": 3},
  velocity: {"type": "i", "default": 0, "lo": 0, "hi": 127},
  groove: {"type": "f", "default": 0, "lo": 0, "hi": 1},
  octave: {"type": "i", "default": 0, "lo": -4, "hi": 4},
  range_low: {"type": "i", "default": 0, "lo": 0, "hi": 127},
  range_high: {"type": "i", "default": 127, "lo": 0, "hi": 127},
  scale_root: {"type": "i", "default": -1, "lo": -1, "hi": 11},
  scale: {"type": "s", "default": "major", "choices": ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian", "harmonic_minor", "melodic_minor", "pentatonic_major", "pentatonic_minor", "blues", "chromatic"]},
};
var ATTRIBUTES = ["note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"];
var SCALES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian", "harmonic_minor", "melodic_minor", "pentatonic_major", "pentatonic_minor", "blues", "chromatic"];
// Live's Song.scale_name -> ours; a name missing here means no snapping
var LIVE_SCALES = {"Major": "major", "Minor": "minor", "Dorian": "dorian", "Mixolydian": "mixolydian", "Lydian": "lydian", "Phrygian": "phrygian", "Locrian": "locrian", "Harmonic Minor": "harmonic_minor", "Melodic Minor": "melodic_minor", "Major Pentatonic": "pentatonic_major", "Minor Pentatonic": "pentatonic_minor", "Blues": "blues", "Minor Blues": "blues", "Chromatic": "chromatic"};
// the arguments of /segue/bar/begin, in wire order
var BAR_BEGIN = ["bar", "version", "notes", "chunks", "morph", "temperature", "seed", "note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"];
// what a model can do (/segue/model/info's comma-separated capabilities): offer an action only then
var CAPABILITIES = ["groove", "drumify", "velocity", "timing", "chords", "key", "extra_controls"];
// /segue/clip/groove's and /segue/clip/drumify's amount and temperature: {lo, hi}
var CLIP_GROOVE = {"amount": {"lo": 0, "hi": 1}, "temperature": {"lo": 0, "hi": 4}};
// what a client says of a knob in /segue/model/info's weak_knobs
var WEAK_KNOB = "moves its attribute only loosely on this model; see the model card";

module.exports = { PREFIX: PREFIX, DEFAULT_PORT: DEFAULT_PORT, CHUNK_BYTES: CHUNK_BYTES,
                   MAX_CHUNK_BYTES: MAX_CHUNK_BYTES, NOTE_FIELDS: NOTE_FIELDS, KNOBS: KNOBS,
                   ATTRIBUTES: ATTRIBUTES, SCALES: SCALES, LIVE_SCALES: LIVE_SCALES, BAR_BEGIN: BAR_BEGIN,
                   CAPABILITIES: CAPABILITIES, CLIP_GROOVE: CLIP_GROOVE, WEAK_KNOB: WEAK_KNOB };
