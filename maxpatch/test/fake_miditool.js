// A fake of Live 12's MIDI Tool apply cycle: [live.miditool.in] and [live.miditool.out] as the
// Cycling '74 reference and the public example devices describe them (docs/device.md, "MIDI Tools"):
// - a pass (Live's Apply button, Auto Apply on a setting's change, or a bang into [live.miditool.in])
//   sends the context dictionary (outlet 1, first: right to left) and then the notes dictionary
//   (outlet 0); [live.miditool.out] must get the notes to write before that call returns:
//   "Did not receive a Note dictionary in time. Make sure that the dictionary is synchronous.";
//   a dictionary at any other time is refused: "Received a Note dictionary asynchronously. ...";
// - a bang continues the cycle: the same notes and context as when it began, whatever was written
//   since; a user interaction outside the tool (another clip, an edit) ends it, and the next pass
//   starts a new one from the clip as it is then;
// - notes: {notes: [{note_id, pitch, start_time, duration, velocity (a float), mute, probability,
//   velocity_deviation, release_velocity}]}: for a Transformation the selected notes (else those in the
//   time selection), for a Generator the notes in the time selection (which its notes replace);
//   context: {clip: {time_selection_start, time_selection_end, first_note_start, last_note_end,
//   lowest_pitch, highest_pitch}, scale: {scale_mode, root_note, scale_intervals, scale_name},
//   grid: {interval, enabled}};
// - what is written replaces the pass's input in the clip: a note with an input's note_id changes that
//   note, one without is new; a dictionary without notes, or a note without pitch, start_time or
//   duration, is refused: "The Note dictionary received from Max was malformed: The key `...` is
//   missing." Errors show in Live's status bar (here: errors).
"use strict";

const INTERVALS = { Major: [0, 2, 4, 5, 7, 9, 11], Minor: [0, 2, 3, 5, 7, 8, 10], Dorian: [0, 2, 3, 5, 7, 9, 10],
                    "Whole Tone": [0, 2, 4, 6, 8, 10], "Minor Pentatonic": [0, 3, 5, 7, 10] };

