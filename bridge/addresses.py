"""The OSC address table: every address the engine takes or sends, as data.

Grammar: ``/segue/<object>/<verb>[/<property>]``. Every request starts with an integer request id
(``rid``); every reply starts with the same id, so a client can match replies to requests.
Errors go to ``/segue/error rid address message``. Pushes from the engine (bars, render chunks)
carry no request id but echo their indices (bar index, version).

``docs/osc.md`` is generated from this table (``python -m segue.bridge.addresses > docs/osc.md``)
and a test checks that the two agree. The same table is the one vocabulary of the wire: knob
ranges, defaults and choices, the attribute names, the scales and Live's names for them, the
fields of ``/segue/bar/begin``. The device's ``maxpatch/js/protocol.js`` is generated from it
(``python -m segue.bridge.addresses --js > maxpatch/js/protocol.js``), so the two cannot drift.

OSC type tags: ``i`` int32, ``f`` float32, ``s`` string. A ``*`` on the last argument means it
repeats (the note lists: pitch, start, duration, velocity per note).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PREFIX = "/segue"
DEFAULT_PORT = 9797  # the engine listens here (UDP, 127.0.0.1 unless told otherwise)
DEFAULT_CHUNK_BYTES = 1400  # payload size any client and network take; hello may ask for another
MAX_CHUNK_BYTES = 8192
NOTE_FIELDS = ("pitch", "start", "duration", "velocity")  # one note: i f f i, times in beats
MAX_CLIP_NOTES = 10_000  # notes in one clip upload (a session holds 50,000 in all: docs/engine.md)


# The scales the scale knob snaps to: pitch classes above the root.
SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),  # natural minor (aeolian)
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),  # ascending ("jazz") melodic minor
    "pentatonic_major": (0, 2, 4, 7, 9),
    "pentatonic_minor": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),  # minor blues: minor pentatonic + flat fifth
    "chromatic": tuple(range(12)),
}

# Ableton Live's scale names (Live 12's ``Song.scale_name``) -> ours. Live's scales without an
# equivalent here (Whole Tone, Dorian #4, Bhairav, ...) are absent: a device sends "no snapping"
# for them.
LIVE_SCALES: dict[str, str] = {
    "Major": "major",
    "Minor": "minor",
    "Dorian": "dorian",
    "Mixolydian": "mixolydian",
    "Lydian": "lydian",
    "Phrygian": "phrygian",
    "Locrian": "locrian",
    "Harmonic Minor": "harmonic_minor",
    "Melodic Minor": "melodic_minor",
    "Major Pentatonic": "pentatonic_major",
    "Minor Pentatonic": "pentatonic_minor",
    "Blues": "blues",
    "Minor Blues": "blues",
    "Chromatic": "chromatic",
}

# The paper's five attributes, in the order every client shows them (models.attributes.ATTRIBUTES
# holds the same names: a test keeps them equal).
ATTRIBUTE_KNOBS = ("note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th")


@dataclass(frozen=True)
class Arg:
    name: str
    type: str  # "i", "f", "s"
    lo: float | None = None  # inclusive range for numbers
    hi: float | None = None
    optional: bool = False
    repeats: bool = False  # the rest of the message: groups of this and the following fields
    doc: str = ""
    default: float | str | None = None  # a knob's value in a new session
    choices: tuple[str, ...] = ()  # the values a string knob takes (checked by the knob itself)

    def coerce(self, value):
        """``value`` as this argument takes it: a whole-number float where an int is expected
        becomes that int (Max may type a whole number either way); anything else as it is."""
        if self.type == "i" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def check(self, value, address: str) -> str | None:
        """A readable complaint about ``value``, or None when it is fine."""
        want = {"i": int, "f": (int, float), "s": str}[self.type]
        if isinstance(value, bool) or not isinstance(value, want):
            return f"{self.name} must be {_TYPE_WORDS[self.type]}, got {type(value).__name__} {value!r}"
        if self.type in "if":
            if isinstance(value, float) and not math.isfinite(value):
                return f"{self.name} must be a finite number, got {value!r}"
            if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                return f"{self.name} must be in {_range(self)}, got {value!r}"
        return None


_TYPE_WORDS = {"i": "an int", "f": "a float", "s": "a string"}


def _num(x: float | None, default: str) -> str:
    if x is None:
        return default
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _range(a: Arg) -> str:
    return f"{_num(a.lo, '-inf')}..{_num(a.hi, 'inf')}"


# What a model can do beyond morphs and samples (/segue/model/info's capabilities; models.inference
# LatentModel.capabilities says which a model has).
CAPABILITIES = {
    "groove": "grooves a drum clip (/segue/clip/groove): a GrooVAE humanize model",
    "drumify": "makes drums of a tapped rhythm (/segue/clip/drumify): a GrooVAE tap model",
    "velocity": "its notes carry their own velocities",
    "timing": "its notes carry their own micro-timing (off the 16th grid)",
    "chords": "plays to a chord progression (/segue/chords/set, /segue/chords/from_clip)",
    "key": "plays in a key: the scale_root and scale knobs",
    "extra_controls": "needs controls the engine cannot give: only the Python API plays it",
}

# What a client shows beside a knob the model's calibration marks weak (/segue/model/info's weak_knobs).
WEAK_KNOB = "moves its attribute only loosely on this model; see the model card"
# The actions a client greys out when the model cannot do them (/segue/model/unavailable): Groove and
# Drumify a clip, set chords, sample or vary a slot.
ACTIONS = ("groove", "drumify", "chords", "sample", "vary")

RID = Arg("rid", "i", 0, 2**31 - 1, doc="request id, echoed in the reply")
NOTES = (Arg("pitch", "i", 0, 127, repeats=True), Arg("start", "f", 0, 4096), Arg("duration", "f", 0, 4096),
         Arg("velocity", "i", 1, 127))


@dataclass(frozen=True)
class Address:
    path: str
    args: tuple[Arg, ...]
    reply: str  # what comes back, as "address args"
    doc: str
    errors: str = ""
    kind: str = "request"  # "request" (client -> engine) or "push" (engine -> client)
    properties: dict[str, tuple[Arg, ...]] = field(default_factory=dict)  # /verb/<property> variants

    @property
    def repeating(self) -> tuple[Arg, ...]:
        for k, a in enumerate(self.args):
            if a.repeats:
                return self.args[k:]
        return ()

    @property
    def fixed(self) -> tuple[Arg, ...]:
        rep = self.repeating
        return self.args[: len(self.args) - len(rep)] if rep else self.args


def a(path: str, *args: Arg, reply: str, doc: str, errors: str = "", kind: str = "request") -> Address:
    full = PREFIX + path
    return Address(full, ((RID,) if kind == "request" else ()) + args, reply, doc, errors, kind)


KNOBS = {  # /segue/knob/set/<name> rid value
    "morph": Arg("value", "f", 0.0, 1.0, default=0.0, doc="0 = slot A, 1 = slot B (slerp)"),
    "xy_x": Arg("value", "f", 0.0, 1.0, default=0.0,
                doc="the XY pad's x: 0 = left corners (a, c), 1 = right corners (b, d); see /segue/xy/slots"),
    "xy_y": Arg("value", "f", 0.0, 1.0, default=0.0,
                doc="the XY pad's y: 0 = top corners (a, b), 1 = bottom corners (c, d)"),
    "temperature": Arg("value", "f", 0.0, 4.0, default=0.0, doc="0 = argmax"),
    "seed": Arg("value", "i", 0, 2**31 - 1, default=0),
    **{name: Arg("value", "f", -3.0, 3.0, default=0.0,
                 doc="attribute amounts: z + amount * vector" if name == ATTRIBUTE_KNOBS[0] else "")
       for name in ATTRIBUTE_KNOBS},
    "velocity": Arg("value", "i", 0, 127, default=0, doc="0 = keep the model's/groove's velocity, else fixed"),
    "groove": Arg("value", "f", 0.0, 1.0, default=0.0,
                  doc="how much of the source clip's micro-timing and velocity to keep"),
    "octave": Arg("value", "i", -4, 4, default=0, doc="transpose the output by octaves"),
    "range_low": Arg("value", "i", 0, 127, default=0, doc="lowest output pitch; notes below fold up by octaves"),
    "range_high": Arg("value", "i", 0, 127, default=127,
                      doc="highest output pitch; notes above fold down by octaves"),
    "scale_root": Arg("value", "i", -1, 11, default=-1, doc="pitch class of the scale's root; -1 = no snapping"),
    "scale": Arg("value", "s", default="major", choices=tuple(SCALES), doc=", ".join(SCALES)),
}

# The MIDI Tools (Segue Transform and Segue Generate, engine/cliptools.py): every operation ends with where
# its result lands, and answers /segue/tool/result/*. The notes of a range travel as an uploaded clip.
TOOL_LOOK = (
    Arg("root", "i", -1, 11, doc="the scale's root pitch class; -1 = no snapping (Live's Scale Mode off)"),
    Arg("scale", "s", doc="a scale by our name or Live's (see the scale knob)"),
    Arg("grid", "f", 0.0, 4.0, doc="the clip's grid in beats; 0 = the model's own 16ths"),
    Arg("numerator", "i", 1, 32, doc="the song's meter"), Arg("denominator", "i", 1, 32),
)
TOOL_REPLY = "/segue/tool/result/begin, /segue/tool/result/notes ..., /segue/tool/result/end"
TOOL_ERRORS = ("no such clip; a meter other than 4/4; an unknown scale; an empty range; no session or slot of that "
               "name; hello not confirmed; too many operations waiting")
_TEMPERATURE, _SEED = KNOBS["temperature"], KNOBS["seed"]
TOOL_REQUESTS = (
    a("/tool/shift", Arg("clip", "s", doc="the range's notes, uploaded"), Arg("amount", "f", 0.0, 1.0),
      *(Arg(name, "f", -3.0, 3.0) for name in ATTRIBUTE_KNOBS), *TOOL_LOOK, reply=TOOL_REPLY,
      doc="Segue Transform's Shift: the clip (a range of a Live clip, starting at its first beat) with amount x each "
      "attribute amount added to its codes, window by window. Amount 0 gives the notes back as they were.",
      errors=TOOL_ERRORS + "; an attribute the model has no vector for"),
    a("/tool/morph", Arg("clip", "s"), Arg("target_instance", "s", doc="a session's instance id; empty: this session"),
      Arg("target", "s", doc="a slot of that session, or (empty instance) a clip uploaded to this one"),
      Arg("amount", "f", 0.0, 1.0), *TOOL_LOOK, reply=TOOL_REPLY,
      doc="Segue Transform's Morph: the clip toward a target by amount (slerp of the codes, window by window; the "
      "target looped when shorter). 0 is the clip as it was, 1 the target clip itself over the range.",
      errors=TOOL_ERRORS),
    a("/tool/vary", Arg("clip", "s"), Arg("temperature", "f", _TEMPERATURE.lo, _TEMPERATURE.hi),
      Arg("seed", "i", _SEED.lo, _SEED.hi), *TOOL_LOOK, reply=TOOL_REPLY,
      doc="Segue Transform's Vary: a variation around the clip, its codes plus temperature x noise keyed by seed. "
      "Temperature 0 gives the notes back as they were.", errors=TOOL_ERRORS),
    a("/tool/sample", Arg("length", "f", 0.25, 256.0, doc="the range in beats"), Arg("bars", "i", 1, 64),
      Arg("temperature", "f", _TEMPERATURE.lo, _TEMPERATURE.hi), Arg("seed", "i", _SEED.lo, _SEED.hi), *TOOL_LOOK,
      reply=TOOL_REPLY, doc="Segue Generate's Sample: bars bars from the prior at a temperature (seed), looped over "
      "a range of length beats.", errors=TOOL_ERRORS),
    a("/tool/between", Arg("length", "f", 0.25, 256.0), Arg("a_instance", "s"), Arg("a", "s"), Arg("b_instance", "s"),
      Arg("b", "s"), Arg("step", "i", 1, 64), Arg("steps", "i", 2, 64), *TOOL_LOOK, reply=TOOL_REPLY,
      doc="Segue Generate's Between: step of steps from clip A to clip B (each a slot of a session, or with an "
      "empty instance a clip uploaded to this one) over a range of length beats; step 1 is A itself, the last B.",
      errors=TOOL_ERRORS),
    a("/tool/targets", reply="/segue/tool/targets rid {instance:s slot:s bars:i}*",
      doc="The filled slots of the other open sessions (streaming devices, the panel): what Morph and Between "
      "can take besides a clip."),
)

TABLE: tuple[Address, ...] = (
    a("/hello", Arg("instance", "s", doc="persistent client instance id (saved with the Live set)"),
      Arg("reply_port", "i", 1, 65535, doc="the client's receiving UDP port"),
      Arg("chunk_bytes", "i", 256, MAX_CHUNK_BYTES, optional=True, doc="payload size per message"),
      reply="/segue/hello rid session:s resumed:i engine_version:s model:s device:s licence:s token:i",
      doc="Open or resume the session of this instance id. Replies go to reply_port on the sender's host.",
      errors=""),
    a("/hello/confirm", Arg("token", "i", 0, 2**31 - 1, doc="the token of the hello's reply"),
      reply="/segue/hello/confirm rid",
      doc="Prove that replies reach the client: echo the token of the hello's reply. Until then the "
      "engine sends the session nothing unasked (no bars) and renders nothing.",
      errors="wrong token (say hello again)"),
    a("/ping", reply="/segue/pong rid engine_time:f", doc="Health check and round-trip timing."),
    a("/goodbye", reply="/segue/goodbye rid", doc="Close the session (its saved state is kept for resuming)."),
    a("/model/info", reply="/segue/model/info rid name:s kind:s window_bars:i z_size:i trained:i device:s licence:s "
      "choice:s capabilities:s [weak_knobs:s]", doc="The session's model (choice: its name in /segue/model/list). "
      f"capabilities: what it can do beyond morphs and samples, comma-separated: {', '.join(CAPABILITIES)} (see "
      "CAPABILITIES); a client offers /segue/clip/groove, /segue/clip/drumify, /segue/chords/* by them. "
      "weak_knobs: the attribute knobs the model's knob calibration marks weak, comma-separated (often empty; "
      f"a client marks them: the knob {WEAK_KNOB}); absent from engines before it, so a client reads it if there.",
      errors="no session"),
    a("/model/unavailable", reply="/segue/model/unavailable rid {action:s reason:s}*",
      doc="What the session's model cannot do, each with the reason a client shows beside it greyed out (the "
      f"panel's and the Max device's words, one source): the actions {', '.join(ACTIONS)}, and each attribute knob "
      "the model has no vector for (it would do nothing). Empty when it can do everything. Ask again after "
      "/segue/model/choose.", errors="no session"),
    a("/model/list", reply="/segue/model/list rid name:s ...", doc="Models the engine can load."),
    a("/model/choose", Arg("name", "s"),
      reply="/segue/model/choose rid name:s", doc="Switch this session's model (loaded off the inference "
      "worker; other sessions keep theirs). Slots are re-encoded with the new model.",
      errors="unknown model; representation mismatch with the uploaded clips"),
    a("/clip/begin", Arg("clip", "s", doc="client's name for the clip"), Arg("notes", "i", 0, MAX_CLIP_NOTES),
      Arg("length", "f", 0.25, 256.0, doc="clip length in beats"),
      Arg("kind", "s", optional=True, doc="notes (default) or drums (a drum rack's clip)"),
      reply="/segue/clip/ack rid clip:s seq:i (-1 = begun)",
      doc="Start uploading a clip of `notes` notes; notes follow in /segue/clip/notes chunks."),
    a("/clip/notes", Arg("clip", "s"), Arg("seq", "i", 0, MAX_CLIP_NOTES), *NOTES,
      reply="/segue/clip/ack rid clip:s seq:i", doc="One chunk of notes; chunks may arrive in any order.",
      errors="no such upload; duplicate seq; bad note values"),
    a("/clip/end", Arg("clip", "s"), Arg("chunks", "i", 0, MAX_CLIP_NOTES + 1),
      reply="/segue/clip/ack rid clip:s seq:i (-2 = complete)",
      doc="Finish an upload of `chunks` chunks. Missing chunks are named in the error; the upload stays "
      "open so they can be resent.", errors="missing chunks (listed); note count mismatch"),
    a("/slot/encode", Arg("slot", "s", doc="A, B or any name"), Arg("clip", "s"),
      reply="/segue/slot/encode rid slot:s windows:i clip_bars:i padded_bars:i",
      doc="Encode an uploaded clip into a named slot (a clip is one latent code per model window).",
      errors="no such clip; wrong representation (e.g. drums for a melody model); odd meter; empty clip; too long"),
    a("/slot/sample", Arg("slot", "s"), Arg("bars", "i", 1, 64),
      reply="/segue/slot/encode rid slot:s windows:i clip_bars:i padded_bars:i",
      doc="Fill a slot with a sample from the prior (temperature and seed knobs)."),
    a("/slot/variation", Arg("slot", "s"), Arg("source", "s"), Arg("amount", "f", 0.0, 2.0),
      reply="/segue/slot/encode rid slot:s windows:i clip_bars:i padded_bars:i",
      doc="Fill a slot with a variation of another: mu + amount * noise (seed knob)."),
    a("/morph/slots", Arg("a", "s"), Arg("b", "s"), reply="/segue/morph/slots rid a:s b:s",
      doc="Which two slots the morph knob moves between (default A and B)."),
    a("/xy/slots", Arg("a", "s"), Arg("b", "s"), Arg("c", "s"), Arg("d", "s"),
      reply="/segue/xy/slots rid a:s b:s c:s d:s",
      doc="The XY pad's four corner slots: a top left, b top right, c bottom left, d bottom right. While "
      "any is named, bars blend the four by the xy_x and xy_y knobs (slerp along x on the top and the bottom "
      "edge, then along y between the two) instead of the morph knob; a corner that is unnamed or empty "
      "takes its neighbour's code (c from a, d from b, then across), so with a and b alone the pad is the "
      "A->B morph. Four empty names turn the pad off."),
    a("/xy/set", Arg("x", "f", 0.0, 1.0), Arg("y", "f", 0.0, 1.0), reply="/segue/xy/set rid x y version:i",
      doc="Move the XY pad's puck: the xy_x and xy_y knobs at once, one new version."),
    *TOOL_REQUESTS,
    *(a(f"/knob/set/{name}", arg, reply=f"/segue/knob/set/{name} rid value version:i",
        doc=f"Set the {name} knob. {arg.doc}".strip())
      for name, arg in KNOBS.items()),
    a("/transport/set", Arg("playing", "i", 0, 1), Arg("tempo", "f", 20.0, 400.0), Arg("beat", "f", -16.0, 1e7),
      Arg("numerator", "i", 1, 32), Arg("denominator", "i", 1, 32),
      reply="/segue/transport/set rid",
      doc="The song's transport: playing, tempo (BPM), the beat the playhead is on now, time signature. "
      "Send on start, stop, tempo or meter change, and every bar or so to correct drift.",
      errors="meter other than 4/4"),
    a("/transport/loop", Arg("start", "f", 0.0, 1e7), Arg("end", "f", 0.0, 1e7), reply="/segue/transport/loop rid",
      doc="Loop the bars between start and end beats (end <= start: no loop)."),
    a("/transport/seek", Arg("beat", "f", 0.0, 1e7), reply="/segue/transport/seek rid",
      doc="Jump the playhead; bars from there are generated afresh."),
    a("/bar/request", Arg("bar", "i", 0, 1_000_000), reply="(pushes /segue/bar/* for that bar)",
      doc="Ask for one bar now, whatever the transport."),
    a("/render", Arg("steps", "i", 2, 64), reply="/segue/render/begin, /segue/render/notes ..., /segue/render/end",
      doc="Render `steps` steps of the morph from A to B (for writing clips); each step is the slots' length."),
    a("/clip/groove", Arg("clip", "s"), Arg("amount", "f", 0.0, 1.0, doc="0 = the grid at the clip's velocities, "
                                             "1 = the model's timing and velocities"),
      Arg("temperature", "f", 0.0, 4.0, optional=True, doc="0 (default) = the most likely hits"),
      reply="/segue/clip/result/begin, /segue/clip/result/notes ..., /segue/clip/result/end",
      doc="Groove an uploaded drum clip (Magenta Studio's Groove): the session's GrooVAE humanize model plays it "
      "with its velocities and micro-timing; the result comes back as a new clip. Needs the groove capability "
      "and a confirmed hello.", errors="no such clip; the model cannot groove (a melody, drums or tap model); "
      "a melodic clip; hello not confirmed"),
    a("/clip/drumify", Arg("clip", "s"), Arg("amount", "f", 0.0, 1.0, doc="as for /segue/clip/groove"),
      Arg("temperature", "f", 0.0, 4.0, optional=True),
      reply="/segue/clip/result/begin, /segue/clip/result/notes ..., /segue/clip/result/end",
      doc="Drumify an uploaded clip (Magenta Studio's Drumify): every note of any clip is a tap; the session's "
      "GrooVAE tap model makes a drum part of the rhythm. Needs the drumify capability and a confirmed hello.",
      errors="no such clip; the model cannot drumify; hello not confirmed"),
    a("/chords/set", Arg("progression", "s", doc='"C G Am F": one chord per bar, looped with the song; "C G | Am": '
                                                 'two chords in a bar; "" for none'),
      reply="/segue/chords/set rid progression:s version:i",
      doc="The session's chord progression. Chord models (the chords capability) read it bar by bar in every "
      "bar, sample, morph and shift, and slots encoded from clips are encoded again with it; other models keep "
      "it for later. The reply gives it as the engine read it.",
      errors="an unknown chord symbol (named); more than 256 bars"),
    a("/chords/from_clip", Arg("clip", "s"), reply="/segue/chords/from_clip rid progression:s version:i",
      doc="Read a chord per bar off an uploaded clip's harmony and make it the progression (as /segue/chords/set).",
      errors="no such clip"),
    a("/chords/get", reply="/segue/chords/get rid progression:s version:i",
      doc="The session's chord progression as the engine reads it (\"\" for none), whoever set it: a client "
      "shows it after hello.", errors="no session"),
    a("/bar/begin", Arg("bar", "i"), Arg("version", "i"), Arg("notes", "i"), Arg("chunks", "i"),
      Arg("morph", "f"), Arg("temperature", "f"), Arg("seed", "i"), *(Arg(name, "f") for name in ATTRIBUTE_KNOBS),
      kind="push",
      reply="-", doc="A generated bar follows: its index in the song, its version (higher replaces lower "
      "until the bar starts) and the knob values it reflects."),
    a("/bar/notes", Arg("bar", "i"), Arg("version", "i"), Arg("seq", "i"), *NOTES, kind="push", reply="-",
      doc="One chunk of a bar's notes; start is in beats from the bar's start."),
    a("/bar/end", Arg("bar", "i"), Arg("version", "i"), kind="push", reply="-", doc="The bar is complete."),
    a("/render/begin", Arg("rid", "i"), Arg("steps", "i"), Arg("bars", "i"), kind="push", reply="-",
      doc="A render follows: steps of `bars` bars each."),
    a("/render/notes", Arg("rid", "i"), Arg("step", "i"), Arg("seq", "i"), *NOTES, kind="push", reply="-",
      doc="Notes of one render step; start in beats from the step's start."),
    a("/render/end", Arg("rid", "i"), Arg("chunks", "i", repeats=True), kind="push", reply="-",
      doc="The render is complete; then how many /render/notes chunks each step had, in step order "
      "(a missing one is detected and the render asked again)."),
    a("/clip/result/begin", Arg("rid", "i"), Arg("clip", "s"), Arg("notes", "i"), Arg("length", "f"), kind="push",
      reply="-", doc="The result of /segue/clip/groove or /segue/clip/drumify follows: a new clip of `notes` notes "
      "and `length` beats (the source clip's bars)."),
    a("/clip/result/notes", Arg("rid", "i"), Arg("seq", "i"), *NOTES, kind="push", reply="-",
      doc="One chunk of the result's notes: start in beats from the clip's start, off the 16th grid by the "
      "model's timing, with the model's velocities."),
    a("/clip/result/end", Arg("rid", "i"), Arg("chunks", "i"), kind="push", reply="-",
      doc="The result is complete; `chunks` /segue/clip/result/notes chunks were sent."),
    a("/tool/result/begin", Arg("rid", "i"), Arg("notes", "i"), Arg("length", "f"), Arg("message", "s"), kind="push",
      reply="-", doc="The result of a /segue/tool/* operation follows: `notes` new notes for a range of `length` "
      "beats, and what the tool should say besides done (a range read as whole bars, notes the model dropped; "
      "often empty)."),
    a("/tool/result/notes", Arg("rid", "i"), Arg("seq", "i"), *NOTES, kind="push", reply="-",
      doc="One chunk of the result's notes: start in beats from the range's start, inside the range."),
    a("/tool/result/end", Arg("rid", "i"), Arg("chunks", "i"), kind="push", reply="-",
      doc="The result is complete; `chunks` /segue/tool/result/notes chunks were sent."),
    a("/error", Arg("rid", "i"), Arg("address", "s"), Arg("message", "s"), kind="push", reply="-",
      doc="Something a request asked for went wrong; rid is -1 when the packet could not be read."),
)

BY_PATH: dict[str, Address] = {entry.path: entry for entry in TABLE}
REQUESTS = {p: e for p, e in BY_PATH.items() if e.kind == "request"}
# The fields of /segue/bar/begin by name, in wire order: read them with bar_begin_fields().
BAR_BEGIN = tuple(arg.name for arg in BY_PATH[PREFIX + "/bar/begin"].args)


def bar_begin_fields(args) -> dict:
    """The arguments of a /segue/bar/begin push by name."""
    return dict(zip(BAR_BEGIN, args))


def markdown() -> str:
    """The table as docs/osc.md."""
    lines = [
        "# Segue's OSC protocol",
        "",
        "Generated from `bridge/addresses.py` (`python -m segue.bridge.addresses > docs/osc.md`); a test keeps "
        "them equal.",
        "",
        f"The engine listens on UDP 127.0.0.1:{DEFAULT_PORT}. Every request starts with an int request id "
        "(`rid`), echoed first in its reply; replies go to the `reply_port` given in `/segue/hello`. "
        "Errors go to `/segue/error rid address message`. Payloads are chunked at "
        f"{DEFAULT_CHUNK_BYTES} bytes unless hello asks for another size ({MAX_CHUNK_BYTES} at most). "
        "Note lists repeat pitch:i start:f duration:f velocity:i (beats). An `i` argument also takes a "
        "float with a whole value (2.0 for 2), since Max may type a whole number as a float; an `f` "
        "argument takes ints.",
        "",
        "## Requests (client to engine)",
        "",
        "| address | arguments | reply | errors | what |",
        "|---|---|---|---|---|",
    ]
    for kind in ("request", "push"):
        if kind == "push":
            lines += ["", "## Pushes (engine to client)", "", "| address | arguments | what |", "|---|---|---|"]
        for e in TABLE:
            if e.kind != kind:
                continue
            args = " ".join(_arg_doc(x, last=k == len(e.args) - 1 and x.repeats)
                            for k, x in enumerate(e.args)) or "-"
            if kind == "request":
                errors = "; ".join(filter(None, ["wrong types or count, out of range, NaN", e.errors]))
                lines.append(f"| `{e.path}` | {args} | `{e.reply}` | {errors} | {e.doc} |")
            else:
                lines.append(f"| `{e.path}` | {args} | {e.doc} |")
    lines += ["", "## Model capabilities (`/segue/model/info`)", "", "| capability | the model |", "|---|---|"]
    lines += [f"| `{name}` | {doc} |" for name, doc in CAPABILITIES.items()]
    return "\n".join(lines) + "\n"


def _arg_doc(x: Arg, last: bool = False) -> str:
    text = f"{x.name}:{x.type}"
    if x.lo is not None or x.hi is not None:
        text += f" ({_range(x)})"
    if x.optional:
        text = f"[{text}]"
    if x.repeats:
        text = "{" + text
    if last or (x.name == "velocity" and x.lo == 1):  # the end of a repeating group
        text += "}*"
    return f"`{text}`"


def javascript() -> str:
    """The device's vocabulary as ``maxpatch/js/protocol.js`` (a CommonJS module for Max's [v8])."""
    import json

    def js(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def num(x):
        return int(x) if isinstance(x, float) and x.is_integer() else x

    knobs = []
    for name, arg in KNOBS.items():
        spec = {"type": arg.type, "default": num(arg.default)}
        if arg.type != "s":
            spec.update(lo=num(arg.lo), hi=num(arg.hi))
        else:
            spec["choices"] = list(arg.choices)
        knobs.append(f"  {name}: {js(spec)},")
    clip_groove = {arg.name: {"lo": num(arg.lo), "hi": num(arg.hi)}
                   for arg in BY_PATH[PREFIX + "/clip/groove"].args if arg.name in ("amount", "temperature")}
    lines = [
        "// GENERATED from bridge/addresses.py by `python -m segue.bridge.addresses --js > maxpatch/js/protocol.js`:",
        "// do not edit; a test keeps the two equal. The one vocabulary of the wire, for the device.",
        '"use strict";',
        "",
        f"var PREFIX = {js(PREFIX)};",
        f"var DEFAULT_PORT = {DEFAULT_PORT};",
        f"var CHUNK_BYTES = {DEFAULT_CHUNK_BYTES};",
        f"var MAX_CHUNK_BYTES = {MAX_CHUNK_BYTES};",
        f"var NOTE_FIELDS = {js(list(NOTE_FIELDS))};",
        "// knob name -> {type: i|f|s, default, lo, hi} (numbers) or {type: s, default, choices}",
        "var KNOBS = {",
        *knobs,
        "};",
        f"var ATTRIBUTES = {js(list(ATTRIBUTE_KNOBS))};",
        f"var SCALES = {js(list(SCALES))};",
        "// Live's Song.scale_name -> ours; a name missing here means no snapping",
        f"var LIVE_SCALES = {js(LIVE_SCALES)};",
        "// the arguments of /segue/bar/begin, in wire order",
        f"var BAR_BEGIN = {js(list(BAR_BEGIN))};",
        "// what a model can do (/segue/model/info's comma-separated capabilities): offer an action only then",
        f"var CAPABILITIES = {js(list(CAPABILITIES))};",
        "// /segue/clip/groove's and /segue/clip/drumify's amount and temperature: {lo, hi}",
        f"var CLIP_GROOVE = {js(clip_groove)};",
        "// what a client says of a knob in /segue/model/info's weak_knobs",
        f"var WEAK_KNOB = {js(WEAK_KNOB)};",
        "",
        "module.exports = { PREFIX: PREFIX, DEFAULT_PORT: DEFAULT_PORT, CHUNK_BYTES: CHUNK_BYTES,",
        "                   MAX_CHUNK_BYTES: MAX_CHUNK_BYTES, NOTE_FIELDS: NOTE_FIELDS, KNOBS: KNOBS,",
        "                   ATTRIBUTES: ATTRIBUTES, SCALES: SCALES, LIVE_SCALES: LIVE_SCALES, BAR_BEGIN: BAR_BEGIN,",
        "                   CAPABILITIES: CAPABILITIES, CLIP_GROOVE: CLIP_GROOVE, WEAK_KNOB: WEAK_KNOB };",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    print(javascript() if "--js" in sys.argv[1:] else markdown(), end="")