class FakeMidiTool {
  // opts: kind ("transform" | "generate"), notes ([{pitch, start, duration, velocity, mute}]),
  // selection ([from, to] or null), selected (indexes of the selected notes, transform), scale
  // ({mode, root, name}), grid ({interval, enabled}).
  constructor(opts = {}) {
    this.kind = opts.kind || "transform";
    this.nextId = 1;
    this.notes = (opts.notes || []).map((n) => this.liveNote(n));
    this.selection = opts.selection || null;
    this.selected = opts.selected || null;
    this.scale = { mode: 0, root: 0, name: "Major", ...(opts.scale || {}) };
    this.grid = { interval: 0.25, enabled: 1, ...(opts.grid || {}) };
    this.device = null;   // {context(dict), notes(dict)}: the device's [v8] inlets
    this.cycle = null;    // {notes, context}: what every pass of the current cycle hands over
    this.inPass = false;
    this.written = null;
    this.passes = 0;
    this.writes = 0;
    this.errors = [];     // what Live's status bar would show
  }
  liveNote(n) {
    return { note_id: this.nextId++, pitch: n.pitch, start_time: n.start, duration: n.duration,
             velocity: n.velocity === undefined ? 100.0 : n.velocity, mute: n.mute ? 1 : 0, probability: 1.0,
             velocity_deviation: 0.0, release_velocity: 64.0 };
  }
  attach(device) { this.device = device; }
  // A user interaction outside the tool: the cycle ends (fn changes the clip, the selection, the scale ...).
  interrupt(fn) { this.cycle = null; if (fn) fn(this); }
  inputNotes() {
    const [from, to] = this.selection || [0, Infinity];
    if (this.kind === "transform" && this.selected) return this.selected.map((k) => this.notes[k]).filter(Boolean);
    return this.notes.filter((n) => n.start_time >= from && n.start_time < to);
  }
  context(input) {
    const starts = input.map((n) => n.start_time), ends = input.map((n) => n.start_time + n.duration);
    const pitches = input.map((n) => n.pitch);
    const [from, to] = this.selection || [Math.min(...starts), Math.max(...ends)];
    return {
      clip: { time_selection_start: from, time_selection_end: to,
              first_note_start: starts.length ? Math.min(...starts) : from, last_note_end: ends.length ? Math.max(...ends) : to,
              lowest_pitch: pitches.length ? Math.min(...pitches) : 0, highest_pitch: pitches.length ? Math.max(...pitches) : 127 },
      scale: { scale_mode: this.scale.mode, root_note: this.scale.root, scale_intervals: INTERVALS[this.scale.name] || [],
               scale_name: this.scale.name },
      grid: { interval: this.grid.interval, enabled: this.grid.enabled },
    };
  }
  // A pass: Apply, Auto Apply, or a bang into [live.miditool.in] (all the same to the device).
  apply() {
    if (!this.cycle) {
      const input = this.inputNotes().map((n) => ({ ...n }));
      this.cycle = { input, context: this.context(input) };
      this.lastNew = new Set();
    }
    this.passes++;
    this.inPass = true;
    this.written = null;
    try {
      this.device.context(JSON.parse(JSON.stringify(this.cycle.context)));
      this.device.notes(JSON.parse(JSON.stringify({ notes: this.cycle.input })));
    } finally {
      this.inPass = false;
    }
    if (this.written === null) {
      this.errors.push("Did not receive a Note dictionary in time. Make sure that the dictionary is synchronous.");
      return false;
    }
    return this.commit(this.written);
  }
  bang() { return this.apply(); }
  // [live.miditool.out] receives a dictionary.
  write(dict) {
    if (!this.inPass) {
      this.errors.push("Received a Note dictionary asynchronously. Make sure that the dictionary is synchronous.");
      return;
    }
    this.written = JSON.parse(JSON.stringify(dict));
  }
  commit(dict) {
    if (!dict || !Array.isArray(dict.notes)) return this.malformed("notes");
    for (const n of dict.notes) {
      for (const key of ["pitch", "start_time", "duration"]) if (n[key] === undefined) return this.malformed(key);
    }
    this.writes++;
    const inputIds = new Set(this.cycle.input.map((n) => n.note_id));
    const byId = new Map(this.cycle.input.map((n) => [n.note_id, n]));
    // the pass's input leaves the clip (as it is now: earlier passes of this cycle wrote over it)
    const kept = this.notes.filter((n) => !inputIds.has(n.note_id) && !this.lastNew.has(n.note_id));
    const fresh = new Set();
    const written = dict.notes.map((n) => {
      if (n.note_id !== undefined && byId.has(n.note_id)) return { ...byId.get(n.note_id), ...n };
      const made = this.liveNote({ pitch: n.pitch, start: n.start_time, duration: n.duration,
                                   velocity: n.velocity, mute: n.mute });
      fresh.add(made.note_id);
      return { ...made, probability: n.probability === undefined ? 1.0 : n.probability };
    });
    this.lastNew = fresh; // notes a later pass of this cycle replaces
    this.notes = kept.concat(written).sort((a, b) => a.start_time - b.start_time || a.pitch - b.pitch);
    return true;
  }
  malformed(key) {
    this.errors.push("The Note dictionary received from Max was malformed: The key `" + key + "` is missing.");
    return false;
  }
}

// A device's [v8] inlets for a tool.js Tool, wired as the patch wires them: the context to inlet 1,
// the notes to inlet 0, the answer to [live.miditool.out]; and its reapply() through [deferlow]
// (the next turn of the event loop, as Max's low-priority queue would) -> [t b reapplying].
function wire(fake, tool, defer) {
  let context = null;
  fake.attach({
    context: (dict) => { context = dict; },
    notes: (dict) => fake.write(tool.apply(dict, context)),
  });
  tool.env.reapply = () => (defer || setImmediate)(() => { tool.reapplying(); fake.bang(); });
}

module.exports = { FakeMidiTool, wire, INTERVALS };
